//! Foreign-key actions the engine's deletes would fire, on columns the plan does not
//! convert and in other schemas: the whole closure is quarantined with its reasons and
//! restored by rollback, or the run refuses and names the constraint. Expected rows are
//! computed from the data with `::uuid` itself as the oracle.

mod engine_support;

use engine_support::fixture::ORACLE;
use engine_support::step;
use pgrehearse::engine::{Action, EngineOptions, Outcome, RowFindingKind, Step};
use pgrehearse::vocabulary::{BatchSize, Policies, Policy};
use pgrehearse::provision::{self, Database, ProvisionOptions};
use sqlx::{Executor, PgConnection};


/// users(id) with invalid ids; sessions reference users by email (cascade), and audit
/// events in another schema reference sessions (cascade), so deleting a user reaches
/// two tables the plan knows nothing of.
fn schema(session_action: &str) -> String {
    format!(
        "{ORACLE}
CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE sessions (id bigserial PRIMARY KEY, user_email text REFERENCES users (email) ON DELETE {session_action}, token text);
CREATE SCHEMA audit;
CREATE TABLE audit.session_events (id bigserial PRIMARY KEY, session_id bigint REFERENCES sessions (id) ON DELETE CASCADE, what text);
INSERT INTO users SELECT CASE WHEN g % 5 = 0 THEN 'user-' || g ELSE md5('u' || g)::uuid::text END, 'u' || g || '@example.com'
FROM generate_series(1, 30) g;
INSERT INTO sessions (user_email, token) SELECT u.email, 'tok' || k FROM users u, generate_series(1, 3) k ORDER BY u.email, k;
INSERT INTO audit.session_events (session_id, what) SELECT s.id, 'ev' || k FROM sessions s, generate_series(1, 2) k ORDER BY s.id, k;
ANALYZE;"
    )
}

async fn database(sql: &str) -> (provision::Server, Database) {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    db.connect().await.unwrap().execute(sql).await.expect("create the schema");
    (server, db)
}

fn quarantine() -> EngineOptions {
    EngineOptions {
        policies: Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine },
        batch_size: BatchSize::new(7).unwrap(),
        convert: engine_support::convert_method().into(),
        ..Default::default()
    }
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
}

/// Every row of the three tables as exact text, sorted.
async fn rows(conn: &mut PgConnection) -> Vec<String> {
    let sql = "SELECT 'users ' || t::text FROM users t UNION ALL SELECT 'sessions ' || t::text FROM sessions t
               UNION ALL SELECT 'events ' || t::text FROM audit.session_events t ORDER BY 1";
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(conn).await.unwrap();
    assert!(rows.len() > 100, "the fixture has rows: {}", rows.len());
    rows
}

#[tokio::test]
async fn a_cascade_through_a_non_key_column_is_quarantined_transitively_and_restored() {
    let (_server, db) = database(&schema("CASCADE")).await;
    let mut conn = db.connect().await.unwrap();
    let before = rows(&mut conn).await;
    let doomed_sessions = count(&mut conn, "SELECT count(*) FROM sessions s JOIN users u ON u.email = s.user_email WHERE NOT oracle_is_uuid(u.id)").await;
    let doomed_events = count(
        &mut conn,
        "SELECT count(*) FROM audit.session_events e JOIN sessions s ON s.id = e.session_id JOIN users u ON u.email = s.user_email WHERE NOT oracle_is_uuid(u.id)",
    )
    .await;
    let sessions_before = count(&mut conn, "SELECT count(*) FROM sessions").await;
    assert!(doomed_sessions > 0 && doomed_events > 0);

    let report = step(&db, &quarantine(), Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert_eq!(count(&mut conn, "SELECT count(*) FROM migration_quarantine.sessions").await, doomed_sessions);
    assert_eq!(count(&mut conn, r#"SELECT count(*) FROM migration_quarantine."audit.session_events""#).await, doomed_events);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM sessions").await + doomed_sessions, sessions_before, "no session is lost");
    let cascaded: Vec<_> = report.findings.iter().filter(|f| f.kind == RowFindingKind::Cascade && f.action == Action::Quarantine).collect();
    assert_eq!(cascaded.iter().filter(|f| f.table == "public.sessions").count() as i64, doomed_sessions);
    assert_eq!(cascaded.iter().filter(|f| f.table == "audit.session_events").count() as i64, doomed_events);
    assert!(cascaded.iter().filter(|f| f.table == "public.sessions").all(|f| f.related_table.as_deref() == Some("public.users") && f.related_pk.is_some()));
    let reasons = count(&mut conn, "SELECT count(*) FROM pgrehearse_engine.quarantine_reason WHERE table_name IN ('public.sessions', 'audit.session_events')").await;
    assert_eq!(reasons, doomed_sessions + doomed_events, "every cascaded row has its reason");
    assert!(report.checks.iter().all(|c| c.ok), "{:#?}", report.checks);

    assert_eq!(step(&db, &quarantine(), Step::Rollback).await.outcome, Outcome::Completed);
    assert_eq!(rows(&mut conn).await, before, "rollback restores every cascaded row exactly");
}

#[tokio::test]
async fn a_set_null_action_the_delete_would_fire_is_refused_by_name_and_nothing_changes() {
    let (_server, db) = database(&schema("SET NULL")).await;
    let mut conn = db.connect().await.unwrap();
    let before = rows(&mut conn).await;
    let report = step(&db, &quarantine(), Step::Full).await;
    assert_eq!(report.outcome, Outcome::Blocked, "{report:#?}");
    let refusal = report.findings.iter().find(|f| f.action == Action::Fail).expect("a blocking finding");
    assert_eq!(refusal.table, "public.sessions");
    assert!(refusal.value.as_deref().unwrap_or_default().contains("sessions_user_email_fkey"), "{refusal:?}");
    // (`convert` has added its shadow column to users before it refused; rollback drops it.)
    let untouched = |rows: &[String]| rows.iter().filter(|r| !r.starts_with("users ")).cloned().collect::<Vec<_>>();
    assert_eq!(untouched(&rows(&mut conn).await), untouched(&before), "a refused run changes no row");
    assert_eq!(count(&mut conn, "SELECT count(*) FROM migration_quarantine.users").await, 0, "nothing was quarantined");
    assert_eq!(step(&db, &quarantine(), Step::Rollback).await.outcome, Outcome::Completed);
    assert_eq!(rows(&mut conn).await, before);
}

#[tokio::test]
async fn validate_counts_tables_outside_the_plan() {
    let (_server, db) = database(&schema("CASCADE")).await;
    let mut conn = db.connect().await.unwrap();
    let options = quarantine();
    for s in [Step::ValidateSchema, Step::Backup, Step::Convert] {
        assert_eq!(step(&db, &options, s).await.outcome, Outcome::Completed);
    }
    // A row lost where the plan does not look: validate must notice.
    conn.execute("DELETE FROM audit.session_events WHERE id = (SELECT min(id) FROM audit.session_events)").await.unwrap();
    let report = step(&db, &options, Step::Validate).await;
    assert_eq!(report.outcome, Outcome::ChecksFailed, "{:#?}", report.checks);
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.ok).collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(failed[0].name.contains("audit.session_events") && failed[0].detail.contains("1 rows"), "{failed:#?}");
}
