//! Broken up migrations produce the right findings: a lost row, a changed value, a
//! constraint left NOT VALID, a reference whose two sides no longer match, an orphan.
//! Every expected value is computed from the before database.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::provision::Template;
use pgrehearse::vocabulary::Relation;
use pgrehearse::verify::{CheckKind};
use pgrehearse::vocabulary::TableName;
use sqlx::PgConnection;
use support::*;

/// A fresh before/after pair from the template, with `up` applied to the after side.
async fn migrated(
    template: &Template<'_>,
    up: &str,
) -> (PgConnection, PgConnection, [pgrehearse::provision::Database; 2]) {
    let (b, a) = (template.clone_database().await.unwrap().keep_on_panic(), template.clone_database().await.unwrap().keep_on_panic());
    let (before, mut after) = (connect(&b).await, connect(&a).await);
    apply(&mut after, "up.sql", up).await;
    (before, after, [b, a])
}

fn declared_user_relation() -> Relation {
    Relation {
        constraint: None,
        child: TableName::parse("journal_entries"),
        child_columns: vec!["user_id".into()],
        parent: TableName::parse("users"),
        parent_columns: vec!["id".into()],
        validated: true,
    }
}

#[tokio::test]
async fn lost_rows_and_changed_values_are_findings_naming_the_row() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();

    let lost = format!("{UP_SQL}\nDELETE FROM journal_entries WHERE id = (SELECT min(id) FROM journal_entries);");
    let (mut before, mut after, _dbs) = migrated(&template, &lost).await;
    let lost_key = scalar_text(&mut before, "SELECT quote_literal(min(id)::text) FROM journal_entries").await;
    let (conserved, _) = check_conservation(&mut before, &mut after, &scope).await;
    let f = finding(&conserved, CheckKind::Conservation, "rows lost");
    assert_eq!((f.table.as_deref(), f.count), (Some("public.journal_entries"), 1));
    let checked = run_check(CheckKind::Content, &mut before, &mut after, &scope, &[]).await;
    let f = finding(&checked, CheckKind::Content, "rows lost");
    assert_eq!(f.count, 1);
    assert_eq!(f.examples[0].key, lost_key);
    assert_eq!(f.examples[0].after, None);

    let changed = format!(
        "{UP_SQL}\nUPDATE journal_entries SET amount = amount + 1 WHERE id = (SELECT max(id) FROM journal_entries);"
    );
    let (mut before, mut after, _dbs) = migrated(&template, &changed).await;
    let (key, old) = (
        scalar_text(&mut before, "SELECT quote_literal(max(id)::text) FROM journal_entries").await,
        scalar_text(
            &mut before,
            "SELECT quote_literal(amount::text) FROM journal_entries ORDER BY id DESC LIMIT 1",
        )
        .await,
    );
    let (conserved, _) = check_conservation(&mut before, &mut after, &scope).await;
    assert_pass(&conserved);
    let checked = run_check(CheckKind::Content, &mut before, &mut after, &scope, &[]).await;
    let f = finding(&checked, CheckKind::Content, "values changed");
    assert_eq!(
        (f.count, f.examples[0].key.as_str(), f.examples[0].before.as_deref()),
        (1, key.as_str(), Some(old.as_str()))
    );
    assert_eq!(f.examples[0].column.as_deref(), Some("amount"));
    assert_ne!(f.examples[0].after, f.examples[0].before);
}

#[tokio::test]
async fn broken_references_are_findings() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();

    let not_valid = UP_SQL.replace("REFERENCES users (id);", "REFERENCES users (id) NOT VALID;");
    assert_ne!(not_valid, UP_SQL);
    let (mut before, mut after, _dbs) = migrated(&template, &not_valid).await;
    let checked = run_check(CheckKind::References, &mut before, &mut after, &scope, &[]).await;
    let f = finding(&checked, CheckKind::References, "NOT VALID");
    assert_eq!(f.table.as_deref(), Some("public.journal_entries"));

    // Only the parent converted, FK dropped: the child still holds varchar, and every
    // non-canonical id no longer finds its parent when compared as text.
    let half = "ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_user_id_fkey;\n\
                ALTER TABLE users ALTER COLUMN id TYPE uuid USING id::uuid;";
    let (mut before, mut after, _dbs) = migrated(&template, half).await;
    let non_canonical =
        scalar_i64(&mut before, "SELECT count(*) FROM journal_entries WHERE user_id <> user_id::uuid::text").await;
    assert!(non_canonical > 0);
    let checked = run_check(CheckKind::References, &mut before, &mut after, &scope, &[declared_user_relation()]).await;
    let types = finding(&checked, CheckKind::References, "different types");
    assert_eq!(types.examples[0].before.as_deref(), Some("character varying(36)"));
    assert_eq!(types.examples[0].after.as_deref(), Some("uuid"));
    let orphans = finding(&checked, CheckKind::References, "missing parent");
    assert_eq!(orphans.count, non_canonical as u64);

    // A deleted parent behind an unenforced relation: its children are orphans.
    let orphaning = format!(
        "{UP_SQL}\nALTER TABLE journal_entries DROP CONSTRAINT journal_entries_user_id_fkey;\n\
                             DELETE FROM users WHERE id = (SELECT id FROM users ORDER BY id LIMIT 1);"
    );
    let (mut before, mut after, _dbs) = migrated(&template, &orphaning).await;
    let children = scalar_i64(
        &mut before,
        "SELECT count(*) FROM journal_entries WHERE user_id::uuid = (SELECT id::uuid FROM users ORDER BY 1 LIMIT 1)",
    )
    .await;
    let child_key = scalar_text(&mut before, "SELECT id::uuid::text FROM users ORDER BY id::uuid LIMIT 1").await;
    assert!(children > 0);
    let checked = run_check(CheckKind::References, &mut before, &mut after, &scope, &[declared_user_relation()]).await;
    let orphans = finding(&checked, CheckKind::References, "missing parent");
    assert_eq!(orphans.count, children as u64);
    assert!(orphans.examples.iter().all(|e| e.key == child_key), "{:?}", orphans.examples);
}
