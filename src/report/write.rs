//! Writes the four reports into one directory, `target/pgrehearse/<scenario>/` unless the
//! caller chooses another.

use std::path::{Path, PathBuf};

use super::error::ReportError;
use super::model::Report;
use super::{html, json, junit, markdown, summary};

/// The paths written, so the CLI can print them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WrittenReports {
    pub markdown: PathBuf,
    pub json: PathBuf,
    pub junit: PathBuf,
    pub html: PathBuf,
}

/// `target/pgrehearse/<scenario>`, relative to the working directory. Path separators in
/// the scenario name are replaced so the report cannot land outside that directory.
pub fn default_dir(scenario: &str) -> PathBuf {
    let safe: String = scenario.chars().map(|c| if c == '/' || c == '\\' || c == '\0' { '_' } else { c }).collect();
    let safe = if safe.is_empty() || safe == "." || safe == ".." { "scenario".to_string() } else { safe };
    Path::new("target").join("pgrehearse").join(safe)
}

/// Renders and writes `report.md`, `report.json`, `junit.xml` and `report.html` to `dir`,
/// creating it if needed.
pub fn write_reports(report: &Report, dir: &Path) -> Result<WrittenReports, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
    let written = WrittenReports {
        markdown: dir.join("report.md"),
        json: dir.join("report.json"),
        junit: dir.join("junit.xml"),
        html: dir.join("report.html"),
    };
    for (path, text) in [
        (&written.markdown, markdown::render(report)),
        (&written.json, json::render(report)),
        (&written.junit, junit::render(report)),
        (&written.html, html::render(report)),
    ] {
        std::fs::write(path, text).map_err(|source| ReportError::Write { path: path.clone(), source })?;
    }
    Ok(written)
}

/// Writes a run's `summary.md` and its one `junit.xml` (a testsuite per scenario) to
/// `dir`; returns their paths.
pub fn write_run_reports(reports: &[Report], not_rehearsed: &[(String, String)], dir: &Path) -> Result<(PathBuf, PathBuf), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
    let (summary_path, junit_path) = (dir.join("summary.md"), dir.join("junit.xml"));
    for (path, text) in [(&summary_path, summary::render(reports, not_rehearsed)), (&junit_path, junit::render_run(reports, not_rehearsed))] {
        std::fs::write(path, text).map_err(|source| ReportError::Write { path: path.clone(), source })?;
    }
    Ok((summary_path, junit_path))
}
