//! A correct varchar(36) -> uuid migration passes every check in both directions:
//! migrate -> verify, rollback -> verify against the original, and up again -> same result.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::migration::MigrationFailure;
use pgrehearse::verify::{conservation, content, references, rerun, rollback_identity, up_runs, CheckKind};
use support::*;

#[tokio::test]
async fn correct_up_and_down_pass_every_check() {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let before_db = template.clone_database().await.unwrap();
    let work_db = template.clone_database().await.unwrap();
    let (mut before, mut work) = (connect(&before_db).await, connect(&work_db).await);
    let scope = scope();

    let up = run_sql(&mut work, "up.sql", UP_SQL).await;
    assert_pass(&up_runs::check(up.failure.clone().map(MigrationFailure::from).as_ref(), &Default::default(), up.duration));

    let (conserved, counts) = conservation::check(&mut before, &mut work, &scope).await.unwrap();
    assert_pass(&conserved);
    let users = scalar_i64(&mut before, "SELECT count(*) FROM users").await;
    assert!(users > 0);
    let user_counts = counts.iter().find(|c| c.table == "public.users").expect("users counted");
    assert_eq!((user_counts.before, user_counts.after, user_counts.quarantined), (users, Some(users), 0));

    // The non-canonical ids changed as text but not as uuids: content must see them equal.
    let non_canonical = scalar_i64(&mut before, "SELECT count(*) FROM users WHERE id <> id::uuid::text").await;
    assert!(non_canonical > 0, "the fixture has non-canonical uuids");
    assert_pass(&content::check(&mut before, &mut work, &scope).await.unwrap());
    let refs = references::check(&mut work, &[], &scope).await.unwrap();
    assert_pass(&refs);
    assert!(refs.summary.starts_with("1 relations"), "{}", refs.summary);

    let first = rerun::capture(&mut work, &scope.snapshot_options()).await.unwrap();
    apply(&mut work, "down.sql", DOWN_SQL).await;
    let identity = rollback_identity::check(&mut before, &mut work, &scope).await.unwrap();
    assert_pass(&identity);
    assert_eq!(identity.check, CheckKind::RollbackIdentity);

    apply(&mut work, "up.sql", UP_SQL).await;
    let second = rerun::capture(&mut work, &scope.snapshot_options()).await.unwrap();
    assert!(!first.fingerprints.is_empty());
    assert_pass(&rerun::check(&first, Ok(&second), std::time::Duration::ZERO));
}
