//! The rebuild killed (SIGKILL) in each of its phases: during the chunked copy, while an
//! index is being built on the new table, and during the catch-up of the application's
//! writes. Each time the run resumes and ends exactly like an uninterrupted run with the
//! same writes, and a rollback afterwards gives back the original schema and the
//! original rows plus the application's writes, byte for byte.
//!
//! The kill lands in a phase deterministically: the test holds a lock that only that
//! phase needs (a table lock on the new `users` table stops its index build; a row lock
//! on a change-log row stops the catch-up's removal of it, a lock on the original of the
//! table copied last stops the copy after the other tables' chunks committed) and kills
//! the engine once it waits for it.

mod engine_support;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use engine_support::{fixture, snapshot};
use pgrehearse::engine::ConvertMethod;
use pgrehearse::provision::{self, Database, ProvisionOptions, Template};
use sqlx::{Connection, Executor, PgConnection};

fn migrate(db: &Database, step: &str) -> Command {
    engine_support::migrate_command(db, step, ConvertMethod::Rebuild)
}

fn run_to_end(db: &Database, step: &str) {
    engine_support::migrate_to_end(db, step, ConvertMethod::Rebuild)
}

/// The application's writes, made while the rebuild copies: new users with entries, an
/// email changed, entries moved to another user (cascading to their tags), entries and
/// their tags deleted. Only clean rows are touched (ids of users `u<g>` with g ending in
/// 4 are canonical and collide with nothing), so the policies treat them alike wherever
/// the writes land.
const WRITES: &str = "
INSERT INTO users (id, email) SELECT md5('w' || g)::uuid::text, 'w' || g || '@example.com' FROM generate_series(1, 30) g;
INSERT INTO journal_entries (user_id, body) SELECT id, 'written during the rebuild' FROM users WHERE email LIKE 'w%@example.com' ORDER BY email;
UPDATE users SET email = 'changed-' || email WHERE email IN ('u4@example.com', 'u14@example.com', 'u1004@example.com');
UPDATE journal_entries SET user_id = (SELECT id FROM users WHERE email = 'u54@example.com')
 WHERE user_id = (SELECT id FROM users WHERE email = 'u64@example.com');
DELETE FROM entry_tags WHERE user_id = (SELECT id FROM users WHERE email = 'u1404@example.com');
DELETE FROM journal_entries WHERE user_id = (SELECT id FROM users WHERE email = 'u1404@example.com');";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Copy,
    IndexBuild,
    CatchUp,
}

async fn connect(db: &Database) -> PgConnection {
    PgConnection::connect_with(&db.connect_options()).await.unwrap()
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap_or(0)
}

/// Polls `sql` (a count) until it is at least `at_least`, while the engine still runs.
async fn wait_for(conn: &mut PgConnection, child: &mut Child, sql: &str, at_least: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(conn, sql).await < at_least {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("the engine ended ({status}) before `{sql}` reached {at_least}: {stderr}");
        }
        assert!(Instant::now() < deadline, "`{sql}` did not reach {at_least} within the deadline");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

const PREPARED: &str = "SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = 'rebuild-prepare' AND status = 'completed'";
const CHUNKS: &str = "SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = 'convert-batch'";
/// A session of the engine waiting for a lock the test holds. Only the holder counts: the
/// engine's two sessions may wait a moment on each other (a relation extension lock on
/// the log), which is no sign of the phase.
const WAITING: &str = "SELECT count(*) FROM pg_stat_activity a
    WHERE a.application_name <> 'engine-rebuild-test-holder'
      AND (SELECT h.pid FROM pg_stat_activity h WHERE h.application_name = 'engine-rebuild-test-holder') = ANY (pg_blocking_pids(a.pid))";

/// Runs `migrate full` with the rebuild, makes [`WRITES`] once every new table exists,
/// and, with `kill`, kills the engine inside that phase. Returns after the engine ended
/// (killed, or finished with success).
async fn rehearse(db: &Database, kill: Option<Phase>) {
    let mut watcher = connect(db).await;
    let mut holder = PgConnection::connect_with(&db.connect_options().application_name("engine-rebuild-test-holder")).await.unwrap();
    let mut child = migrate(db, "full").spawn().unwrap();
    wait_for(&mut watcher, &mut child, PREPARED, snapshot::TABLES.len() as i64).await;
    watcher.execute(WRITES).await.expect("the application's writes");
    let mut held = holder.begin().await.unwrap();
    match kill {
        None => {}
        Some(Phase::Copy) => {
            // The smallest table is copied last (largest first): holding its original
            // stops its first chunk, while the other tables' chunks commit. Counting
            // chunks alone raced a fast copy on a loaded machine.
            held.execute("LOCK TABLE public.audit_events IN ACCESS EXCLUSIVE MODE").await.unwrap();
            wait_for(&mut watcher, &mut child, CHUNKS, 10).await;
            wait_for(&mut watcher, &mut child, WAITING, 1).await;
        }
        Some(Phase::IndexBuild) => {
            // Writing rows is compatible with ROW EXCLUSIVE; building an index is not.
            held.execute("LOCK TABLE public.pgr_new_0 IN ROW EXCLUSIVE MODE").await.unwrap();
            wait_for(&mut watcher, &mut child, WAITING, 1).await;
        }
        Some(Phase::CatchUp) => {
            let row: i64 = sqlx::query_scalar(
                "SELECT id FROM pgrehearse_engine.rebuild_change WHERE table_name = 'public.users' AND direction = 'forward' ORDER BY id LIMIT 1 FOR UPDATE",
            )
            .fetch_one(&mut *held)
            .await
            .expect("the writes are in the change log");
            assert!(row > 0);
            wait_for(&mut watcher, &mut child, WAITING, 1).await;
        }
    }
    if kill.is_some() {
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    } else {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "uninterrupted run: {}", String::from_utf8_lossy(&output.stderr));
    }
    held.rollback().await.unwrap();
    if let Some(phase) = kill {
        assert_landed_in(&mut watcher, phase).await;
    }
}

