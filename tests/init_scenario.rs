//! `pgrehearse init`: a scenario drafted from a seeded database (read-only, no rows read)
//! that `run` rehearses to a pass with the built-in engine, and one drafted from real
//! `pg_dump --schema-only` output carrying owners, grants to missing roles and an extension.

mod dataset_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use dataset_support::scenario;
use pgrehearse::dataset::load::Silent;
use pgrehearse::dataset;
use pgrehearse::scenario::BuiltinSchema;
use pgrehearse::provision::{self, PgBinaries, ProvisionOptions};
use pgrehearse::scenario::{Migration, Scenario};

fn pgrehearse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(args).output().expect("run pgrehearse")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The seeded journal dataset: every table listed, so the expected counts are known.
const JOURNAL: &str = r#"
name = "init-source"
seed = 5
[schema]
builtin = "journal"
[rows]
users = 1500
journal_entries = 6000
tags = 2000
reminders = 1200
secret_tags = 700
journal_entry_tags = 3000
"#;

/// The journal schema's unenforced references, as `init` should find them on its own.
fn journal_relations() -> BTreeSet<(String, String)> {
    BuiltinSchema::find("journal").unwrap().relations.iter().map(|(from, to)| (from.to_string(), to.to_string())).collect()
}

fn declared_relations(written: &Scenario) -> BTreeSet<(String, String)> {
    written.relations.iter().map(|r| (r.from.to_string(), r.to.to_string())).collect()
}

/// Scans of the user tables so far, from a fresh connection (stats are flushed when a
/// backend exits).
async fn table_scans(db: &provision::Database) -> i64 {
    let mut conn = db.connect().await.unwrap();
    sqlx::query_scalar("SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::int8 FROM pg_stat_user_tables WHERE schemaname = 'public'")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

fn rehearse_to_a_pass(scenario: &Path, out: &Path) {
    let output = pgrehearse(&["run", scenario.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()]);
    let written = Scenario::load(scenario).unwrap();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(&written.name).join("report.json")).expect("report.json")).unwrap();
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.len() >= 5, "a rehearsal runs every check: {report}");
    let failed: Vec<&serde_json::Value> = checks.iter().filter(|c| c["status"] == "fail").collect();
    assert!(failed.is_empty(), "the drafted scenario rehearses to a pass: {failed:?}\n{}", text(&output));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[tokio::test]
async fn init_from_a_seeded_database_reads_no_rows_and_writes_a_scenario_that_rehearses_to_a_pass() {
    let source = scenario(JOURNAL);
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    {
        let mut conn = db.connect().await.unwrap();
        dataset::seed(&mut conn, &source, &Silent).await.unwrap();
    }
    let scans_before = table_scans(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafted");
    let output = pgrehearse(&["init", "--from-database", &db.url(), "--out", out.to_str().unwrap(), "--scale", "0.1", "--min-rows", "150"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(table_scans(&db).await, scans_before, "init read no rows of any user table");
    assert!(!text(&output).contains(&db.url()), "the URL with its password is never printed");

    let written = Scenario::load(out.join("scenario.toml")).unwrap();
    assert_eq!(declared_relations(&written), journal_relations(), "the *_id text columns without an FK are declared");
    let rows: Vec<(String, u64)> = written.rows.iter().map(|(t, n)| (t.table.clone(), *n)).collect();
    assert_eq!(rows.len(), source.rows.len());
    for (table, seeded) in &source.rows {
        let expected = ((*seeded as f64 * 0.1).round() as u64).max(150);
        assert!(rows.contains(&(table.table.clone(), expected)), "{} scaled from {seeded}: {rows:?}", table.table);
    }
    let Some(Migration::Builtin(engine)) = &written.migration else { panic!("the uuid keys get the built-in engine: {:?}", written.migration) };
    assert_eq!(engine.root.to_string(), "users.id", "the most referenced uuid-looking key is the root");
    let columns: BTreeSet<String> = written.anomalies.iter().map(|a| a.column.to_string()).collect();
    assert!(columns.contains("users.id") && columns.contains("journal_entries.user_id"), "{columns:?}");

    rehearse_to_a_pass(&out.join("scenario.toml"), &dir.path().join("reports"));
}

#[tokio::test]
async fn init_from_schema_accepts_pg_dump_output_with_owners_grants_and_an_extension() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    {
        let mut conn = db.connect().await.unwrap();
        dataset::seed(&mut conn, &scenario(JOURNAL), &Silent).await.unwrap();
        // Production has roles the disposable server will not have.
        sqlx::raw_sql(
            "CREATE EXTENSION pgcrypto; CREATE ROLE app_owner; CREATE ROLE app_reader;
             ALTER TABLE users OWNER TO app_owner; GRANT SELECT ON journal_entries TO app_reader;",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("journal.sql");
    let pg_dump = PgBinaries::locate(None).unwrap().bindir.join("pg_dump");
    let dumped = Command::new(&pg_dump).args(["--schema-only", "--exclude-schema=pgrehearse_truth", "--file"]).arg(&dump).arg("--dbname").arg(db.url()).output().unwrap();
    assert!(dumped.status.success(), "{}", text(&dumped));
    let ddl = std::fs::read_to_string(&dump).unwrap();
    for expected in ["SET ", "set_config", "OWNER TO app_owner", "TO app_reader", "CREATE EXTENSION"] {
        assert!(ddl.contains(expected), "the dump has {expected}, as real ones do");
    }
    drop(db);
    drop(server);

    let out = dir.path().join("from-dump");
    let output = pgrehearse(&["init", "--from-schema", dump.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains("note: skipped") && said.contains("app_owner") && said.contains("app_reader"), "the skipped statements are named: {said}");
    assert_eq!(std::fs::read_to_string(out.join("schema.sql")).unwrap(), ddl, "the schema file is the dump as given");
    let written = Scenario::load(out.join("scenario.toml")).unwrap();
    assert_eq!(declared_relations(&written), journal_relations());
    assert!(written.rows.is_empty(), "a file has no planner estimates");
    assert!(matches!(&written.migration, Some(Migration::Builtin(engine)) if engine.root.to_string() == "users.id"));

    rehearse_to_a_pass(&out.join("scenario.toml"), &dir.path().join("reports"));
}

#[test]
fn init_refuses_to_overwrite_a_scenario_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.toml"), "keep me").unwrap();
    let output = pgrehearse(&["init", "--from-schema", "nope.sql", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("scenario.toml"), "{}", text(&output));
    assert_eq!(std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap(), "keep me");
}
