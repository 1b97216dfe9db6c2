//! `[export] sqlite = true` in a scenario: `run` exports the seeded and the migrated
//! database to SQLite, verifies both under the type mapping, and reports the result as the
//! `sqlite-export` check; a migrated schema the mapping cannot take is a finding of it.

mod run_support;

use std::path::{Path, PathBuf};

use run_support::{check, report, run, said};

fn scenario(dir: &Path, up: &str, down: &str) -> PathBuf {
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
    let text = r#"name = "export"
seed = 5
[schema]
builtin = "journal"
[rows]
users = 300
journal_entries = 900
tags = 200
reminders = 150
secret_tags = 100
journal_entry_tags = 400
[[anomaly]]
kind = "noncanonical_uuid"
column = "users.id"
count = 7
[migration]
up = "up.sql"
down = "down.sql"
[export]
sqlite = true
"#;
    let path = dir.join("export.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the scenario: its exit code and its report.
fn rehearse(scenario: &Path, out: &Path) -> (Option<i32>, serde_json::Value) {
    let output = run(&[scenario.to_str().unwrap()], out);
    assert!(out.join("export/report.json").is_file(), "no report: {}", said(&output));
    (output.status.code(), report(out, "export"))
}

fn sqlite_check(report: &serde_json::Value) -> &serde_json::Value {
    check(report, "sqlite-export").expect("a sqlite-export check in the report")
}

/// The row total the check reports for one exported database, e.g. "seeded: 9 tables, 2050 rows".
fn rows_of(summary: &str, label: &str) -> u64 {
    let part = summary.split(';').find(|p| p.contains(&format!("{label}:"))).unwrap_or_else(|| panic!("{label} not in {summary}"));
    part.split_whitespace().rev().nth(1).unwrap().parse().unwrap()
}

#[test]
fn both_databases_are_exported_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let up = "ALTER TABLE reminders ADD COLUMN note text;";
    let down = "ALTER TABLE reminders DROP COLUMN note;";
    let (code, report) = rehearse(&scenario(dir.path(), up, down), &dir.path().join("out"));
    let check = sqlite_check(&report);
    assert_eq!(check["status"], "pass", "{check}");
    assert_eq!(code, Some(0), "{report}");
    let summary = check["summary"].as_str().unwrap();
    // Every row of both databases went through: the totals are the report's own counts.
    let seeded: u64 = report["tables"].as_array().unwrap().iter().map(|t| t["before"].as_u64().unwrap()).sum();
    assert_eq!(rows_of(summary, "seeded"), seeded, "{summary}");
    assert_eq!(rows_of(summary, "migrated"), seeded, "{summary}");
}

#[test]
fn a_migrated_type_without_a_mapping_is_a_finding_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let up = "ALTER TABLE reminders ADD COLUMN spot point;";
    let down = "ALTER TABLE reminders DROP COLUMN spot;";
    let (code, report) = rehearse(&scenario(dir.path(), up, down), &dir.path().join("out"));
    let check = sqlite_check(&report);
    assert_eq!(check["status"], "fail", "{check}");
    assert_eq!(code, Some(1), "a finding exits 1: {report}");
    let message = check["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("spot") && message.contains("point"), "{message}");
}
