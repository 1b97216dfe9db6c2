//! Shared helpers for the tests that run the `pgrehearse run` binary: the shipped
//! scenarios, a run with its reports in a directory, and readers of `report.json`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// `pgrehearse run ARGS --out OUT --quiet`.
pub fn run(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("run pgrehearse")
}

/// What the run printed, for assertion messages.
pub fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub fn report(out: &Path, scenario: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join(scenario).join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json parses")
}

pub fn failed_checks(report: &serde_json::Value) -> Vec<String> {
    let checks = report["checks"].as_array().expect("checks");
    assert!(!checks.is_empty(), "a report without checks checks nothing");
    checks.iter().filter(|c| c["status"] == "fail").map(|c| c["check"].as_str().unwrap().to_string()).collect()
}

pub fn check<'r>(report: &'r serde_json::Value, name: &str) -> Option<&'r serde_json::Value> {
    report["checks"].as_array().expect("checks").iter().find(|c| c["check"] == name)
}

/// The messages of a check's findings.
pub fn messages(report: &serde_json::Value, name: &str) -> Vec<String> {
    let Some(check) = check(report, name) else { return Vec::new() };
    check["findings"].as_array().expect("findings").iter().map(|f| f["message"].as_str().unwrap().to_string()).collect()
}

/// The rows a table had before up, as the report's table of counts says.
pub fn rows_before(report: &serde_json::Value, table: &str) -> u64 {
    let tables = report["tables"].as_array().expect("tables");
    tables.iter().find(|t| t["table"] == table).unwrap_or_else(|| panic!("{table} counted: {tables:?}"))["before"].as_u64().unwrap()
}

/// The journal schema with few rows, as a scenario's first lines.
pub const SMALL_JOURNAL: &str = "seed = 3\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 60\njournal_entries = 120\ntags = 40\nreminders = 40\nsecret_tags = 20\njournal_entry_tags = 60\n";

/// A scenario in `dir` on the journal schema with few rows, running `up`/`down` files and
/// the given `[expect]` lines.
pub fn small_scenario(dir: &Path, name: &str, up: &Path, down: &Path, expect: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let text = format!("name = \"{name}\"\n{SMALL_JOURNAL}[migration]\nup = {up:?}\ndown = {down:?}\n{expect}", up = up.display().to_string(), down = down.display().to_string());
    std::fs::write(&path, text).unwrap();
    path
}

/// A shipped scenario's text with `name` replaced and paths made absolute, written to
/// `dir`, with `edit` applied to the text: a variant of a shipped scenario.
pub fn variant(dir: &Path, shipped: &str, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(scenarios().join(shipped)).unwrap();
    let base = scenarios().display().to_string();
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = if line.starts_with("name = ") { format!("name = \"{name}\"") } else { line.to_string() };
        // A path (`up`, `down`, `migrations`, `file`) holds a `/`; `down = "fail"` does not.
        let is_path = line.split('"').nth(1).is_some_and(|value| value.contains('/'));
        let keys = ["up = \"", "down = \"", "migrations = \"", "file = \""];
        let line = match keys.iter().find(|key| line.starts_with(**key)) {
            Some(key) if is_path => line.replacen(key, &format!("{key}{base}/"), 1),
            _ => line,
        };
        lines.push(line);
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, edit(lines.join("\n") + "\n")).unwrap();
    path
}
