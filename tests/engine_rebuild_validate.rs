//! `validate` after a rebuild compares the new tables with the retired originals by a
//! fingerprint of each side, and matches rows by key only when the fingerprints differ.
//! Damage done behind the engine's back (triggers off, as a bug of the engine would do
//! it) must fail exactly the check that names it, with the count of rows it touched;
//! an untouched run passes every check.

mod engine_support;

use engine_support::step;
use pgrehearse::engine::{Check, ConvertMethod, EngineOptions, Outcome, Step};
use pgrehearse::provision::{self, Database, ProvisionOptions, Server};
use pgrehearse::vocabulary::{BatchSize, Policies, Policy};
use sqlx::Executor;

const SCHEMA: &str = "
CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL);
CREATE TABLE notes (id bigserial PRIMARY KEY, user_id varchar(36) REFERENCES users (id), body text);
INSERT INTO users SELECT CASE WHEN g % 7 = 0 THEN upper(md5('u' || g)::uuid::text) ELSE md5('u' || g)::uuid::text END, 'u' || g || '@example.com'
FROM generate_series(1, 60) g;
INSERT INTO notes (user_id, body) SELECT id, 'note ' || k FROM users, generate_series(1, 3) k;
ANALYZE;";

fn options() -> EngineOptions {
    EngineOptions {
        policies: Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine },
        batch_size: BatchSize::new(25).unwrap(),
        convert: ConvertMethod::Rebuild.into(),
        ..Default::default()
    }
}

/// A database converted by the rebuild, not yet validated.
async fn converted(server: &Server) -> Database {
    let db = server.create_database().await.unwrap();
    db.connect().await.unwrap().execute(SCHEMA).await.expect("create the schema");
    for s in [Step::ValidateSchema, Step::Backup, Step::Convert] {
        let report = step(&db, &options(), s).await;
        assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    }
    db
}

/// Runs `damage` with triggers off (the reverse log does not see it) and returns the rows
/// it touched.
async fn damage(db: &Database, sql: &str) -> u64 {
    let mut conn = db.connect().await.unwrap();
    conn.execute("SET session_replication_role = replica").await.unwrap();
    let touched = sqlx::query(sql).execute(&mut conn).await.unwrap().rows_affected();
    assert!(touched > 0, "{sql} touched no row");
    touched
}

fn failed(checks: &[Check]) -> Vec<&Check> {
    checks.iter().filter(|c| !c.ok).collect()
}

#[tokio::test]
async fn an_untouched_rebuild_passes_and_each_kind_of_damage_fails_its_own_check() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();

    let db = converted(&server).await;
    let report = step(&db, &options(), Step::Validate).await;
    assert_eq!(report.outcome, Outcome::Completed, "{:#?}", report.checks);
    assert!(report.checks.iter().any(|c| c.detail.contains("fingerprints equal")), "{:#?}", report.checks);

    let cases = [
        ("values of public.notes.user_id", "UPDATE notes SET user_id = (SELECT id FROM users ORDER BY id LIMIT 1) WHERE id % 50 = 1 AND user_id <> (SELECT id FROM users ORDER BY id LIMIT 1)"),
        ("every row of the original public.notes is in the new table", "DELETE FROM notes WHERE id % 40 = 3"),
        ("every row of the new public.notes comes from the original", "INSERT INTO notes (user_id, body) SELECT id, 'from nowhere' FROM users WHERE email LIKE 'u1%'"),
    ];
    for (check, sql) in cases {
        let db = converted(&server).await;
        let touched = damage(&db, sql).await;
        let report = step(&db, &options(), Step::Validate).await;
        assert_eq!(report.outcome, Outcome::ChecksFailed, "{check}: {:#?}", report.checks);
        let failed = failed(&report.checks);
        assert_eq!(failed.len(), 1, "{check}: {failed:#?}");
        assert!(failed[0].name.starts_with(check), "{check}: {failed:#?}");
        assert!(failed[0].detail.starts_with(&format!("{touched} rows")), "{check}: {failed:#?}");
    }

    // A converted key changed: its original row is missing and a row from nowhere appears.
    let db = converted(&server).await;
    let touched = damage(&db, "UPDATE users SET id = gen_random_uuid() WHERE email IN ('u5@example.com', 'u14@example.com')").await;
    let report = step(&db, &options(), Step::Validate).await;
    let failed = failed(&report.checks);
    let names: Vec<&str> = failed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{failed:#?}");
    assert!(names[0].starts_with("every row of the original public.users"), "{failed:#?}");
    assert!(names[1].starts_with("every row of the new public.users"), "{failed:#?}");
    assert!(failed.iter().all(|c| c.detail.starts_with(&format!("{touched} rows"))), "{failed:#?}");
}
