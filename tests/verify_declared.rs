//! The checks with what the scenario declares up changes on purpose: exactly the declared
//! rows removed pass conservation and content, any other number fails both; a declared
//! changed column is reported, not failed, and an undeclared one still fails. Expected
//! counts are read from the before database.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::provision::{Database, Server};
use pgrehearse::verify::{registry, CheckKind, CheckResult, Context};
use pgrehearse::vocabulary::{Declared, Intent, TableName};
use sqlx::PgConnection;
use support::*;

async fn run_declared(kind: CheckKind, before: &mut PgConnection, after: &mut PgConnection, intent: &Intent) -> CheckResult {
    let scope = scope();
    let (original, reached) = states(before, after, &scope).await;
    let mut ctx = Context::new(before, after, &original, &reached, &scope);
    ctx.intent = intent.clone();
    registry::run(kind, &mut ctx).await.expect("the check runs")
}

/// A before/after pair seeded from the fixture, with [`UP_SQL`] and then `more` applied
/// to the after side; the databases are returned so they live as long as the test.
async fn migrated(server: &Server, more: &str) -> (PgConnection, PgConnection, [Database; 2]) {
    let template = seeded_template(server, "").await;
    let (b, a) = (template.clone_database().await.unwrap().keep_on_panic(), template.clone_database().await.unwrap().keep_on_panic());
    let (before, mut after) = (connect(&b).await, connect(&a).await);
    apply(&mut after, "up.sql", &format!("{UP_SQL}\n{more}")).await;
    (before, after, [b, a])
}

fn on_journal(value: u64) -> Declared<u64> {
    Declared { table: TableName::parse("journal_entries"), value, at: "s.toml:7".into() }
}

#[tokio::test]
async fn exactly_the_declared_rows_removed_pass_and_any_other_number_fails() {
    let server = server().await;
    let (mut before, mut after, _dbs) = migrated(&server, "DELETE FROM journal_entries WHERE note IS NULL;").await;
    let removed = scalar_i64(&mut before, "SELECT count(*) FROM journal_entries WHERE note IS NULL").await as u64;
    assert!(removed > 0);

    let exact = Intent { rows_removed: vec![on_journal(removed)], ..Intent::default() };
    assert_pass(&run_declared(CheckKind::Conservation, &mut before, &mut after, &exact).await);
    let content = run_declared(CheckKind::Content, &mut before, &mut after, &exact).await;
    assert_pass(&content);
    assert!(content.summary.contains(&format!("public.journal_entries: {removed} rows removed")), "{}", content.summary);

    let off_by_one = Intent { rows_removed: vec![on_journal(removed + 1)], ..Intent::default() };
    let conserved = run_declared(CheckKind::Conservation, &mut before, &mut after, &off_by_one).await;
    let f = finding(&conserved, CheckKind::Conservation, "`rows_removed` declares");
    assert!(f.message.starts_with(&format!("up removed {removed} rows, but `rows_removed` declares {} (s.toml:7)", removed + 1)), "{}", f.message);
    let content = run_declared(CheckKind::Content, &mut before, &mut after, &off_by_one).await;
    assert_eq!(finding(&content, CheckKind::Content, "rows lost").count, removed);
}

#[tokio::test]
async fn a_declared_changed_column_is_reported_and_an_undeclared_one_still_fails() {
    let server = server().await;
    let (mut before, mut after, _dbs) = migrated(&server, "UPDATE users SET email = upper(email);\nUPDATE journal_entries SET note = 'x' WHERE note IS NULL;").await;
    let users = scalar_i64(&mut before, "SELECT count(*) FROM users WHERE email <> upper(email)").await;
    let notes = scalar_i64(&mut before, "SELECT count(*) FROM journal_entries WHERE note IS NULL").await as u64;
    let declared = Declared { table: TableName::parse("users"), value: "email".to_string(), at: "s.toml:8".into() };
    let intent = Intent { changed_columns: vec![declared], ..Intent::default() };
    let content = run_declared(CheckKind::Content, &mut before, &mut after, &intent).await;
    assert!(content.summary.contains(&format!("public.users.{{email}} changed in {users} rows")), "{}", content.summary);
    let f = finding(&content, CheckKind::Content, "values changed");
    assert_eq!((f.table.as_deref(), f.count), (Some("public.journal_entries"), notes));

    let missing = Declared { table: TableName::parse("users"), value: "emial".to_string(), at: "s.toml:9".into() };
    let typo = Intent { changed_columns: vec![missing], ..Intent::default() };
    let content = run_declared(CheckKind::Content, &mut before, &mut after, &typo).await;
    let f = finding(&content, CheckKind::Content, "`changed_columns` names");
    assert_eq!(f.message, "`changed_columns` names `public.users.emial` (s.toml:9), but public.users has no column `emial` before up");
}
