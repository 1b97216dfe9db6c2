//! Migrate → the data equals the data before under the uuid mapping; and rollback from
//! every step restores byte-identical rows and an identical catalog.

mod engine_support;

use engine_support::{fixture, options, snapshot, step};
use pgrehearse::engine::{Outcome, Step};
use pgrehearse::vocabulary::{Policies, Policy};
use pgrehearse::provision::{self, ProvisionOptions, Template};

/// The uuid mapping, leaving values `::uuid` rejects as they are (those are quarantined).
const MAPPED: &str = "(CASE WHEN oracle_is_uuid({}) THEN ({})::uuid::text ELSE {} END)";

fn quarantine_everything() -> Policies {
    Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine }
}

/// Key columns of each fixture table: what the uuid mapping applies to.
fn keys(table: &str) -> Vec<&'static str> {
    match table {
        "users" => vec!["id"],
        "journal_entries" | "entry_tags" | "reminders" => vec!["user_id"],
        "audit_events" => vec!["actor_id"],
        _ => vec![],
    }
}

#[tokio::test]
async fn convert_maps_every_value_and_rollback_from_every_step_restores_everything() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let seeded = server.create_database().await.unwrap();
    fixture::create(&mut seeded.connect().await.unwrap(), 400).await;
    let template = Template::freeze(&server, seeded).await.unwrap();
    let opts = options(quarantine_everything(), 97);

    // Forward: every remaining row equals its original under the mapping; every other
    // original row is in quarantine.
    let db = template.clone_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let mut expected = std::collections::BTreeMap::new();
    for table in snapshot::TABLES {
        let cols = snapshot::columns(&mut conn, table).await;
        expected.insert(table, (cols.clone(), snapshot::rows_as(&mut conn, table, &cols, &keys(table), MAPPED, "true").await));
    }
    let report = step(&db, &opts, Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert!(report.checks.iter().all(|c| c.ok), "{:#?}", report.checks);
    for (table, (cols, before)) in &expected {
        assert!(!before.is_empty());
        let after = snapshot::rows_as(&mut conn, table, cols, &keys(table), "({})::text", "true").await;
        let quarantined = snapshot::rows_as(&mut conn, &format!("migration_quarantine.{table}"), cols, &keys(table), MAPPED, "true").await;
        let mut recombined: Vec<String> = after.iter().chain(quarantined.iter()).cloned().collect();
        recombined.sort();
        let mut before_valid = before.clone();
        before_valid.sort();
        assert_eq!(recombined.len(), before.len(), "{table}: live + quarantined rows must equal the original rows");
        let live_set: std::collections::BTreeSet<&String> = after.iter().collect();
        let missing: Vec<&String> = before.iter().filter(|r| !live_set.contains(r) && !quarantined.contains(r)).collect();
        assert!(missing.is_empty(), "{table}: rows neither live under the mapping nor quarantined: {:?}", &missing[..missing.len().min(3)]);
    }
    let ty: String = sqlx::query_scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'id'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(ty, "uuid");
    drop(conn);

    // Backward, from every step.
    let steps = [Step::ValidateSchema, Step::Backup, Step::Convert, Step::Validate];
    for stop_after in 0..steps.len() {
        let db = template.clone_database().await.unwrap();
        let mut conn = db.connect().await.unwrap();
        let catalog_before = snapshot::catalog(&mut conn).await;
        let rows_before = snapshot::rows(&mut conn).await;
        for s in &steps[..=stop_after] {
            let r = step(&db, &opts, *s).await;
            assert!(matches!(r.outcome, Outcome::Completed), "{}: {r:#?}", s.name());
        }
        let r = step(&db, &opts, Step::Rollback).await;
        let expected_outcome = if stop_after == 0 { Outcome::NothingToDo } else { Outcome::Completed };
        assert_eq!(r.outcome, expected_outcome, "rollback after {}", steps[stop_after].name());
        assert_eq!(snapshot::catalog(&mut conn).await, catalog_before, "catalog after rollback from {}", steps[stop_after].name());
        assert_eq!(snapshot::rows(&mut conn).await, rows_before, "rows after rollback from {}", steps[stop_after].name());
        let leftovers: Vec<String> = sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1)")
            .bind(pgrehearse::engine::bookkeeping_schemas())
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(leftovers.is_empty(), "bookkeeping left after rollback from {}: {leftovers:?}", steps[stop_after].name());
        let status = step(&db, &opts, Step::Status).await.status.unwrap();
        assert_eq!(status.run, None, "{}", status.summary);
        assert!(status.summary.contains("nothing is in progress"), "{}", status.summary);
    }
}

#[tokio::test]
async fn rollback_after_cleanup_refuses() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    fixture::create(&mut db.connect().await.unwrap(), 100).await;
    let opts = options(quarantine_everything(), 1000);
    assert_eq!(step(&db, &opts, Step::Full).await.outcome, Outcome::Completed);
    assert_eq!(step(&db, &opts, Step::Cleanup).await.outcome, Outcome::Completed);
    let mut engine = pgrehearse::engine::Engine::connect(&db.connect_options(), opts, Step::Rollback, pgrehearse::engine::Progress::hidden()).await.unwrap();
    let err = engine.run(Step::Rollback).await.unwrap_err();
    assert!(matches!(err, pgrehearse::engine::EngineError::BackupRemoved), "{err}");
    assert!(err.to_string().contains("cleanup"), "{err}");
}
