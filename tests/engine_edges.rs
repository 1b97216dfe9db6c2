//! Schemas and sequences of steps the journal fixture does not have: generated and
//! identity columns, the same table name in two schemas, and every step after `cleanup`.
//! Expected rows come from the data before the run.

mod engine_support;

use engine_support::fixture::ORACLE;
use engine_support::step;
use pgrehearse::engine::{Engine, EngineOptions, Outcome, Progress, Step};
use pgrehearse::vocabulary::{BatchSize, Policies, Policy};
use pgrehearse::provision::{self, Database, ProvisionOptions};
use sqlx::{Executor, PgConnection};


async fn database(sql: &str) -> (provision::Server, Database) {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(ORACLE).await.unwrap();
    conn.execute(sql).await.expect("create the schema");
    (server, db)
}

fn quarantine() -> EngineOptions {
    EngineOptions {
        policies: Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine },
        batch_size: BatchSize::new(5).unwrap(),
        convert: engine_support::convert_method().into(),
        ..Default::default()
    }
}

/// Every row of `tables` as exact text, sorted; asserts there are rows.
async fn rows(conn: &mut PgConnection, tables: &[&str]) -> Vec<String> {
    let mut all = Vec::new();
    for table in tables {
        let sql = format!("SELECT '{table} ' || t::text FROM {table} t");
        let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(&mut *conn).await.unwrap();
        assert!(!rows.is_empty(), "{table} has rows");
        all.extend(rows);
    }
    all.sort();
    all
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
}

const USERS: &str = "INSERT INTO users (id, email) SELECT CASE WHEN g % 4 = 0 THEN 'user-' || g ELSE md5('u' || g)::uuid::text END, 'U' || g || '@Example.com' FROM generate_series(1, 24) g;";

#[tokio::test]
async fn generated_and_identity_columns_survive_quarantine_and_restore() {
    let schema = format!(
        "CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL,
            email_lower text GENERATED ALWAYS AS (lower(email)) STORED, seq bigint GENERATED ALWAYS AS IDENTITY);
         CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id varchar(36) REFERENCES users (id) ON DELETE CASCADE,
            body text, body_length int GENERATED ALWAYS AS (length(body)) STORED);
         {USERS}
         INSERT INTO notes (user_id, body) SELECT id, 'note of ' || email FROM users, generate_series(1, 2);"
    );
    let (_server, db) = database(&schema).await;
    let mut conn = db.connect().await.unwrap();
    let before = rows(&mut conn, &["users", "notes"]).await;
    let invalid = count(&mut conn, "SELECT count(*) FROM users WHERE NOT oracle_is_uuid(id)").await;
    assert!(invalid > 0);
    let report = step(&db, &quarantine(), Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert_eq!(count(&mut conn, "SELECT count(*) FROM migration_quarantine.users").await, invalid);
    assert_eq!(step(&db, &quarantine(), Step::Rollback).await.outcome, Outcome::Completed);
    assert_eq!(rows(&mut conn, &["users", "notes"]).await, before, "restored rows keep their identity values and recompute generated ones");
}

