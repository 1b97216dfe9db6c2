//! `pgrehearse run DIR`: every scenario in the directory, one `summary.md` line and one
//! `junit.xml` testsuite each, and a seed-only scenario skipped with a note rather than
//! failing the run.

use std::path::Path;
use std::process::Command;

fn shipped(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(path).display().to_string()
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

#[test]
fn a_directory_run_writes_one_summary_line_and_one_testsuite_per_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    let rows = "[rows]\nusers = 300\njournal_entries = 600\ntags = 300\nreminders = 200\nsecret_tags = 100\njournal_entry_tags = 300\n";
    write(&scenarios, "a-engine.toml", &format!("name = \"dir-engine\"\nseed = 3\n[schema]\nbuiltin = \"journal\"\n{rows}[migration]\nengine = \"uuid\"\nroot = \"users.id\"\n"));
    write(
        &scenarios,
        "b-wrong-down.toml",
        &format!(
            "name = \"dir-wrong-down\"\nseed = 3\n[schema]\nbuiltin = \"journal\"\n{rows}[[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 5\n[migration]\nup = {:?}\ndown = {:?}\n",
            shipped("migrations/byo-uuid/0001_uuid.up.sql"),
            shipped("migrations/byo-uuid-wrong-down/0001_uuid.down.sql")
        ),
    );
    write(&scenarios, "c-seed-only.toml", &format!("name = \"dir-seed-only\"\nseed = 3\n[schema]\nbuiltin = \"journal\"\n{rows}"));
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(["run", "--quiet", "--out"]).arg(&out).arg(&scenarios).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "one scenario has a finding: {said}");
    assert!(said.contains("SKIPPED dir-seed-only"), "{said}");

    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary.md");
    let lines: Vec<&str> = summary.lines().filter(|l| l.starts_with("| dir-")).collect();
    assert_eq!(lines.len(), 3, "one line per scenario:\n{summary}");
    for (name, line) in [("dir-engine", lines[0]), ("dir-wrong-down", lines[1])] {
        let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(name).join("report.json")).unwrap()).unwrap();
        let verdict = report["verdict"].as_str().unwrap().to_uppercase();
        assert!(line.starts_with(&format!("| {name} | {verdict} |")), "{line} says the report's verdict {verdict}");
        for check in report["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail") {
            assert!(line.contains(check["check"].as_str().unwrap()), "{line} names the failed check {}", check["check"]);
        }
    }
    assert!(lines[1].contains("rollback-identity"), "{}", lines[1]);
    assert!(lines[2].starts_with("| dir-seed-only | SKIPPED | seed-only"), "{}", lines[2]);

    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    assert_eq!(junit.matches("<testsuite ").count(), 3, "{junit}");
    for name in ["dir-engine", "dir-wrong-down", "dir-seed-only"] {
        assert!(junit.contains(&format!("<testsuite name=\"{name}\"")), "{name} has its testsuite");
    }
    let per_scenario = std::fs::read_to_string(out.join("dir-wrong-down/junit.xml")).unwrap();
    assert_eq!(junit.matches("<failure").count(), per_scenario.matches("<failure").count(), "the run's failures are the scenarios' failures");
    assert_eq!(junit.matches("<skipped").count() - 1, std::fs::read_to_string(out.join("dir-engine/junit.xml")).unwrap().matches("<skipped").count() + per_scenario.matches("<skipped").count());
}
