//! Rows whose old value cannot be cast: a migration that quarantines them passes
//! conservation, content and anomalies; one that "fixes" them instead, or alters what it
//! quarantines, is caught. Ground truth comes from the before database.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::verify::anomalies::{self, SetAside};
use pgrehearse::verify::{CheckKind};
use sqlx::PgConnection;
use support::*;

const INVALID_ROWS_SQL: &str = "
INSERT INTO users (id, email) VALUES ('not-a-uuid', 'bad@example.com'), ('12345', 'short@example.com');
INSERT INTO journal_entries (user_id, amount, note) VALUES ('not-a-uuid', 1, 'bad'), ('12345', 2, NULL), ('12345', 3, 'x');";

/// What Postgres's uuid input accepts, for the fixture's shapes (hyphens optional).
const UUID_RE: &str = r"'^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$'";

fn quarantine_sql(users_projection: &str) -> String {
    format!(
        "CREATE SCHEMA migration_quarantine;
CREATE TABLE migration_quarantine.journal_entries AS
    SELECT j.*, 'references an invalid uuid'::text AS reason FROM journal_entries AS j WHERE j.user_id !~ {UUID_RE};
CREATE TABLE migration_quarantine.users AS
    SELECT {users_projection}, 'invalid uuid'::text AS reason FROM users AS u WHERE u.id !~ {UUID_RE};
DELETE FROM journal_entries WHERE user_id !~ {UUID_RE};
DELETE FROM users WHERE id !~ {UUID_RE};
{UP_SQL}"
    )
}

/// The ground truth: every row whose key (or reference) is not a uuid.
async fn expected_set_aside(before: &mut PgConnection) -> Vec<SetAside> {
    let sql = format!(
        "SELECT 'public.users' AS t, id AS k FROM users WHERE id !~ {UUID_RE}
         UNION ALL SELECT 'public.journal_entries', id::text FROM journal_entries WHERE user_id !~ {UUID_RE}"
    );
    let rows: Vec<(String, String)> = sqlx::query_as(&sql).fetch_all(before).await.unwrap();
    rows.into_iter().map(|(table, key)| SetAside { table, key, action: "quarantined".into(), reason: None }).collect()
}

#[tokio::test]
async fn quarantining_uncastable_rows_conserves_them_and_scores_exactly() {
    let server = server().await;
    let template = seeded_template(&server, INVALID_ROWS_SQL).await;
    let scope = scope();
    let (b, a) = (template.clone_database().await.unwrap().keep_on_panic(), template.clone_database().await.unwrap().keep_on_panic());
    let (mut before, mut after) = (connect(&b).await, connect(&a).await);
    apply(&mut after, "up.sql", &quarantine_sql("u.*")).await;

    let expected = expected_set_aside(&mut before).await;
    let invalid_users = expected.iter().filter(|s| s.table == "public.users").count() as i64;
    assert!(invalid_users > 0 && expected.len() as i64 > invalid_users);
    let (conserved, counts) = check_conservation(&mut before, &mut after, &scope).await;
    assert_pass(&conserved);
    let users = counts.iter().find(|c| c.table == "public.users").unwrap();
    assert_eq!(users.quarantined, invalid_users);
    assert_pass(&run_check(CheckKind::Content, &mut before, &mut after, &scope, &[]).await);

    let actual = quarantined(&mut before, &mut after, &scope).await;
    assert_eq!(actual.len(), expected.len());
    assert_pass(&anomalies::score(Some(&expected), &actual));
    let reasons = anomalies::by_reason(&actual);
    assert_eq!(reasons.get("invalid uuid").copied(), Some(invalid_users as u64));
}

#[tokio::test]
async fn uncastable_rows_not_quarantined_or_altered_in_quarantine_are_caught() {
    let server = server().await;
    let template = seeded_template(&server, INVALID_ROWS_SQL).await;
    let scope = scope();

    // "Fixes" invalid users with fresh uuids instead of quarantining them.
    let fixing = format!(
        "CREATE SCHEMA migration_quarantine;
CREATE TABLE migration_quarantine.journal_entries AS SELECT j.* FROM journal_entries AS j WHERE j.user_id !~ {UUID_RE};
DELETE FROM journal_entries WHERE user_id !~ {UUID_RE};
UPDATE users SET id = gen_random_uuid()::text WHERE id !~ {UUID_RE};
{UP_SQL}"
    );
    let (b, a) = (template.clone_database().await.unwrap().keep_on_panic(), template.clone_database().await.unwrap().keep_on_panic());
    let (mut before, mut after) = (connect(&b).await, connect(&a).await);
    apply(&mut after, "up.sql", &fixing).await;
    let expected = expected_set_aside(&mut before).await;
    let invalid_users = expected.iter().filter(|s| s.table == "public.users").count() as u64;
    let (conserved, _) = check_conservation(&mut before, &mut after, &scope).await;
    assert_pass(&conserved);
    let checked = run_check(CheckKind::Content, &mut before, &mut after, &scope, &[]).await;
    let f = finding(&checked, CheckKind::Content, "cannot be cast");
    assert_eq!((f.table.as_deref(), f.count), (Some("public.users"), invalid_users));
    assert!(f.examples.iter().all(|e| e.key.starts_with('!')), "{:?}", f.examples);
    assert_eq!(finding(&checked, CheckKind::Content, "appeared").count, invalid_users);
    let actual = quarantined(&mut before, &mut after, &scope).await;
    let scored = anomalies::score(Some(&expected), &actual);
    assert_eq!(finding(&scored, CheckKind::Anomalies, "misses").count, invalid_users);

    // Quarantines the right rows but not as they were.
    let (b, a) = (template.clone_database().await.unwrap().keep_on_panic(), template.clone_database().await.unwrap().keep_on_panic());
    let (mut before, mut after) = (connect(&b).await, connect(&a).await);
    apply(&mut after, "up.sql", &quarantine_sql("u.id, upper(u.email) AS email, u.created_at")).await;
    let checked = run_check(CheckKind::Content, &mut before, &mut after, &scope, &[]).await;
    let f = finding(&checked, CheckKind::Content, "quarantined rows do not hold");
    assert_eq!(f.count, invalid_users);
    assert_eq!(f.examples[0].column.as_deref(), Some("email"), "{:?}", f.examples[0]);
}
