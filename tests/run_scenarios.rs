//! `pgrehearse run` end to end on the shipped scenarios: the binary's exit code, the
//! verdict and the failing checks in report.json, and bad input refused with exit 2
//! before anything is provisioned.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn run(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("run pgrehearse")
}

fn report(out: &Path, scenario: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join(scenario).join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json parses")
}

fn failed_checks(report: &serde_json::Value) -> Vec<String> {
    let checks = report["checks"].as_array().expect("checks");
    assert!(!checks.is_empty(), "a report without checks checks nothing");
    checks.iter().filter(|c| c["status"] == "fail").map(|c| c["check"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_correct_bring_your_own_migration_passes_every_check() {
    let out = tempfile::tempdir().unwrap();
    let output = run(&[scenarios().join("byo-uuid.toml").to_str().unwrap()], out.path());
    let report = report(out.path(), "byo-uuid");
    assert_eq!(failed_checks(&report), Vec::<String>::new(), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(report["verdict"], "pass");
    assert_eq!(output.status.code(), Some(0));
    for file in ["report.md", "report.json", "junit.xml", "report.html"] {
        assert!(out.path().join("byo-uuid").join(file).is_file(), "{file} missing");
    }
}

#[test]
fn a_down_that_rewrites_noncanonical_uuids_fails_rollback_identity_only() {
    let out = tempfile::tempdir().unwrap();
    let output = run(&[scenarios().join("byo-uuid-wrong-down.toml").to_str().unwrap()], out.path());
    assert_eq!(output.status.code(), Some(1), "a finding exits 1");
    let report = report(out.path(), "byo-uuid-wrong-down");
    assert_eq!(failed_checks(&report), vec!["rollback-identity".to_string()]);
    let junit = std::fs::read_to_string(out.path().join("byo-uuid-wrong-down/junit.xml")).unwrap();
    assert_eq!(junit.matches("<failure").count(), 1, "one failing testcase in JUnit");
}

#[test]
fn bad_input_exits_2_naming_the_problem_and_provisions_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let malformed = dir.path().join("malformed.toml");
    std::fs::write(&malformed, "name = \"x\"\nseed = 1\n[schema\nbuiltin = \"journal\"\n").unwrap();
    let unknown_column = dir.path().join("unknown.toml");
    std::fs::write(
        &unknown_column,
        "name = \"x\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[[anomaly]]\nkind = \"orphan\"\ncolumn = \"journal_entries.no_such_column\"\ncount = 1\n[migration]\nengine = \"uuid\"\nroot = \"users.id\"\n",
    )
    .unwrap();
    let missing_file = dir.path().join("missing.toml");
    std::fs::write(&missing_file, "name = \"x\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[migration]\nup = \"nope.up.sql\"\ndown = \"nope.down.sql\"\n").unwrap();
    let badly_named = dir.path().join("badly-named.toml");
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for file in ["0001_init.up.sql", "0001_init.down.sql", "0002-x.up.sql"] {
        std::fs::write(dir.path().join("migrations").join(file), "SELECT 1;").unwrap();
    }
    std::fs::write(&badly_named, "name = \"x\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[migration]\nmigrations = \"migrations\"\n").unwrap();
    let cases = [(&malformed, "malformed.toml"), (&unknown_column, "no_such_column"), (&missing_file, "nope.up.sql"), (&badly_named, "0002-x.up.sql")];
    for (file, needle) in cases {
        let child = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
            .args(["run", file.to_str().unwrap(), "--quiet", "--out"])
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(stderr.contains(needle), "the error must name {needle}: {stderr}");
        assert_eq!(dirs_owned_by(pid), Vec::<String>::new(), "bad input must leave no cluster directory behind");
    }
}

/// Cluster directories whose owner tag names this pid.
fn dirs_owned_by(pid: u32) -> Vec<String> {
    let tag = format!(" pid={pid} ");
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("pgrehearse-"))
        .filter(|e| std::fs::read_to_string(e.path().join("owner")).is_ok_and(|owner| owner.contains(&tag)))
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn every_shipped_engine_scenario_passes_with_anomalies_matched_to_the_ground_truth() {
    let out = tempfile::tempdir().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(scenarios())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("anomaly-") || n == "orphan-nullify.toml")
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected the anomaly scenarios and orphan-nullify, found {files:?}");
    let paths: Vec<String> = files.iter().map(|f| scenarios().join(f).display().to_string()).collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let output = run(&args, out.path());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    for file in &files {
        let name = file.trim_end_matches(".toml");
        let report = report(out.path(), name);
        assert_eq!(failed_checks(&report), Vec::<String>::new(), "{name}");
        let anomalies = report["checks"].as_array().unwrap().iter().find(|c| c["check"] == "anomalies").expect("anomalies check");
        assert_eq!(anomalies["status"], "pass", "{name}: the engine's set-aside rows must equal the ground truth's");
    }
}

#[test]
fn a_scenario_without_a_migration_is_refused_before_anything_runs() {
    let out = tempfile::tempdir().unwrap();
    let output = run(&[scenarios().join("shop.toml").to_str().unwrap()], out.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("shop.toml"));
}
