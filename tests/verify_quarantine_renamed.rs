//! A quarantine table whose key columns up dropped or renamed is a finding of the
//! anomalies check that names the table and the column, not an internal error.

mod run_support;

use std::path::Path;

use run_support::{check, report, run, said};

#[test]
fn a_quarantine_table_without_the_source_key_is_a_finding_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/migrations/byo-uuid");
    let up = std::fs::read_to_string(shipped.join("0001_uuid.up.sql")).unwrap();
    // The migration keeps its set-aside users under another key name.
    let up = format!("CREATE SCHEMA migration_quarantine;\nCREATE TABLE migration_quarantine.users AS SELECT id AS old_user_id, email FROM users WHERE false;\n{up}");
    let down = std::fs::read_to_string(shipped.join("0001_uuid.down.sql")).unwrap();
    let down = format!("{down}\nDROP SCHEMA migration_quarantine CASCADE;\n");
    std::fs::write(dir.path().join("up.sql"), up).unwrap();
    std::fs::write(dir.path().join("down.sql"), down).unwrap();
    let scenario = "name = \"renamed-quarantine\"\nseed = 4\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 200\njournal_entries = 400\ntags = 200\nreminders = 100\nsecret_tags = 50\njournal_entry_tags = 200\n\
        [[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 3\n[migration]\nup = \"up.sql\"\ndown = \"down.sql\"\nquarantine = [\"migration_quarantine.*\"]\n";
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    let out = dir.path().join("out");
    let output = run(&[dir.path().join("s.toml").to_str().unwrap()], &out);
    assert_eq!(output.status.code(), Some(1), "a finding, not an internal error (4): {}", said(&output));
    let report = report(&out, "renamed-quarantine");
    assert!(report["error"].is_null(), "{}", report["error"]);
    let anomalies = check(&report, "anomalies").expect("the anomalies check ran");
    assert_eq!(anomalies["status"], "fail", "{anomalies}");
    let message = anomalies["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("migration_quarantine.users") && message.contains("id"), "{message}");
}
