//! `--pg-bindir` names where the server binaries are: when that directory holds none, the
//! command stops with exit 2 naming it, instead of quietly using other binaries or Docker.

use std::process::Command;

fn pgrehearse(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).current_dir(env!("CARGO_MANIFEST_DIR")).args(args).output().unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_pg_bindir_without_server_binaries_is_bad_input_naming_the_path() {
    let empty = tempfile::tempdir().unwrap();
    let empty = empty.path().to_str().unwrap();
    let cases = [
        vec!["seed", "scenarios/anomaly-null.toml", "--backend", "native", "--pg-bindir", "/nonexistent/bin"],
        // With the automatic choice too: no falling back to other binaries or a container.
        vec!["run", "scenarios/journal-small.toml", "--pg-bindir", empty],
        vec!["provision", "--pg-bindir", empty],
    ];
    for args in cases {
        let given = args.last().unwrap().to_string();
        let (code, stderr) = pgrehearse(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("--pg-bindir {given}")) && stderr.contains("initdb"), "{args:?}: {stderr}");
    }
}
