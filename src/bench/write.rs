//! Writes `bench.json`, `bench.svg` and `bench.html` into the output directory.

use std::path::{Path, PathBuf};

use super::error::BenchError;
use super::result::{BenchResult, Measurements};
use super::{chart, html};

/// The files written, so the CLI can print them.
pub struct WrittenBench {
    pub json: PathBuf,
    pub svg: PathBuf,
    pub html: PathBuf,
}

pub fn write(dir: &Path, m: &Measurements, result: &BenchResult) -> Result<WrittenBench, BenchError> {
    let error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BenchError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(error(dir))?;
    let written = WrittenBench { json: dir.join("bench.json"), svg: dir.join("bench.svg"), html: dir.join("bench.html") };
    let json = serde_json::to_string_pretty(result).expect("the bench result serializes") + "\n";
    for (path, text) in [(&written.json, json), (&written.svg, chart::render(result)), (&written.html, html::render(m, result))] {
        std::fs::write(path, text).map_err(error(path))?;
    }
    Ok(written)
}
