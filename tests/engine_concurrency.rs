//! A second concurrent run is refused; application writes made while `convert` runs
//! (inserts, updates of keys and references, deletes) are all there afterwards, both
//! after the migration and after rolling it back.

mod engine_support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use engine_support::{fixture, options, step};
use pgrehearse::engine::{Engine, EngineError, Outcome, Progress, Step};
use pgrehearse::vocabulary::{Policies};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::{Executor, PgConnection};

#[tokio::test]
async fn a_second_run_is_refused_with_a_clear_message() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    fixture::create(&mut db.connect().await.unwrap(), 50).await;
    let opts = options(Policies::default(), 100);
    let first = Engine::connect(&db.connect_options(), opts.clone(), Step::Convert, Progress::hidden()).await.unwrap();
    let second = Engine::connect(&db.connect_options(), opts.clone(), Step::Backup, Progress::hidden()).await;
    assert!(matches!(second, Err(EngineError::AlreadyRunning { .. })), "second run must be refused");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .args(["migrate", "rollback", "--database-url", &db.url(), "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr.contains("another `pgrehearse migrate` run holds the migration lock"), "{stderr}");
    let status = step(&db, &opts, Step::Status).await.status.unwrap();
    assert!(status.locked_by_a_run);
    drop(first);
    let after = Engine::connect(&db.connect_options(), opts, Step::Backup, Progress::hidden()).await;
    assert!(after.is_ok(), "the lock is released with the run");
}

/// A run that has just ended must not block the next one: the lock goes with the run even
/// though closing a connection is asynchronous on the server side.
#[tokio::test]
async fn the_next_run_starts_right_after_the_previous_one_ends() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    fixture::create(&mut db.connect().await.unwrap(), 20).await;
    let opts = options(Policies::default(), 100);
    let rounds = 40;
    for round in 0..rounds {
        let engine = Engine::connect(&db.connect_options(), opts.clone(), Step::Backup, Progress::hidden()).await;
        assert!(engine.is_ok(), "round {round} of {rounds}: {:?}", engine.err());
        if round % 2 == 0 {
            engine.unwrap().close().await.expect("close the engine");
        } // odd rounds: dropped without closing, as a caller that forgets to close does
    }
}

/// What the writer did, to check afterwards.
#[derive(Default, Debug)]
struct Writes {
    inserted_users: Vec<String>,
    moved_entries: BTreeMap<i64, String>,
    deleted_entries: Vec<i64>,
}

async fn write_while(conn: &mut PgConnection, existing: &[String], running: &AtomicBool) -> Writes {
    let mut w = Writes::default();
    let mut i: usize = 0;
    while running.load(Ordering::Acquire) {
        // Literals, not typed parameters: the same statements are valid before and after
        // the swap, like an application that sends text and lets Postgres coerce it.
        let id = uuid::Uuid::from_u128(0x1234_0000_0000_0000_0000_0000_0000_0000 + i as u128).hyphenated().to_string();
        let target = &existing[(i * 7) % existing.len()];
        let entry = 1 + (i as i64 * 13) % 3000;
        let sql = format!(
            "INSERT INTO users (id, email) VALUES ('{id}', 'writer{i}@example.com');
             INSERT INTO journal_entries (user_id, body) VALUES ('{id}', 'written during convert');
             UPDATE users SET email = email || '+' WHERE id = '{target}';
             UPDATE journal_entries SET user_id = '{target}' WHERE id = {entry};
             DELETE FROM entry_tags WHERE entry_id = {gone};
             DELETE FROM journal_entries WHERE id = {gone};",
            gone = 3001 + i as i64
        );
        conn.execute(sql.as_str()).await.expect("application write during convert");
        w.inserted_users.push(id);
        w.moved_entries.insert(entry, target.clone());
        w.deleted_entries.push(3001 + i as i64);
        i += 1;
    }
    w
}

async fn check_writes(conn: &mut PgConnection, w: &Writes) {
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE id::text = ANY($1)").bind(&w.inserted_users).fetch_one(&mut *conn).await.unwrap();
    assert_eq!(found as usize, w.inserted_users.len(), "every inserted user is there");
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM journal_entries WHERE user_id::text = ANY($1) AND body = 'written during convert'").bind(&w.inserted_users).fetch_one(&mut *conn).await.unwrap();
    assert_eq!(entries as usize, w.inserted_users.len(), "every inserted entry is there");
    for (entry, user) in &w.moved_entries {
        let now: String = sqlx::query_scalar("SELECT user_id::text FROM journal_entries WHERE id = $1").bind(entry).fetch_one(&mut *conn).await.unwrap();
        assert_eq!(&now, user, "entry {entry} keeps its updated reference");
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM journal_entries WHERE id = ANY($1)").bind(&w.deleted_entries).fetch_one(&mut *conn).await.unwrap();
    assert_eq!(left, 0, "deleted entries stay deleted");
}

#[tokio::test]
async fn writes_during_convert_are_not_lost() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(fixture::SCHEMA).await.unwrap();
    conn.execute(
        "INSERT INTO users (id, email) SELECT md5('u' || g)::uuid::text, 'u' || g || '@example.com' FROM generate_series(1, 4000) g;
         INSERT INTO journal_entries (user_id, body) SELECT u.id, 'entry' FROM users u, generate_series(1, 3) ORDER BY u.email;
         INSERT INTO reminders (user_id, note) SELECT id, 'r' FROM users;
         ANALYZE;",
    )
    .await
    .unwrap();
    let existing: Vec<String> = sqlx::query_scalar("SELECT id FROM users ORDER BY email LIMIT 500").fetch_all(&mut conn).await.unwrap();
    let opts = options(Policies::default(), 100);
    assert_eq!(step(&db, &opts, Step::Backup).await.outcome, Outcome::Completed);

    let running = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&running);
    let mut writer_conn = db.connect().await.unwrap();
    let writer = tokio::spawn(async move {
        let writes = write_while(&mut writer_conn, &existing, &flag).await;
        (writes, writer_conn)
    });
    let report = step(&db, &opts, Step::Convert).await;
    running.store(false, Ordering::Release);
    let (writes, _) = writer.await.unwrap();
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert!(writes.inserted_users.len() >= 5, "the writer must have run during convert: {} rounds", writes.inserted_users.len());

    let validated = step(&db, &opts, Step::Validate).await;
    assert!(validated.checks.iter().all(|c| c.ok), "{:#?}", validated.checks);
    check_writes(&mut conn, &writes).await;
    assert_eq!(step(&db, &opts, Step::Rollback).await.outcome, Outcome::Completed);
    check_writes(&mut conn, &writes).await;
}
