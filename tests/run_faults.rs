//! `[faults]` through `pgrehearse run`: the shipped `faults.toml` injects every fault, each on
//! its own clone, and the report lists every one with its outcome (report.json, the Faults
//! section of report.md, a testcase each in junit.xml). A fault whose invariant does not hold
//! (here: a rollback that loses a row) fails, and fails the rehearsal. `[faults]` that cannot
//! apply are refused at load, naming the line.

#[path = "run_support/mod.rs"]
mod run_support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use pgrehearse::scenario::Scenario;
use run_support::{report, run, said, scenarios, variant};

/// The faults `faults.toml` asks for, in the order its `[faults]` lists them.
fn asked_for() -> Vec<String> {
    let text = std::fs::read_to_string(scenarios().join("faults.toml")).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    let faults = &value["faults"];
    let mut names: Vec<String> = faults["kill_engine"].as_array().unwrap().iter().map(|p| format!("kill-engine-in-{}", p.as_str().unwrap())).collect();
    for (key, name) in [
        ("server_restart", "server-restart-mid-batch"),
        ("lock_during_swap", "lock-held-during-swap"),
        ("disk_full_during_backup", "disk-full-during-backup"),
        ("concurrent_workload", "concurrent-workload"),
    ] {
        if faults[key].as_bool() == Some(true) {
            names.push(name.to_string());
        }
    }
    names
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn every_fault_of_the_shipped_scenario_is_reported_and_passes() {
    let out = tempfile::tempdir().unwrap();
    let output = run(&[scenarios().join("faults.toml").to_str().unwrap()], out.path());
    let report = report(out.path(), "faults");
    let faults = report["faults"].as_array().unwrap_or_else(|| panic!("report.json has no faults: {}", said(&output)));
    let names: Vec<&str> = faults.iter().map(|f| f["fault"].as_str().unwrap()).collect();
    let expected = asked_for();
    assert_eq!(expected.len(), 12, "faults.toml asks for every fault");
    assert_eq!(names, expected, "every fault reported, in order");
    for fault in faults {
        let name = fault["fault"].as_str().unwrap();
        // A tmpfs can be mounted only by root; anywhere else the fault must say why it did not run.
        let wanted = if name == "disk-full-during-backup" && !is_root() { "not-run" } else { "pass" };
        assert_eq!(fault["outcome"], wanted, "{name}: {}", fault["detail"]);
        assert!(!fault["detail"].as_str().unwrap().is_empty(), "{name} says what happened");
        assert!(fault["duration_ms"].as_f64().unwrap() > 0.0, "{name} is timed");
    }
    assert_eq!(report["verdict"], "pass", "{}", said(&output));
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));

    let markdown = std::fs::read_to_string(out.path().join("faults/report.md")).unwrap();
    let section = markdown.split("\n## Faults\n").nth(1).expect("report.md has a Faults section");
    let section = section.split("\n## ").next().unwrap();
    assert!(section.contains(&format!("{} faults injected, 0 failed", expected.len())), "{section}");
    for name in &expected {
        assert!(section.lines().any(|l| l.starts_with(&format!("| {name} | "))), "{name} has a row in report.md:\n{section}");
    }
    let junit = std::fs::read_to_string(out.path().join("faults/junit.xml")).unwrap();
    for name in &expected {
        assert!(junit.contains(&format!("name=\"fault {name}\"")), "{name} is a junit testcase");
    }
    let html = std::fs::read_to_string(out.path().join("faults/report.html")).unwrap();
    assert!(html.contains("<h2 id=\"faults\">Faults</h2>"));
}

