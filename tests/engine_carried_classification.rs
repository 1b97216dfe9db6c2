//! A classification carried from one run to the next on the same data: the second run
//! copies it instead of scanning, finds and migrates exactly what the first did (and what
//! the oracle says), refuses a copy made for another plan, and, when the caller's promise
//! that no row changed is broken by a new orphan, is stopped by `validate` rather than
//! migrating a wrong result.

mod engine_support;

use pgrehearse::engine::{carry_classification, EngineOptions, Outcome, RowFindingKind, Step, REUSED_CLASSIFICATION_NOTE};
use pgrehearse::provision::{self, Database, ProvisionOptions, Server};
use pgrehearse::vocabulary::{Policies, Policy};
use sqlx::{Connection, Executor, PgConnection};

use engine_support::{fixture, snapshot, step};

const CARRIED: &str = "carried";

fn quarantine() -> EngineOptions {
    let policies = Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine };
    engine_support::options(policies, 25)
}

fn reusing(options: &EngineOptions) -> EngineOptions {
    EngineOptions { reuse_classification: Some(CARRIED.to_string()), ..options.clone() }
}

/// What [`migrated_carried_and_rolled_back`] leaves.
struct RolledBack {
    /// Stops the server when dropped.
    _server: Server,
    db: Database,
    conn: PgConnection,
    /// The first run's final rows, its classification and its stored plan.
    rows: Vec<String>,
    classified: Vec<String>,
    plan: serde_json::Value,
}

/// The fixture, migrated once with `options`, its classification carried, rolled back.
async fn migrated_carried_and_rolled_back(options: &EngineOptions) -> RolledBack {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    fixture::create(&mut conn, 60).await;
    conn.execute(format!("CREATE SCHEMA {CARRIED}").as_str()).await.unwrap();
    let first = step(&db, options, Step::Full).await;
    assert_eq!(first.outcome, Outcome::Completed, "{first:#?}");
    let classified = classification(&mut conn, "pgrehearse_engine.classified WHERE run = 1").await;
    let carried = carry_classification(&mut conn, CARRIED).await.unwrap();
    assert_eq!(carried, Some(classified.len() as u64), "every value of the run is carried");
    let rows = snapshot::rows(&mut conn).await;
    let plan = sqlx::query_scalar("SELECT plan FROM pgrehearse_engine.migration_state WHERE run = 1").fetch_one(&mut conn).await.unwrap();
    let rollback = step(&db, options, Step::Rollback).await;
    assert_eq!(rollback.outcome, Outcome::Completed, "{rollback:#?}");
    RolledBack { _server: server, db, conn, rows, classified, plan }
}

/// The classified values in `from` (a relation and its filter), as sorted text.
async fn classification(conn: &mut PgConnection, from: &str) -> Vec<String> {
    let sql = format!("SELECT concat_ws(' ', table_name, pk::text, column_name, kind, value, related_table) FROM {from} ORDER BY 1");
    sqlx::query_scalar(&sql).fetch_all(conn).await.unwrap()
}