#[tokio::test]
async fn the_same_table_name_in_two_schemas_keeps_separate_backups_and_quarantines() {
    let schema = format!(
        "CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL);
         CREATE SCHEMA a; CREATE SCHEMA b;
         CREATE TABLE a.notes (id bigserial PRIMARY KEY, user_id varchar(36) REFERENCES users (id) ON DELETE CASCADE, body text);
         CREATE TABLE b.notes (id bigserial PRIMARY KEY, user_id varchar(36) REFERENCES users (id) ON DELETE CASCADE, body text);
         CREATE TABLE public.notes (id bigserial PRIMARY KEY, user_id varchar(36) REFERENCES users (id) ON DELETE CASCADE, body text);
         {USERS}
         INSERT INTO a.notes (user_id, body) SELECT id, 'a' FROM users;
         INSERT INTO b.notes (user_id, body) SELECT id, 'b' FROM users, generate_series(1, 2);
         INSERT INTO public.notes (user_id, body) SELECT id, 'p' FROM users, generate_series(1, 3);"
    );
    let (_server, db) = database(&schema).await;
    let mut conn = db.connect().await.unwrap();
    let tables = ["users", "a.notes", "b.notes", "public.notes"];
    let before = rows(&mut conn, &tables).await;
    let notes = [("a.notes", r#"migration_quarantine."a.notes""#), ("b.notes", r#"migration_quarantine."b.notes""#), ("public.notes", "migration_quarantine.notes")];
    let mut invalid = Vec::new();
    for (table, _) in notes {
        invalid.push(count(&mut conn, &format!("SELECT count(*) FROM {table} n WHERE NOT oracle_is_uuid(n.user_id)")).await);
    }
    let report = step(&db, &quarantine(), Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert!(report.checks.iter().all(|c| c.ok), "{:#?}", report.checks);
    for ((table, quarantined), expected) in notes.into_iter().zip(invalid) {
        assert!(expected > 0, "{table}");
        assert_eq!(count(&mut conn, &format!("SELECT count(*) FROM {quarantined}")).await, expected, "{table}");
    }
    assert_eq!(step(&db, &quarantine(), Step::Rollback).await.outcome, Outcome::Completed);
    assert_eq!(rows(&mut conn, &tables).await, before);
}

#[tokio::test]
async fn after_cleanup_every_step_says_the_migration_is_complete() {
    let schema = format!("CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL); {USERS}");
    let (_server, db) = database(&schema).await;
    let options = quarantine();
    assert_eq!(step(&db, &options, Step::Full).await.outcome, Outcome::Completed);
    assert_eq!(step(&db, &options, Step::Cleanup).await.outcome, Outcome::Completed);
    let status = step(&db, &options, Step::Status).await.status.expect("status");
    assert_eq!(status.run, None, "{status:?}");
    assert!(status.summary.contains("migration is complete"), "{}", status.summary);
    for later in [Step::Full, Step::ValidateSchema, Step::Backup, Step::Convert, Step::Validate, Step::Cleanup] {
        let report = step(&db, &options, later).await;
        assert_eq!(report.outcome, Outcome::NothingToDo, "{} after cleanup: {report:#?}", later.name());
        assert!(report.notes.iter().any(|n| n.contains("migration is complete")), "{}: {:?}", later.name(), report.notes);
    }
    // Rollback refuses (the originals are gone), saying why.
    let mut engine = Engine::connect(&db.connect_options(), options, Step::Rollback, Progress::hidden()).await.unwrap();
    let err = engine.run(Step::Rollback).await.unwrap_err();
    assert!(err.to_string().contains("migration is complete"), "{err}");
}

#[tokio::test]
async fn a_partial_index_whose_predicate_only_looks_like_the_key_is_not_refused() {
    let schema = format!(
        "CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL, is_valid boolean NOT NULL DEFAULT true);
         CREATE INDEX users_valid_email ON users (email) WHERE is_valid;
         CREATE INDEX users_lower_id ON users (lower(id));
         {USERS}"
    );
    let (_server, db) = database(&schema).await;
    let mut engine = Engine::connect(&db.connect_options(), quarantine(), Step::ValidateSchema, Progress::hidden()).await.unwrap();
    let plan = engine.fresh_plan().await;
    // The expression index over the key is refused, by name; the partial index is not.
    let err = plan.expect_err("an expression index over the converted key is refused").to_string();
    assert!(err.contains("users_lower_id") && !err.contains("users_valid_email"), "{err}");
    sqlx::raw_sql("DROP INDEX users_lower_id").execute(&mut db.connect().await.unwrap()).await.unwrap();
    let plan = engine.fresh_plan().await.expect("a predicate over is_valid does not mention users.id");
    assert!(plan.indexes.iter().all(|i| i.name != "users_valid_email"), "an index not over the key is not mirrored");
}
