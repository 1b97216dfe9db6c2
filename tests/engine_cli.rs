//! `pgrehearse migrate` at the edge: `--dry-run` prints the plan and changes nothing,
//! `--scenario` supplies relations and policies, a bad scenario or flag exits 2 naming it.

mod engine_support;

use std::process::{Command, Output};

use engine_support::{fixture, snapshot};
use pgrehearse::provision::{self, ProvisionOptions};

fn migrate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse")).arg("migrate").args(args).output().unwrap()
}

#[tokio::test]
async fn dry_run_scenario_and_usage_errors() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    fixture::create(&mut conn, 40).await;
    let (catalog, rows) = (snapshot::catalog(&mut conn).await, snapshot::rows(&mut conn).await);
    let url = db.url();

    let out = migrate(&["full", "--dry-run", "--format", "json", "--database-url", &url, "--relation", "reminders.user_id=users.id"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "dry-run");
    let tables: Vec<&str> = report["plan"]["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(tables.contains(&"reminders") && tables.contains(&"entry_tags"), "{tables:?}");
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert_eq!(snapshot::catalog(&mut conn).await, catalog, "--dry-run changes nothing");
    assert_eq!(snapshot::rows(&mut conn).await, rows);

    // A real scenario file: its schema file only names the tables (the database is the
    // fixture); its one [[relation]] is the only source of the unenforced reference.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fixture.sql"), fixture::SCHEMA).unwrap();
    let scenario_text = |relation: &str| {
        format!(
            "name = \"cli\"\nseed = 1\n\n[schema]\nfile = \"fixture.sql\"\n\n[[relation]]\n{relation}\n\n[migration]\nengine = \"uuid\"\nroot = \"users.id\"\non_invalid = \"quarantine\"\non_orphan = \"nullify\"\non_collision = \"quarantine\"\n"
        )
    };
    let scenario = dir.path().join("journal.toml");
    std::fs::write(&scenario, scenario_text("from = \"reminders.user_id\"\nto = \"users.id\"")).unwrap();
    let out = migrate(&["full", "--format", "json", "--database-url", &url, "--scenario", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = report["findings"].as_array().unwrap().iter().filter_map(|f| f["action"].as_str()).collect();
    assert!(actions.contains(&"nullify") && actions.contains(&"quarantine"), "policies came from the scenario: {actions:?}");
    let out = migrate(&["rollback", "--database-url", &url, "--scenario", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(snapshot::rows(&mut conn).await, rows);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, scenario_text("from = \"reminders\"\nto = \"users.id\"")).unwrap();
    let out = migrate(&["validate-schema", "--database-url", &url, "--scenario", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml:") && stderr.contains("reminders"), "names the file, line and value: {stderr}");
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, scenario_text("from = \"reminders.nope\"\nto = \"users.id\"")).unwrap();
    let out = migrate(&["validate-schema", "--database-url", &url, "--scenario", unknown.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown.toml:") && stderr.contains("reminders.nope"), "resolved against the database: {stderr}");
    let out = migrate(&["validate-schema", "--database-url", &url, "--root", "users.nope"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("users.nope"), "{stderr}");
    let out = migrate(&["convert", "--database-url", &url, "--on-invalid", "nullify"]);
    assert_eq!(out.status.code(), Some(2));
}
