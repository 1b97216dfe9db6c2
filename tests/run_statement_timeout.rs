//! A statement of the user's SQL that runs too long is cancelled by `--statement-timeout`
//! and reported by the up-runs check, naming the statement, instead of hanging the run.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_sleeping_up_is_cancelled_and_named_in_the_up_runs_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("up.sql"), "ALTER TABLE users ADD COLUMN note text;\nSELECT pg_sleep(600);\n").unwrap();
    std::fs::write(dir.path().join("down.sql"), "ALTER TABLE users DROP COLUMN IF EXISTS note;\n").unwrap();
    let scenario = dir.path().join("sleepy.toml");
    std::fs::write(&scenario, "name = \"sleepy\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 20\n[migration]\nup = \"up.sql\"\ndown = \"down.sql\"\n").unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--statement-timeout", "2s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the run did not end: the statement timeout did not apply");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1), "a timeout is a finding: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("sleepy/report.json")).unwrap()).unwrap();
    let checks = report["checks"].as_array().expect("checks");
    let up_runs = checks.iter().find(|c| c["check"] == "up-runs").expect("an up-runs check");
    assert_eq!(up_runs["status"], "fail", "{up_runs:#}");
    let text = up_runs.to_string();
    assert!(text.contains("pg_sleep(600)") && text.contains("statement timeout"), "{up_runs:#}");
    assert!(text.contains("up.sql:2"), "the finding names the file and line: {up_runs:#}");
}
