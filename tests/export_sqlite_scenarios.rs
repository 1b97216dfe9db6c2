//! export-sqlite and verify-sqlite on every shipped scenario's seeded database (counts
//! against the seed's ground truth), and the tenant filter on the journal: the rows of one
//! user and what they need, with the multi-tenant column dropped.

mod export_support;

use std::path::{Path, PathBuf};

use export_support::{pgrehearse, sqlite_rows, stderr};
use pgrehearse::dataset::{self, SeedObserver, SeedSummary};
use pgrehearse::export::{self, ExportOptions, Progress, SqlValue};
use pgrehearse::provision::{self, Database, ProvisionOptions, Server};
use pgrehearse::scenario::Scenario;

struct Quiet;
impl SeedObserver for Quiet {}

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    files.sort();
    files
}

async fn seeded(server: &Server, scenario: &Path) -> (Database, SeedSummary) {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &Scenario::load(scenario).unwrap(), &Quiet).await.unwrap();
    (db, summary)
}

/// Exports and verifies one scenario's seeded database; the manifest's counts are the
/// ground truth's.
async fn export_and_verify(server: &Server, scenario: &Path) {
    let (db, summary) = seeded(server, scenario).await;
    let mut conn = db.connect().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.db");
    let exported = export::export_sqlite(&mut conn, &out, &ExportOptions::default(), false, Progress::hidden()).await.unwrap();
    assert!(!summary.truth.row_counts.is_empty());
    for (table, rows) in &summary.truth.row_counts {
        let name = table.strip_prefix("public.").unwrap_or(table);
        assert_eq!(exported.manifest.tables[name].rows, *rows, "{}: {table}", scenario.display());
    }
    let verification = export::verify_sqlite(&mut conn, &out, Progress::hidden()).await.unwrap();
    assert!(verification.holds(), "{}: {:#?}", scenario.display(), verification.findings);
    assert_eq!(verification.tables.len(), summary.truth.row_counts.len());
    drop(conn);
    server.drop_database(db).await.unwrap();
}

#[tokio::test]
async fn every_shipped_scenario_but_the_1m_one_exports_and_verifies() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenarios: Vec<PathBuf> = shipped().into_iter().filter(|p| !p.ends_with("journal-1m.toml")).collect();
    assert!(scenarios.len() >= 10, "the shipped scenarios: {scenarios:?}");
    for scenario in &scenarios {
        export_and_verify(&server, scenario).await;
    }
}

#[tokio::test]
async fn the_1m_row_scenario_exports_and_verifies() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenario = shipped().into_iter().find(|p| p.ends_with("journal-1m.toml")).expect("journal-1m is shipped");
    export_and_verify(&server, &scenario).await;
}

#[tokio::test]
async fn only_rows_of_one_user_exports_that_users_rows() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/journal-small.toml");
    let (db, summary) = seeded(&server, &scenario).await;
    let mut conn = db.connect().await.unwrap();
    // The user with the most tags, and what Postgres says that user owns.
    let (id, email): (String, String) =
        sqlx::query_as("SELECT u.id, u.email FROM users u JOIN tags t ON t.user_id = u.id GROUP BY u.id, u.email ORDER BY count(*) DESC, u.id LIMIT 1").fetch_one(&mut conn).await.unwrap();
    let owned = |table: &str| format!("SELECT count(*) FROM {table} WHERE user_id = $1");
    let mut expected = Vec::new();
    for table in ["tags", "secret_tags", "journal_entries", "reminders"] {
        let n: i64 = sqlx::query_scalar(&owned(table)).bind(&id).fetch_one(&mut conn).await.unwrap();
        expected.push((table, n));
    }
    assert!(expected[0].1 > 0, "the chosen user has tags");
    let url = db.url();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alice.db");
    let filter = format!("users.email={email}");
    let base = ["export-sqlite", "--database-url", &url, "--quiet", "--only-rows-of", &filter, "--relation", "journal_entries.user_id=users.id", "--relation", "reminders.user_id=users.id"];
    let run = pgrehearse(&[&base[..], &["--out", out.to_str().unwrap()]].concat());
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    for (table, n) in &expected {
        let got = sqlite_rows(&out, &format!("SELECT count(*) FROM {table} WHERE user_id = '{id}'"));
        assert_eq!(got, vec![vec![SqlValue::Integer(*n)]], "{table}: every row of the user");
    }
    let users = sqlite_rows(&out, "SELECT count(*) FROM users");
    let all_users = summary.truth.row_counts.iter().find(|(t, _)| t.ends_with("users")).map(|(_, n)| *n as i64).unwrap();
    assert!(matches!(users[0][0], SqlValue::Integer(n) if n >= 1 && n < all_users), "only the user and the parents its rows need: {users:?} of {all_users}");
    let dangling = sqlite_rows(&out, "SELECT count(*) FROM journal_entry_tags j WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.id = j.tag_id) OR NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = j.entry_id)");
    assert_eq!(dangling, vec![vec![SqlValue::Integer(0)]], "every exported reference has its parent");
    let verify = pgrehearse(&["verify-sqlite", "--database-url", &url, out.to_str().unwrap(), "--quiet"]);
    assert_eq!(verify.status.code(), Some(0), "verify applies the same filter: {}", String::from_utf8_lossy(&verify.stdout));

    // The seed's single-user case: the tenant column dropped, the same rows kept.
    let single = dir.path().join("single.db");
    let run = pgrehearse(&[&base[..], &["--out", single.to_str().unwrap(), "--exclude-columns", "tags.user_id,secret_tags.user_id"]].concat());
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let columns = sqlite_rows(&single, "SELECT name FROM pragma_table_info('tags') WHERE name = 'user_id'");
    assert!(columns.is_empty(), "tags.user_id is gone");
    let count = |path: &Path, table: &str| sqlite_rows(path, &format!("SELECT count(*) FROM {table}"));
    for table in ["tags", "secret_tags", "journal_entry_tags", "users"] {
        assert_eq!(count(&single, table), count(&out, table), "{table}: the same rows without the column");
    }
    let verify = pgrehearse(&["verify-sqlite", "--database-url", &url, single.to_str().unwrap(), "--quiet"]);
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
}
