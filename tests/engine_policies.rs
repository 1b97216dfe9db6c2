//! Each policy's outcome, checked against expectations computed from the fixture's data
//! with `::uuid` itself as the oracle (never with the engine's own pattern).

mod engine_support;

use std::collections::BTreeSet;

use engine_support::{fixture, options, snapshot, step};
use pgrehearse::engine::{Action, RowFindingKind, Outcome, Step};
use pgrehearse::vocabulary::{Policies, Policy};
use pgrehearse::provision::{self, ProvisionOptions, Template};
use sqlx::PgConnection;

fn ids_of(findings: &[pgrehearse::engine::RowFinding], kind: RowFindingKind, table: &str, key: &str) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.kind == kind && f.table == table)
        .map(|f| f.pk[key].to_string().trim_matches('"').to_string())
        .collect()
}

async fn strings(conn: &mut PgConnection, sql: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql).fetch_all(conn).await.unwrap().into_iter().collect()
}

#[tokio::test]
async fn policies_fail_quarantine_and_nullify_do_what_the_data_says() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let seeded = server.create_database().await.unwrap().keep_on_panic();
    fixture::create(&mut seeded.connect().await.unwrap(), 300).await;
    let template = Template::freeze(&server, seeded).await.unwrap();

    // fail: every anomaly reported row by row, nothing changed.
    let db = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let invalid: BTreeSet<String> = fixture::invalid_user_ids(&mut conn).await.into_iter().collect();
    let colliding: BTreeSet<String> = fixture::colliding_user_ids(&mut conn).await.into_iter().collect();
    let orphans: BTreeSet<String> = fixture::orphan_reminder_ids(&mut conn).await.into_iter().map(|i| i.to_string()).collect();
    assert!(!invalid.is_empty() && !colliding.is_empty() && !orphans.is_empty(), "the fixture must seed every anomaly");
    let catalog_before = snapshot::catalog(&mut conn).await;
    let rows_before = snapshot::rows(&mut conn).await;
    let fail = options(Policies::default(), 100);
    let report = step(&db, &fail, Step::ValidateSchema).await;
    assert_eq!(report.outcome, Outcome::Blocked);
    assert_eq!(ids_of(&report.findings, RowFindingKind::Invalid, "public.users", "id"), invalid);
    assert_eq!(ids_of(&report.findings, RowFindingKind::Collision, "public.users", "id"), colliding);
    assert_eq!(ids_of(&report.findings, RowFindingKind::Orphan, "public.reminders", "id"), orphans);
    let non_canonical = strings(&mut conn, "SELECT id FROM users WHERE CASE WHEN oracle_is_uuid(id) THEN id::uuid::text <> id ELSE false END").await;
    assert_eq!(ids_of(&report.findings, RowFindingKind::NonCanonical, "public.users", "id"), non_canonical);
    assert!(report.findings.iter().filter(|f| f.kind != RowFindingKind::NonCanonical).all(|f| f.action == Action::Fail));
    assert_eq!(step(&db, &fail, Step::Backup).await.outcome, Outcome::Blocked);
    assert_eq!(step(&db, &fail, Step::Full).await.outcome, Outcome::Blocked);
    let schemas: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('pgrehearse_engine', 'migration_backup', 'migration_quarantine')").fetch_one(&mut conn).await.unwrap();
    assert_eq!(schemas, 0, "fail must change nothing");
    assert_eq!(snapshot::catalog(&mut conn).await, catalog_before);
    assert_eq!(snapshot::rows(&mut conn).await, rows_before);
    drop(conn);

    // quarantine: the bad users, everything referencing them, and the orphans move out.
    let db = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let all_q = Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine };
    let expected_entries = strings(&mut conn, "SELECT id::text FROM journal_entries WHERE NOT oracle_is_uuid(user_id) OR user_id IN (SELECT id FROM users WHERE NOT oracle_is_uuid(id)) OR lower(replace(replace(replace(user_id,'-',''),'{',''),'}','')) IN (SELECT lower(replace(replace(replace(id,'-',''),'{',''),'}','')) FROM users WHERE oracle_is_uuid(id) GROUP BY 1 HAVING count(*) > 1)").await;
    assert!(!expected_entries.is_empty());
    let report = step(&db, &options(all_q, 50), Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    let quarantined_users = strings(&mut conn, "SELECT id FROM migration_quarantine.users").await;
    assert_eq!(quarantined_users, invalid.union(&colliding).cloned().collect());
    assert_eq!(strings(&mut conn, "SELECT id::text FROM migration_quarantine.journal_entries").await, expected_entries);
    let live_entries = strings(&mut conn, "SELECT id::text FROM journal_entries").await;
    assert!(live_entries.is_disjoint(&expected_entries));
    let quarantined_reminders = strings(&mut conn, "SELECT id::text FROM migration_quarantine.reminders").await;
    assert!(orphans.is_subset(&quarantined_reminders), "orphans {orphans:?} not all in {quarantined_reminders:?}");
    let reasons: i64 = sqlx::query_scalar("SELECT count(*) FROM pgrehearse_engine.quarantine_reason").fetch_one(&mut conn).await.unwrap();
    let q_total: i64 = sqlx::query_scalar("SELECT (SELECT count(*) FROM migration_quarantine.users) + (SELECT count(*) FROM migration_quarantine.journal_entries) + (SELECT count(*) FROM migration_quarantine.entry_tags) + (SELECT count(*) FROM migration_quarantine.reminders) + (SELECT count(*) FROM migration_quarantine.audit_events)").fetch_one(&mut conn).await.unwrap();
    assert_eq!(reasons, q_total, "every quarantined row has exactly one recorded reason");
    let q_cols = snapshot::columns(&mut conn, "migration_quarantine.users").await;
    assert_eq!(q_cols, vec!["id", "email", "created_at"], "quarantine tables have exactly the source's columns");
    drop(conn);

    // nullify: orphans keep their row with a NULL reference; rollback restores the bytes.
    let db = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let rows_before = snapshot::rows(&mut conn).await;
    let ghosts_before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE what = 'ghost'").fetch_one(&mut conn).await.unwrap();
    let nullify = Policies { invalid: Policy::Quarantine, orphan: Policy::Nullify, collision: Policy::Quarantine };
    let report = step(&db, &options(nullify, 50), Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    let nulled = strings(&mut conn, "SELECT id::text FROM reminders WHERE user_id IS NULL AND note <> 'nobody'").await;
    assert_eq!(nulled, orphans);
    let ghosts: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE what = 'ghost' AND actor_id IS NULL").fetch_one(&mut conn).await.unwrap();
    assert!(ghosts_before > 0);
    assert_eq!(ghosts, ghosts_before, "orphans of the NOT VALID foreign key are nullified too");
    assert_eq!(step(&db, &options(nullify, 50), Step::Rollback).await.outcome, Outcome::Completed);
    assert_eq!(snapshot::rows(&mut conn).await, rows_before);
}
