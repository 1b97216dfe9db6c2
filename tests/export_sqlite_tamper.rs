//! A tampered SQLite file fails verify-sqlite, and the report names the table and the
//! key: a changed value, a deleted row, an extra row, a broken foreign key. Each tamper
//! is applied to its own fresh export.

mod export_support;

use std::path::Path;

use export_support::{pgrehearse, stderr, EVERY_TYPE};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::Executor;

/// Runs verify-sqlite --format json and returns the exit code and the sqlite-export
/// check's findings.
fn verify(url: &str, file: &Path, reports: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = pgrehearse(&["verify-sqlite", "--database-url", url, file.to_str().unwrap(), "--format", "json", "--report-dir", reports.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let checks = report["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["check"], "sqlite-export");
    (out.status.code(), checks[0]["findings"].as_array().unwrap().clone())
}

#[tokio::test]
async fn each_tamper_fails_verification_naming_table_and_key() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(EVERY_TYPE).await.unwrap();
    let url = db.url();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");

    let pristine = dir.path().join("pristine.db");
    let out = pgrehearse(&["export-sqlite", "--database-url", &url, "--out", pristine.to_str().unwrap(), "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, findings) = verify(&url, &pristine, &reports);
    assert_eq!((code, findings.len()), (Some(0), 0), "the untouched export holds: {findings:?}");
    for file in ["report.md", "report.json", "junit.xml", "report.html"] {
        assert!(reports.join(file).is_file(), "{file} written");
    }

    // (tamper SQL, table, expected key in an example, expected finding message part)
    let tampers = [
        ("UPDATE things SET label = 'changed' WHERE id = 1", "things", "(id=1) label", "values differ"),
        ("DELETE FROM things WHERE id = 2", "things", "(id=2)", "missing from SQLite"),
        ("INSERT INTO egg VALUES (99, NULL)", "egg", "(id=99)", "not in Postgres"),
        ("UPDATE egg SET chicken_id = 42 WHERE id = 1", "egg", "(id=1)", "reference no row of chicken"),
    ];
    for (i, (sql, table, key, message)) in tampers.iter().enumerate() {
        let copy = dir.path().join(format!("tampered-{i}.db"));
        std::fs::copy(&pristine, &copy).unwrap();
        std::fs::copy(pgrehearse::export::manifest_path(&pristine), pgrehearse::export::manifest_path(&copy)).unwrap();
        // The bundled SQLite enforces foreign keys by default; a tamperer need not.
        rusqlite::Connection::open(&copy).unwrap().execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}")).unwrap();
        let (code, findings) = verify(&url, &copy, &reports);
        assert_eq!(code, Some(1), "`{sql}` is a difference");
        let named = findings.iter().any(|f| {
            f["table"] == *table && f["message"].as_str().unwrap().contains(message) && f["examples"].as_array().unwrap().iter().any(|e| e["key"].as_str().unwrap().starts_with(key))
        });
        assert!(named, "`{sql}`: a finding on {table} naming {key} ({message}): {findings:#?}");
    }
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains("<failure"), "the last tampered file fails in JUnit too");
    // The changed value shows the Postgres value beside the SQLite value.
    let copy = dir.path().join("tampered-0.db");
    let (_, findings) = verify(&url, &copy, &reports);
    let example = findings.iter().flat_map(|f| f["examples"].as_array().unwrap().iter()).find(|e| e["key"] == "(id=1) label").expect("the changed value");
    assert_eq!((example["before"].as_str(), example["after"].as_str()), (Some("héllo"), Some("changed")));
}