/// A `PGREHEARSE_BIN` that runs pgrehearse, but whose `migrate rollback` then deletes one
/// row of `journal_entry_tags` (nothing references it): a rollback that loses a row. The main rehearsal rolls back in-process, so
/// only the fault can see it.
fn lossy_engine(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("lossy-pgrehearse");
    let text = format!(
        "#!/bin/sh\n{bin} \"$@\" || exit $?\nif [ \"$1 $2\" = \"migrate rollback\" ]; then\n  psql \"$DATABASE_URL\" -qAt -c 'DELETE FROM journal_entry_tags WHERE ctid = (SELECT min(ctid) FROM journal_entry_tags)' >/dev/null || exit 9\nfi\n",
        bin = env!("CARGO_BIN_EXE_pgrehearse")
    );
    std::fs::write(&script, text).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn a_fault_after_which_the_rollback_loses_a_row_fails_and_fails_the_rehearsal() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "faults.toml", "faults-lossy", |text| {
        let head = text.split("[faults]").next().unwrap().to_string();
        head + "[faults]\nkill_engine = [\"backup\"]\n"
    });
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .env("PGREHEARSE_BIN", lossy_engine(dir.path()))
        .output()
        .unwrap();
    let report = report(&out, "faults-lossy");
    let faults = report["faults"].as_array().expect("faults reported");
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["fault"], "kill-engine-in-backup");
    assert_eq!(faults[0]["outcome"], "fail", "{}", faults[0]["detail"]);
    let detail = faults[0]["detail"].as_str().unwrap();
    assert!(detail.contains("differs from the original") && detail.contains("journal_entry_tags"), "{detail}");
    assert!(report["checks"].as_array().unwrap().iter().all(|c| c["status"] != "fail"), "the main rehearsal's checks pass: {}", said(&output));
    assert_eq!(report["verdict"], "fail");
    assert_eq!(output.status.code(), Some(1), "a failed fault exits 1: {}", said(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("fault kill-engine-in-backup"), "the fault is named: {}", said(&output));
    let markdown = std::fs::read_to_string(out.join("faults-lossy/report.md")).unwrap();
    assert!(markdown.contains("| kill-engine-in-backup | **FAIL** |"), "{markdown}");
}

fn load(text: &str) -> Result<Scenario, String> {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("up.sql");
    std::fs::write(&up, "SELECT 1;").unwrap();
    let text = text.replace("UP", &up.display().to_string());
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    Scenario::load(&path).map_err(|e| e.to_string())
}

const HEAD: &str = "name = \"f\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n";

#[test]
fn faults_that_cannot_apply_are_refused_at_load_naming_the_line() {
    let own_sql = load(&format!("{HEAD}[migration]\nup = \"UP\"\n[faults]\nkill_engine = [\"backup\"]\n")).unwrap_err();
    assert!((own_sql.contains("s.toml:7:") || own_sql.contains("s.toml:8:")) && own_sql.contains("built-in engine"), "{own_sql}");
    let builtin = "[migration]\nengine = \"uuid\"\nroot = \"users.id\"\n";
    let typo = load(&format!("{HEAD}{builtin}[faults]\nkill_engine = [\"backup\", \"swp\"]\n")).unwrap_err();
    assert!(typo.contains("s.toml:9:") && typo.contains("`swp`") && typo.contains("index-build"), "{typo}");
    let nothing = load(&format!("{HEAD}{builtin}[faults]\nserver_restart = false\n")).unwrap_err();
    assert!(nothing.contains("asks for no fault"), "{nothing}");
    let unknown = load(&format!("{HEAD}{builtin}[faults]\nkill_the_server = true\n")).unwrap_err();
    assert!(unknown.contains("s.toml:9:") && unknown.contains("kill_the_server"), "{unknown}");
    let rebuild = load(&format!("{HEAD}{builtin}convert = \"rebuild\"\n[faults]\nkill_engine = [\"copy\"]\n")).unwrap_err();
    assert!((rebuild.contains("s.toml:9:") || rebuild.contains("s.toml:10:")) && rebuild.contains("in-place"), "{rebuild}");
    let fine = load(&format!("{HEAD}{builtin}[faults]\nkill_engine = [\"copy\", \"swap\"]\nconcurrent_workload = true\n")).unwrap();
    assert_eq!(fine.faults.iter().map(|f| f.name()).collect::<Vec<_>>(), ["kill-engine-in-copy", "kill-engine-in-swap", "concurrent-workload"]);
}
