//! A scenario's `name` becomes a directory under `--out`: a name that is not a plain file
//! name (`../..`, an absolute path, a path with separators) is refused with the file and
//! line, and `pgrehearse run` exits 2 with nothing written outside `--out`.

use std::path::Path;
use std::process::Command;

use pgrehearse::scenario::{Scenario, ScenarioError};

fn scenario(name: &str) -> String {
    format!("seed = 1\nname = {name:?}\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 5\n[migration]\nengine = \"uuid\"\nroot = \"users.id\"\n")
}

#[test]
fn names_that_are_not_plain_file_names_are_refused_with_their_line() {
    let path = Path::new("scenarios/names.toml");
    for bad in ["../..", "..", ".", "/tmp/escape", "a/b", "a\\b", ".hidden", "c:evil"] {
        let err = Scenario::from_text(path, &scenario(bad)).expect_err(bad);
        assert!(matches!(err, ScenarioError::Invalid { .. }), "{bad}: {err:?}");
        assert_eq!(err.line(), Some(2), "{bad}: {err}");
        assert!(err.to_string().contains("names.toml:2") && err.to_string().contains("plain file name"), "{bad}: {err}");
    }
    for good in ["journal-small", "shop_2", "Ünïcode name"] {
        let loaded = Scenario::from_text(path, &scenario(good)).unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(loaded.name, good);
    }
}

#[test]
fn run_exits_2_and_writes_nothing_for_an_escaping_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/inner");
    let file = dir.path().join("escape.toml");
    std::fs::write(&file, scenario("../../escaped")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).arg("run").arg(&file).arg("--out").arg(&out).arg("--quiet").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("escape.toml:2"), "{stderr}");
    assert!(!dir.path().join("escaped").exists() && !out.exists(), "nothing is written");
}
