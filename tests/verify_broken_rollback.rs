//! Broken rollbacks produce the right rollback-identity findings: a down that lowercases
//! non-canonical uuids (`::text`), an index that up dropped and down never re-created, a
//! constraint re-created NOT VALID; and a second up that differs from the first.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::migration::MigrationFailure;
use pgrehearse::verify::{rerun, rollback_identity, CheckKind};
use support::*;

#[tokio::test]
async fn rollback_identity_catches_data_and_schema_drift() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();
    let original_db = template.clone_database().await.unwrap();
    let mut original = connect(&original_db).await;

    // The subtly wrong down: byte-identical only for ids that were canonical already.
    let work_db = template.clone_database().await.unwrap();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", UP_SQL).await;
    apply(&mut work, "down.sql", LOWERCASING_DOWN_SQL).await;
    let users_changed = scalar_i64(&mut original, "SELECT count(*) FROM users WHERE id <> id::uuid::text").await;
    let entries_changed =
        scalar_i64(&mut original, "SELECT count(*) FROM journal_entries WHERE user_id <> user_id::uuid::text").await;
    let upper_example = scalar_text(
        &mut original,
        "SELECT quote_literal(id) FROM users WHERE id <> id::uuid::text ORDER BY id COLLATE \"C\" LIMIT 1",
    )
    .await;
    assert!(users_changed > 0 && entries_changed > 0);
    let checked = rollback_identity::check(&mut original, &mut work, &scope).await.unwrap();
    let f = checked.findings.iter().find(|f| f.table.as_deref() == Some("public.users")).expect("users finding");
    // Rows keyed by a changed id are missing, and their lowercased twins appear.
    let missing = checked
        .findings
        .iter()
        .find(|f| f.table.as_deref() == Some("public.users") && f.message.contains("missing"))
        .unwrap();
    let extra = checked
        .findings
        .iter()
        .find(|f| f.table.as_deref() == Some("public.users") && f.message.contains("does not have"))
        .unwrap();
    assert_eq!((missing.count, extra.count), (users_changed as u64, users_changed as u64), "{f:?}");
    assert!(missing.examples.iter().any(|e| e.key == upper_example), "{:?}", missing.examples);
    let entries = finding(&checked, CheckKind::RollbackIdentity, "rows differ from the original");
    assert_eq!((entries.table.as_deref(), entries.count), (Some("public.journal_entries"), entries_changed as u64));
    assert!(entries.examples[0].before.as_deref().unwrap().starts_with("user_id="));

    // Up drops an index that down does not re-create.
    let work_db = template.clone_database().await.unwrap();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", &format!("{UP_SQL}\nDROP INDEX users_email_idx;")).await;
    apply(&mut work, "down.sql", DOWN_SQL).await;
    let checked = rollback_identity::check(&mut original, &mut work, &scope).await.unwrap();
    let f = finding(&checked, CheckKind::RollbackIdentity, "index public.users.users_email_idx missing");
    assert!(f.examples[0].before.as_deref().unwrap().contains("CREATE INDEX users_email_idx"));
    assert_eq!(f.table.as_deref(), Some("public.users"));
    assert_eq!(checked.findings.len(), 1, "only the index differs: {:#?}", checked.findings);

    // Down re-creates the FK NOT VALID and leaves it so.
    let work_db = template.clone_database().await.unwrap();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", UP_SQL).await;
    let lazy_down = DOWN_SQL.replace("REFERENCES users (id);", "REFERENCES users (id) NOT VALID;");
    apply(&mut work, "down.sql", &lazy_down).await;
    let checked = rollback_identity::check(&mut original, &mut work, &scope).await.unwrap();
    let f = finding(&checked, CheckKind::RollbackIdentity, "journal_entries_user_id_fkey changed");
    assert!(f.examples[0].after.as_deref().unwrap().ends_with("NOT VALID"));
    assert!(!f.examples[0].before.as_deref().unwrap().ends_with("NOT VALID"));

    // Bookkeeping left behind is a finding unless the scope excludes it.
    let work_db = template.clone_database().await.unwrap();
    let mut work = connect(&work_db).await;
    apply(&mut work, "up.sql", UP_SQL).await;
    apply(
        &mut work,
        "down.sql",
        &DOWN_SQL.replace("DROP SCHEMA migration_backup CASCADE;", "CREATE TABLE migration_log (step text);"),
    )
    .await;
    let checked = rollback_identity::check(&mut original, &mut work, &scope).await.unwrap();
    finding(&checked, CheckKind::RollbackIdentity, "table public.migration_log added");
    let allowed =
        pgrehearse::verify::Scope::new(&["migration_quarantine.*"], &["migration_backup.*", "public.migration_log"]);
    assert_pass(&rollback_identity::check(&mut original, &mut work, &allowed).await.unwrap());
}

#[tokio::test]
async fn a_second_up_with_a_different_result_fails_rerun() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();
    let work_db = template.clone_database().await.unwrap();
    let mut work = connect(&work_db).await;
    // An up that is not repeatable: it stamps rows with a sequence that down never resets.
    let up = format!("{UP_SQL}\nCREATE SEQUENCE IF NOT EXISTS stamp;\nUPDATE journal_entries SET note = 'stamp ' || nextval('stamp') WHERE id = 1;");
    let down = format!("UPDATE journal_entries SET note = 'first' WHERE id = 1;\n{DOWN_SQL}");
    apply(&mut work, "up.sql", &up).await;
    let first = rerun::capture(&mut work, &scope.snapshot_options()).await.unwrap();
    apply(&mut work, "down.sql", &down).await;
    apply(&mut work, "up.sql", &up).await;
    let second = rerun::capture(&mut work, &scope.snapshot_options()).await.unwrap();
    let checked = rerun::check(&first, Ok(&second), std::time::Duration::ZERO);
    let f = finding(&checked, CheckKind::Rerun, "data after the second up differs");
    assert_eq!(f.table.as_deref(), Some("public.journal_entries"));
    assert_eq!(checked.findings.len(), 1, "{:#?}", checked.findings);

    let failing = run_sql(&mut work, "up.sql", &up).await;
    let failure = MigrationFailure::from(failing.failure.expect("up cannot run twice without down"));
    let checked = rerun::check(&first, Err(&failure), std::time::Duration::ZERO);
    finding(&checked, CheckKind::Rerun, "up failed when run again");
}