/// The kill came inside `phase`: its log row is there and not completed, and the swap
/// has not happened.
async fn assert_landed_in(conn: &mut PgConnection, phase: Phase) {
    let step = match phase {
        Phase::Copy => "rebuild-copy",
        Phase::IndexBuild => "rebuild-index",
        Phase::CatchUp => "rebuild-catch-up",
    };
    let running = count(conn, &format!("SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = '{step}' AND status = 'running'")).await;
    assert!(running >= 1, "{phase:?}: the kill came outside the phase");
    let swapped = count(conn, "SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = 'swap'").await;
    assert_eq!(swapped, 0, "{phase:?}: the kill came after the swap");
    if phase == Phase::Copy {
        let copied = count(conn, "SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = 'rebuild-copy' AND status = 'completed'").await;
        assert!(copied < snapshot::TABLES.len() as i64, "the copy had finished");
    }
}

async fn seeded_template(server: &provision::Server) -> Template<'_> {
    let seeded = server.create_database().await.unwrap().keep_on_panic();
    fixture::create(&mut seeded.connect().await.unwrap(), 1500).await;
    Template::freeze(server, seeded).await.unwrap()
}

#[tokio::test]
async fn sigkill_in_copy_index_build_and_catch_up_then_resume_equals_an_uninterrupted_run_and_rollback_restores() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let template = seeded_template(&server).await;

    // The oracle for after a rollback: the original database with the writes applied.
    let written = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = connect(&written).await;
    let original_catalog = snapshot::catalog(&mut conn).await;
    conn.execute(WRITES).await.unwrap();
    let written_rows = snapshot::rows(&mut conn).await;
    drop(conn);

    let reference = template.clone_database().await.unwrap().keep_on_panic();
    rehearse(&reference, None).await;
    let mut reference_conn = connect(&reference).await;
    let (reference_rows, reference_catalog) = (snapshot::rows(&mut reference_conn).await, snapshot::catalog(&mut reference_conn).await);
    assert_ne!(reference_catalog, original_catalog, "the uninterrupted run converted the columns");

    for phase in [Phase::Copy, Phase::IndexBuild, Phase::CatchUp] {
        let crashed = template.clone_database().await.unwrap().keep_on_panic();
        rehearse(&crashed, Some(phase)).await;
        run_to_end(&crashed, "full");
        let mut conn = connect(&crashed).await;
        assert_eq!(snapshot::catalog(&mut conn).await, reference_catalog, "{phase:?}: schema after the resume");
        assert_eq!(snapshot::rows(&mut conn).await, reference_rows, "{phase:?}: data after the resume");
        let chunks: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT table_name, sum(rows)::bigint, count(*), count(DISTINCT batch) FROM pgrehearse_engine.migration_log WHERE step = 'convert-batch' GROUP BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(chunks.len(), snapshot::TABLES.len(), "{phase:?}: every table was copied in chunks");
        for (table, _, logged, distinct) in chunks {
            assert_eq!(logged, distinct, "{phase:?}: {table}: no chunk committed twice");
        }
        run_to_end(&crashed, "rollback");
        assert_eq!(snapshot::catalog(&mut conn).await, original_catalog, "{phase:?}: rollback restores the schema");
        assert_eq!(snapshot::rows(&mut conn).await, written_rows, "{phase:?}: rollback restores the rows, the application's writes included");
    }
    run_to_end(&reference, "rollback");
    assert_eq!(snapshot::catalog(&mut reference_conn).await, original_catalog, "rollback of the uninterrupted run restores the schema");
    assert_eq!(snapshot::rows(&mut reference_conn).await, written_rows, "rollback of the uninterrupted run restores the rows");
}
