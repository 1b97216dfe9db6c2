//! `pgrehearse run` end to end on the shipped scenarios: the binary's exit code, the
//! verdict and the failing checks in report.json, and bad input refused with exit 2
//! before anything is provisioned.

mod support;
#[path = "run_support/mod.rs"]
mod run_support;

use std::process::Command;

use run_support::{check, failed_checks, report, run, said, scenarios, small_scenario};

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
        assert_eq!(support::cluster_dirs_owned_by(pid), Vec::<String>::new(), "bad input must leave no cluster directory behind");
    }
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

#[test]
fn an_internal_error_exits_4_and_still_writes_the_report_with_the_checks_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    // Up retypes a column, then terminates every session on the other databases, the
    // verifier's connections to the untouched before database among them: the checks that
    // need only what the states hold run, and the content check, which must read the
    // retyped table's before side again through the cast, cannot. That is pgrehearse
    // unable to do its job (an internal error), not a finding.
    let up = dir.path().join("up.sql");
    std::fs::write(&up, "ALTER TABLE reminders ALTER COLUMN message TYPE varchar;\nSELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname <> current_database() AND backend_type = 'client backend';\n").unwrap();
    let down = dir.path().join("down.sql");
    std::fs::write(&down, "ALTER TABLE reminders ALTER COLUMN message TYPE text;\n").unwrap();
    let path = small_scenario(dir.path(), "closes-its-database", &up, &down, "");
    let out = dir.path().join("out");
    let output = run(&[path.to_str().unwrap()], &out);
    assert_eq!(output.status.code(), Some(4), "{}", said(&output));
    let report = report(&out, "closes-its-database");
    assert_eq!(report["verdict"], "error");
    let error = report["error"].as_str().expect("the report names the internal error");
    assert!(error.starts_with("verify: "), "{error}");
    for ran in ["up-runs", "conservation"] {
        assert_eq!(check(&report, ran).unwrap_or_else(|| panic!("{ran} ran before the error"))["status"], "pass", "{ran}");
    }
    for not_run in ["content", "rollback-identity", "rerun"] {
        assert!(check(&report, not_run).is_none(), "{not_run}: nothing runs after the internal error");
    }
    let junit = std::fs::read_to_string(out.join("closes-its-database/junit.xml")).unwrap();
    assert!(junit.contains("errors=\"1\""), "{junit}");
}

#[test]
fn an_irreversible_migration_passes_when_its_down_fails_and_fails_when_its_down_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let byo = scenarios().join("migrations/byo-uuid");
    let failing_down = dir.path().join("irreversible.down.sql");
    std::fs::write(&failing_down, "SELECT 1 / 0;\n").unwrap();
    let expect = "[expect]\ndown = \"fail\"\n";
    let fails = small_scenario(dir.path(), "down-fails", &byo.join("0001_uuid.up.sql"), &failing_down, expect);
    let succeeds = small_scenario(dir.path(), "down-succeeds", &byo.join("0001_uuid.up.sql"), &byo.join("0001_uuid.down.sql"), expect);
    let out = dir.path().join("out");

    let output = run(&[fails.to_str().unwrap()], &out);
    let report_fails = report(&out, "down-fails");
    assert_eq!(failed_checks(&report_fails), Vec::<String>::new(), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(output.status.code(), Some(0));
    let down = check(&report_fails, "rollback-identity").expect("the down is scored");
    assert_eq!(down["status"], "pass");
    assert!(down["summary"].as_str().unwrap().contains("rollback identity not checked"), "{down}");
    // With no down to undo it, up runs again on a fresh clone of the seeded database.
    let rerun = check(&report_fails, "rerun").expect("rerun listed");
    assert_eq!(rerun["status"], "pass");
    assert!(rerun["summary"].as_str().unwrap().contains("fresh clone"), "{rerun}");

    let output = run(&[succeeds.to_str().unwrap()], &out);
    assert_eq!(output.status.code(), Some(1), "a down that succeeds is a finding");
    let report_succeeds = report(&out, "down-succeeds");
    assert_eq!(failed_checks(&report_succeeds), vec!["rollback-identity".to_string()]);
    let down = check(&report_succeeds, "rollback-identity").unwrap();
    assert!(down["findings"][0]["message"].as_str().unwrap().contains("down completed"), "{down}");
    assert!(down["summary"].as_str().unwrap().contains("rollback identity not checked"), "{down}");
}
