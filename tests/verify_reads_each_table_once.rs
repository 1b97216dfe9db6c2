//! Each table is scanned once per database state: reading a state fingerprints every table
//! once, and the checks reuse those fingerprints. The content check scans again only what
//! it must read another way: the before side of a table with a column whose type changed
//! (read through the cast) and the quarantine tables; rollback identity of a restored
//! database scans nothing. The expected counts come from the catalog, not from the
//! verifier. This file holds one test, so no other test's scans land in the count.

#[path = "verify_support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use pgrehearse::verify::fingerprint::scans_taken;
use pgrehearse::verify::{registry, CheckKind, Context};
use support::*;

const NO_KEY_TABLE: &str = "CREATE TABLE notes (body text, n int); INSERT INTO notes SELECT 'note ' || i, i FROM generate_series(1, 50) AS i;";
const QUARANTINE: &str = "CREATE SCHEMA migration_quarantine;
CREATE TABLE migration_quarantine.users (id varchar(36), email text, created_at timestamptz, reason text);";

/// `(table, column) → type` of every user table the scope compares, from the catalog.
async fn column_types(conn: &mut sqlx::PgConnection) -> BTreeMap<(String, String), String> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_schema || '.' || table_name, column_name::text, data_type::text FROM information_schema.columns
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'migration_backup', 'pgrehearse_verify')",
    )
    .fetch_all(conn)
    .await
    .unwrap();
    rows.into_iter().map(|(t, c, ty)| ((t, c), ty)).collect()
}

fn tables(types: &BTreeMap<(String, String), String>) -> BTreeSet<&str> {
    types.keys().map(|(t, _)| t.as_str()).collect()
}

#[tokio::test]
async fn the_checks_reuse_each_states_fingerprints() {
    let server = server().await;
    let template = seeded_template(&server, NO_KEY_TABLE).await;
    let (before_db, after_db) = (template.clone_database().await.unwrap(), template.clone_database().await.unwrap());
    let (mut before, mut after) = (connect(&before_db).await, connect(&after_db).await);
    apply(&mut after, "up.sql", UP_SQL).await;
    apply(&mut after, "quarantine.sql", QUARANTINE).await;
    let scope = scope();
    let (types_before, types_after) = (column_types(&mut before).await, column_types(&mut after).await);
    let retyped: BTreeSet<&str> =
        types_before.iter().filter(|(column, ty)| types_after.get(*column).is_some_and(|after| after != *ty)).map(|((t, _), _)| t.as_str()).collect();
    let quarantine: BTreeSet<&str> = tables(&types_after).into_iter().filter(|t| t.starts_with("migration_quarantine.")).collect();
    assert!(!retyped.is_empty() && retyped.len() < tables(&types_before).len(), "some tables change type, some do not: {retyped:?}");

    let started = scans_taken();
    let (original, reached) = states(&mut before, &mut after, &scope).await;
    assert_eq!(scans_taken() - started, tables(&types_before).len() + tables(&types_after).len(), "reading a state scans each table once");

    let started = scans_taken();
    let mut ctx = Context::new(&mut before, &mut after, &original, &reached, &scope);
    let conservation = registry::run(CheckKind::Conservation, &mut ctx).await.unwrap();
    assert_pass(&conservation);
    assert_eq!(scans_taken() - started, 0, "conservation counts from the states");
    let content = registry::run(CheckKind::Content, &mut ctx).await.unwrap();
    assert_pass(&content);
    assert_eq!(
        scans_taken() - started,
        retyped.len() + quarantine.len(),
        "content scans only the retyped tables' before sides ({retyped:?}) and the quarantine tables ({quarantine:?})"
    );

    apply(&mut after, "drop quarantine", "DROP SCHEMA migration_quarantine CASCADE").await;
    apply(&mut after, "down.sql", DOWN_SQL).await;
    let restored = capture(&mut after, &scope).await;
    let started = scans_taken();
    let mut ctx = Context::new(&mut before, &mut after, &original, &restored, &scope);
    let identity = registry::run(CheckKind::RollbackIdentity, &mut ctx).await.unwrap();
    assert_pass(&identity);
    assert_eq!(scans_taken() - started, 0, "a restored database's fingerprints match the original's: nothing to scan");
    drop((before, after));
    server.drop_database(before_db).await.unwrap();
    server.drop_database(after_db).await.unwrap();
}