#[tokio::test]
async fn a_run_given_the_carried_classification_reuses_it_and_migrates_as_the_first_did() {
    let options = quarantine();
    let RolledBack { _server, db, mut conn, rows: first_rows, classified: first_classified, .. } = migrated_carried_and_rolled_back(&options).await;
    let invalid = fixture::invalid_user_ids(&mut conn).await;
    assert!(!invalid.is_empty(), "the fixture has invalid ids");

    let again = step(&db, &reusing(&options), Step::Full).await;
    assert_eq!(again.outcome, Outcome::Completed, "{again:#?}");
    assert!(again.notes.iter().any(|n| n.contains(REUSED_CLASSIFICATION_NOTE)), "the run says it reused: {:#?}", again.notes);
    let run: i64 = sqlx::query_scalar("SELECT max(run) FROM pgrehearse_engine.migration_state").fetch_one(&mut conn).await.unwrap();
    let reused = classification(&mut conn, &format!("pgrehearse_engine.classified WHERE run = {run}")).await;
    assert_eq!(reused, first_classified, "the run's classification is the carried one");
    let messages: Vec<String> =
        sqlx::query_scalar("SELECT message FROM pgrehearse_engine.migration_log WHERE run = $1 AND step = 'classify-table'").bind(run).fetch_all(&mut conn).await.unwrap();
    assert!(!messages.is_empty() && messages.iter().all(|m| m.contains(CARRIED)), "no table was scanned again: {messages:?}");
    let mut invalid_found: Vec<String> =
        again.findings.iter().filter(|f| f.kind == RowFindingKind::Invalid && f.table == "public.users" && f.column == "id").filter_map(|f| f.value.clone()).collect();
    invalid_found.sort();
    assert_eq!(invalid_found, invalid, "the invalid ids are the oracle's");
    assert_eq!(snapshot::rows(&mut conn).await, first_rows, "the second run reaches the first run's rows");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_classification_carried_for_another_plan_is_not_used() {
    let options = quarantine();
    let RolledBack { _server, db, mut conn, rows: first_rows, .. } = migrated_carried_and_rolled_back(&options).await;
    // Another plan: the declared reference is gone, so its orphans are no longer looked for.
    let other = EngineOptions { relations: Vec::new(), ..reusing(&options) };
    let again = step(&db, &other, Step::Full).await;
    assert_eq!(again.outcome, Outcome::Completed, "{again:#?}");
    assert!(again.notes.iter().any(|n| n.contains("is for another plan: every table classified")), "{:#?}", again.notes);
    assert!(!again.notes.iter().any(|n| n.contains(REUSED_CLASSIFICATION_NOTE)));
    assert_ne!(snapshot::rows(&mut conn).await, first_rows, "without the declared reference the orphan reminders stay, unlike the first run");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_broken_promise_is_caught_by_validate() {
    let options = quarantine();
    let RolledBack { _server, db, mut conn, .. } = migrated_carried_and_rolled_back(&options).await;
    let orphans = fixture::orphan_reminder_ids(&mut conn).await;
    assert!(!orphans.is_empty(), "the fixture has orphan reminders");
    // The rows changed since the classification was carried: a new orphan reminder.
    conn.execute("INSERT INTO reminders (user_id, note) VALUES (md5('stray')::uuid::text, 'written after the carry')").await.unwrap();

    let again = step(&db, &reusing(&options), Step::Full).await;
    assert!(again.notes.iter().any(|n| n.contains(REUSED_CLASSIFICATION_NOTE)), "{:#?}", again.notes);
    assert_eq!(again.outcome, Outcome::ChecksFailed, "validate finds the orphan the carried classification did not know: {again:#?}");
    let failed: Vec<&str> = again.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["public.reminders.user_id references resolve in public.users"], "exactly the reference the stray row breaks: {:#?}", again.checks);
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_run_that_had_begun_to_classify_finishes_by_scanning_without_doubling_a_value() {
    let options = quarantine();
    let RolledBack { _server, db, mut conn, classified: first_classified, plan, .. } = migrated_carried_and_rolled_back(&options).await;
    // As a run killed during its classification leaves it: open, one table classified.
    pgrehearse::engine::ensure_bookkeeping(&mut conn).await.unwrap();
    sqlx::query("INSERT INTO pgrehearse_engine.migration_state (run, plan) VALUES (1, $1)").bind(&plan).execute(&mut conn).await.unwrap();
    let done = "CREATE TABLE pgrehearse_engine.classified (run bigint NOT NULL, table_name text NOT NULL, pk jsonb NOT NULL, column_name text NOT NULL, kind text NOT NULL, value text, related_table text);
        INSERT INTO pgrehearse_engine.classified SELECT 1, table_name, pk, column_name, kind, value, related_table FROM carried.carried_classification WHERE table_name = 'public.users' AND kind <> 'orphan';
        INSERT INTO pgrehearse_engine.migration_log (run, step, table_name, status, finished_at) VALUES (1, 'classify-table', 'public.users', 'completed', clock_timestamp());";
    sqlx::raw_sql(done).execute(&mut conn).await.unwrap();

    let again = step(&db, &reusing(&options), Step::Full).await;
    assert_eq!(again.outcome, Outcome::Completed, "{again:#?}");
    assert!(again.notes.iter().any(|n| n.contains("had begun to classify its data")), "{:#?}", again.notes);
    let classified = classification(&mut conn, "pgrehearse_engine.classified WHERE run = 1").await;
    assert_eq!(classified, first_classified, "the scan finished what was begun, and no value is stored twice");
    conn.close().await.unwrap();
}
