//! The data is classified once, at `backup`, and `convert` re-checks only the rows written
//! since: application writes between the two steps (a case twin of an existing key, an
//! invalid key, a new orphan, a deleted invalid row, an orphan repaired) are all judged by
//! the data as it is when the policies are applied. What to expect is computed from that
//! data with `::uuid` as the oracle.

mod engine_support;

use std::collections::BTreeSet;

use engine_support::{fixture, options, snapshot, step};
use pgrehearse::engine::{Outcome, RowFindingKind, Step};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::vocabulary::{Policies, Policy};
use sqlx::{Executor, PgConnection};

async fn strings(conn: &mut PgConnection, sql: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql).fetch_all(conn).await.unwrap().into_iter().collect()
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
}

#[tokio::test]
async fn rows_written_between_backup_and_convert_are_classified_again() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    fixture::create(&mut conn, 300).await;
    let opts = options(Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine }, 50);
    assert_eq!(step(&db, &opts, Step::Backup).await.outcome, Outcome::Completed);
    let per_table = count(&mut conn, "SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = 'classify-table'").await;
    assert_eq!(per_table, snapshot::TABLES.len() as i64, "one classification per planned table");

    // The application writes after the classification.
    let canonical: String = sqlx::query_scalar("SELECT id FROM users WHERE id::text ~ '^[0-9a-f-]{36}$' AND id NOT IN (SELECT lower(id) FROM users WHERE id <> lower(id)) ORDER BY email LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let gone: String = sqlx::query_scalar("SELECT id FROM users WHERE NOT oracle_is_uuid(id) AND id NOT IN (SELECT actor_id FROM audit_events WHERE actor_id IS NOT NULL) ORDER BY email LIMIT 1").fetch_one(&mut conn).await.unwrap();
    let repaired: i32 = sqlx::query_scalar("SELECT min(id) FROM reminders WHERE note = 'orphan'").fetch_one(&mut conn).await.unwrap();
    // Changes on the parent side only: a user whose reminders then point at nobody, one
    // whose reminders do so too though one of them names it in another case (matched by
    // value, not text), and a new user, in upper case, for a reminder that was an orphan.
    let parent_of = |extra: &str| {
        format!(
            "SELECT id FROM users u WHERE id ~ '^[0-9a-f-]{{36}}$' AND id <> '{canonical}' AND id NOT IN (SELECT lower(id) FROM users WHERE id <> lower(id))
               {extra} ORDER BY email LIMIT 1"
        )
    };
    let abandoned: String = sqlx::query_scalar(&parent_of("AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.user_id = upper(u.id))")).fetch_one(&mut conn).await.unwrap();
    let named_otherwise: String = sqlx::query_scalar(&parent_of("AND EXISTS (SELECT 1 FROM reminders r WHERE r.user_id = upper(u.id))")).fetch_one(&mut conn).await.unwrap();
    let adopted: String = sqlx::query_scalar("SELECT user_id FROM reminders WHERE note = 'orphan' AND id <> $1 ORDER BY id LIMIT 1").bind(repaired).fetch_one(&mut conn).await.unwrap();
    for gone_parent in [&abandoned, &named_otherwise] {
        let delete = format!("DELETE FROM entry_tags WHERE user_id = '{gone_parent}'; DELETE FROM audit_events WHERE actor_id = '{gone_parent}'; DELETE FROM users WHERE id = '{gone_parent}'");
        conn.execute(delete.as_str()).await.unwrap();
    }
    conn.execute(format!("INSERT INTO users (id, email) VALUES (upper('{adopted}'), 'adoptive@example.com')").as_str()).await.unwrap();
    conn.execute(
        format!(
            "INSERT INTO users (id, email) VALUES (upper('{canonical}'), 'late-twin@example.com'), ('late-invalid', 'late-invalid@example.com');
             INSERT INTO reminders (user_id, note) VALUES ('{orphan}', 'late orphan');
             DELETE FROM entry_tags WHERE (user_id, entry_id) IN (SELECT user_id, id FROM journal_entries WHERE user_id = '{gone}');
             DELETE FROM users WHERE id = '{gone}';
             UPDATE reminders SET user_id = '{canonical}' WHERE id = {repaired};",
            orphan = uuid::Uuid::from_u128(0xdead_0000_0000_0000_0000_0000_0000_beef).hyphenated(),
        )
        .as_str(),
    )
    .await
    .unwrap();

    // What the data says now.
    let invalid: BTreeSet<String> = fixture::invalid_user_ids(&mut conn).await.into_iter().collect();
    let colliding: BTreeSet<String> = fixture::colliding_user_ids(&mut conn).await.into_iter().collect();
    let orphans: BTreeSet<String> = fixture::orphan_reminder_ids(&mut conn).await.into_iter().map(|i| i.to_string()).collect();
    assert!(invalid.contains("late-invalid") && !invalid.contains(&gone));
    assert!(colliding.contains(&canonical) && colliding.contains(&canonical.to_uppercase()));
    assert!(!orphans.contains(&repaired.to_string()) && !orphans.is_empty());
    let reminders_of = |user: &str| format!("SELECT id::text FROM reminders WHERE lower(user_id) = lower('{user}')");
    let abandoned_reminders = strings(&mut conn, &reminders_of(&abandoned)).await;
    let otherwise_reminders = strings(&mut conn, &reminders_of(&named_otherwise)).await;
    assert!(!abandoned_reminders.is_empty() && otherwise_reminders.len() >= 2, "the parent-side cases have their reminders");
    assert!(abandoned_reminders.is_subset(&orphans) && otherwise_reminders.is_subset(&orphans), "a deleted parent leaves its reminders orphans");
    assert!(strings(&mut conn, &reminders_of(&adopted)).await.is_disjoint(&orphans), "the new parent adopts its reminder");
    let rows_before = snapshot::rows(&mut conn).await;

    let report = step(&db, &opts, Step::Convert).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    let reported = |kind: RowFindingKind, table: &str, key: &str| -> BTreeSet<String> {
        report.findings.iter().filter(|f| f.kind == kind && f.table == table).map(|f| f.pk[key].to_string().trim_matches('"').to_string()).collect()
    };
    assert_eq!(reported(RowFindingKind::Invalid, "public.users", "id"), invalid);
    assert_eq!(reported(RowFindingKind::Collision, "public.users", "id"), colliding);
    assert_eq!(reported(RowFindingKind::Orphan, "public.reminders", "id"), orphans);
    assert_eq!(strings(&mut conn, "SELECT id FROM migration_quarantine.users").await, invalid.union(&colliding).cloned().collect());
    let validated = step(&db, &opts, Step::Validate).await;
    assert!(validated.checks.iter().all(|c| c.ok), "{:#?}", validated.checks);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM pg_trigger WHERE tgname = 'pgr_changed'").await, 0, "the change log ends with the policies");

    assert_eq!(step(&db, &opts, Step::Rollback).await.outcome, Outcome::Completed);
    assert_eq!(snapshot::rows(&mut conn).await, rows_before, "rollback restores the data as the policies found it");
}
