//! Broken rollbacks produce the right rollback-identity findings: a down that lowercases
//! non-canonical uuids (`::text`), an index that up dropped and down never re-created, a
//! constraint re-created NOT VALID; and a second up that differs from the first.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::migration::MigrationFailure;
use pgrehearse::verify::{rerun, CheckKind};
use support::*;

#[tokio::test]
async fn rollback_identity_catches_data_and_schema_drift() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();
    let original_db = template.clone_database().await.unwrap().keep_on_panic();
    let mut original = connect(&original_db).await;

    // The subtly wrong down: byte-identical only for ids that were canonical already.
    let work_db = template.clone_database().await.unwrap().keep_on_panic();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", UP_SQL).await;
    apply(&mut work, "down.sql", LOWERCASING_DOWN_SQL).await;
    let users_changed = scalar_i64(&mut original, "SELECT count(*) FROM users WHERE id <> id::uuid::text").await;
    let entries_changed =
        scalar_i64(&mut original, "SELECT count(*) FROM journal_entries WHERE user_id <> user_id::uuid::text").await;
    assert!(users_changed > 0 && entries_changed > 0);
    let checked = run_check(CheckKind::RollbackIdentity, &mut original, &mut work, &scope, &[]).await;
    // A row keyed by a changed id is paired with its lowercased twin by its other
    // columns: `id: 'A0EE…' → 'a0ee…'`, grouped by how the id changed.
    let upper = scalar_i64(&mut original, "SELECT count(*) FROM users WHERE id <> lower(id)").await;
    let hyphenless = scalar_i64(&mut original, "SELECT count(*) FROM users WHERE id = lower(id) AND id NOT LIKE '%-%'").await;
    assert_eq!(upper + hyphenless, users_changed);
    assert!(!checked.findings.iter().any(|f| f.message.contains("missing") || f.message.contains("does not have")), "{:#?}", checked.findings);
    let case = finding(&checked, CheckKind::RollbackIdentity, "users.id values differ from the original: case changed");
    assert_eq!((case.table.as_deref(), case.count), (Some("public.users"), upper as u64));
    let first_upper = scalar_text(&mut original, "SELECT quote_literal(id) FROM users WHERE id <> lower(id) ORDER BY id COLLATE \"C\" LIMIT 1").await;
    let lowered = scalar_text(&mut original, &format!("SELECT quote_literal(lower({first_upper}))")).await;
    let first = &case.examples[0];
    assert_eq!((first.key.as_str(), first.column.as_deref()), (first_upper.as_str(), Some("id")));
    assert_eq!((first.before.as_deref(), first.after.as_deref()), (Some(first_upper.as_str()), Some(lowered.as_str())));
    let hyphens = finding(&checked, CheckKind::RollbackIdentity, "users.id values differ from the original: hyphens added");
    assert_eq!(hyphens.count, hyphenless as u64);
    let entries: u64 = checked
        .findings
        .iter()
        .filter(|f| f.table.as_deref() == Some("public.journal_entries") && f.message.starts_with("journal_entries.user_id values differ"))
        .map(|f| f.count)
        .sum();
    assert_eq!(entries, entries_changed as u64);

    // Up drops an index that down does not re-create.
    let work_db = template.clone_database().await.unwrap().keep_on_panic();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", &format!("{UP_SQL}\nDROP INDEX users_email_idx;")).await;
    apply(&mut work, "down.sql", DOWN_SQL).await;
    let checked = run_check(CheckKind::RollbackIdentity, &mut original, &mut work, &scope, &[]).await;
    let f = finding(&checked, CheckKind::RollbackIdentity, "index public.users.users_email_idx missing");
    assert!(f.examples[0].before.as_deref().unwrap().contains("CREATE INDEX users_email_idx"));
    assert_eq!(f.table.as_deref(), Some("public.users"));
    assert_eq!(checked.findings.len(), 1, "only the index differs: {:#?}", checked.findings);

    // Down re-creates the FK NOT VALID and leaves it so.
    let work_db = template.clone_database().await.unwrap().keep_on_panic();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", UP_SQL).await;
    let lazy_down = DOWN_SQL.replace("REFERENCES users (id);", "REFERENCES users (id) NOT VALID;");
    apply(&mut work, "down.sql", &lazy_down).await;
    let checked = run_check(CheckKind::RollbackIdentity, &mut original, &mut work, &scope, &[]).await;
    let f = finding(&checked, CheckKind::RollbackIdentity, "journal_entries_user_id_fkey changed");
    assert!(f.examples[0].after.as_deref().unwrap().ends_with("NOT VALID"));
    assert!(!f.examples[0].before.as_deref().unwrap().ends_with("NOT VALID"));

    // Bookkeeping left behind is a finding unless the scope excludes it.
    let work_db = template.clone_database().await.unwrap().keep_on_panic();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", UP_SQL).await;
    apply(
        &mut work,
        "down.sql",
        &DOWN_SQL.replace("DROP SCHEMA migration_backup CASCADE;", "CREATE TABLE migration_log (step text);"),
    )
    .await;
    let checked = run_check(CheckKind::RollbackIdentity, &mut original, &mut work, &scope, &[]).await;
    finding(&checked, CheckKind::RollbackIdentity, "table public.migration_log added");
    let allowed =
        pgrehearse::verify::Scope::new(&["migration_quarantine.*"], &["migration_backup.*", "public.migration_log"]);
    assert_pass(&run_check(CheckKind::RollbackIdentity, &mut original, &mut work, &allowed, &[]).await);
}

#[tokio::test]
async fn a_second_up_with_a_different_result_fails_rerun() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();
    let work_db = template.clone_database().await.unwrap().keep_on_panic();
    let mut work = connect(&work_db).await;
    // An up that is not repeatable: it stamps rows with a sequence that down never resets.
    let up = format!("{UP_SQL}\nCREATE SEQUENCE IF NOT EXISTS stamp;\nUPDATE journal_entries SET note = 'stamp ' || nextval('stamp') WHERE id = 1;");
    let down = format!("UPDATE journal_entries SET note = 'first' WHERE id = 1;\n{DOWN_SQL}");
    apply(&mut work, "up.sql", &up).await;
    let first = capture(&mut work, &scope).await;
    apply(&mut work, "down.sql", &down).await;
    apply(&mut work, "up.sql", &up).await;
    let second = capture(&mut work, &scope).await;
    let checked = rerun::check(&first, Ok(&second), std::time::Duration::ZERO);
    let f = finding(&checked, CheckKind::Rerun, "data after the second up differs");
    assert_eq!(f.table.as_deref(), Some("public.journal_entries"));
    assert_eq!(checked.findings.len(), 1, "{:#?}", checked.findings);

    let failing = run_sql(&mut work, "up.sql", &up).await;
    let failure = MigrationFailure::from(failing.failure.expect("up cannot run twice without down"));
    let checked = rerun::check(&first, Err(&failure), std::time::Duration::ZERO);
    finding(&checked, CheckKind::Rerun, "up failed when run again");
}
