//! A crash at a random batch followed by a resume ends exactly like an uninterrupted run,
//! and a rollback afterwards restores the original bytes. Two kinds of crash: SIGKILL of
//! the `pgrehearse migrate` process, and an immediate stop (SIGQUIT) of the server.

mod engine_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use engine_support::{fixture, snapshot};
use pgrehearse::provision::{self, os_user, Database, ProvisionOptions, Template};
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgConnection};

fn migrate(db: &Database, step: &str) -> Command {
    engine_support::migrate_command(db, step, engine_support::convert_method())
}

fn run_to_end(db: &Database, step: &str) {
    engine_support::migrate_to_end(db, step, engine_support::convert_method())
}

async fn batches_logged(db: &Database) -> i64 {
    let Ok(mut conn) = PgConnection::connect_with(&db.connect_options()).await else { return 0 };
    sqlx::query_scalar("SELECT count(*) FROM pgrehearse_engine.migration_log WHERE step = 'convert-batch'").fetch_one(&mut conn).await.unwrap_or(0)
}

/// The crash must land inside `convert`: batches committed, convert not finished.
async fn assert_mid_convert(db: &Database, k: i64) {
    let mut conn = PgConnection::connect_with(&db.connect_options()).await.unwrap();
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pgrehearse_engine.migration_log WHERE step = 'convert' AND status = 'completed')").fetch_one(&mut conn).await.unwrap();
    assert!(!done, "the crash came too late to test a resume");
    assert!(batches_logged(db).await >= k.min(1));
}

/// Waits (with a deadline) until the running engine has committed `k` batches.
async fn wait_for_batches(db: &Database, child: &mut Child, k: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while batches_logged(db).await < k {
        assert!(child.try_wait().unwrap().is_none(), "the engine finished before batch {k}");
        assert!(Instant::now() < deadline, "no batch {k} within the deadline");
        tokio::task::yield_now().await;
    }
}

async fn seeded_template(server: &provision::Server) -> Template<'_> {
    let seeded = server.create_database().await.unwrap().keep_on_panic();
    fixture::create(&mut seeded.connect().await.unwrap(), 1500).await;
    Template::freeze(server, seeded).await.unwrap()
}

/// Resumes `crashed`, then compares it with `reference` (an uninterrupted run), checks no
/// batch was done twice, rolls back and compares with `original_rows`.
async fn resume_and_compare(crashed: &Database, reference: &Database, original_rows: &[String], original_catalog: &[String]) {
    run_to_end(crashed, "full");
    let mut a = crashed.connect().await.unwrap();
    let mut b = reference.connect().await.unwrap();
    assert_eq!(snapshot::catalog(&mut a).await, snapshot::catalog(&mut b).await, "schema after resume");
    assert_eq!(snapshot::rows(&mut a).await, snapshot::rows(&mut b).await, "data after resume");
    let per_table: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT table_name, sum(rows)::bigint, count(*), count(DISTINCT batch) FROM pgrehearse_engine.migration_log WHERE step = 'convert-batch' GROUP BY 1",
    )
    .fetch_all(&mut a)
    .await
    .unwrap();
    assert!(per_table.len() >= 4);
    for (table, rows, batches, distinct) in per_table {
        let live: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&mut a).await.unwrap();
        assert_eq!(rows, live, "{table}: rows converted across both runs equal the rows there (none twice, none missed)");
        assert_eq!(batches, distinct, "{table}: no batch number logged twice");
    }
    run_to_end(crashed, "rollback");
    assert_eq!(snapshot::rows(&mut a).await, original_rows, "rollback after a crash restores the bytes");
    assert_eq!(snapshot::catalog(&mut a).await, original_catalog, "rollback after a crash restores the schema");
}

#[tokio::test]
async fn sigkill_of_the_engine_at_a_random_batch_then_resume_equals_an_uninterrupted_run() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let template = seeded_template(&server).await;
    let reference = template.clone_database().await.unwrap().keep_on_panic();
    run_to_end(&reference, "full");
    let crashed = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = crashed.connect().await.unwrap();
    let (rows, catalog) = (snapshot::rows(&mut conn).await, snapshot::catalog(&mut conn).await);
    let k = rand_chacha::ChaCha8Rng::seed_from_u64(7).gen_range(5..150);
    let mut child = migrate(&crashed, "full").spawn().unwrap();
    wait_for_batches(&crashed, &mut child, k).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_mid_convert(&crashed, k).await;
    let status = migrate(&crashed, "status").stdout(Stdio::piped()).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status["status"]["run"].is_i64(), "status shows the open run: {status}");
    assert!(!status["status"]["tables"].as_array().unwrap().is_empty(), "status shows per-table checkpoints: {status}");
    resume_and_compare(&crashed, &reference, &rows, &catalog).await;

    // And a rollback straight after a crash, without resuming first.
    let crashed = template.clone_database().await.unwrap().keep_on_panic();
    let mut child = migrate(&crashed, "full").spawn().unwrap();
    wait_for_batches(&crashed, &mut child, k / 2 + 1).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_mid_convert(&crashed, 1).await;
    run_to_end(&crashed, "rollback");
    let mut conn = crashed.connect().await.unwrap();
    assert_eq!(snapshot::rows(&mut conn).await, rows, "rollback mid-convert restores the bytes");
    assert_eq!(snapshot::catalog(&mut conn).await, catalog, "rollback mid-convert restores the schema");
}

/// The postmaster's command line and pid, from its data directory.
fn postmaster(data_dir: &str) -> (Vec<String>, i32) {
    let opts = std::fs::read_to_string(format!("{data_dir}/postmaster.opts")).unwrap();
    let args: Vec<String> = opts.trim().split(" \"").map(|a| a.trim_matches('"').to_string()).collect();
    let pid = std::fs::read_to_string(format!("{data_dir}/postmaster.pid")).unwrap().lines().next().unwrap().trim().parse().unwrap();
    (args, pid)
}

#[tokio::test]
async fn immediate_server_stop_at_a_random_batch_then_resume_equals_an_uninterrupted_run() {
    use std::os::unix::process::CommandExt;
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let template = seeded_template(&server).await;
    let reference = template.clone_database().await.unwrap().keep_on_panic();
    run_to_end(&reference, "full");
    let crashed = template.clone_database().await.unwrap().keep_on_panic();
    let mut conn = crashed.connect().await.unwrap();
    let (rows, catalog) = (snapshot::rows(&mut conn).await, snapshot::catalog(&mut conn).await);
    let data_dir: String = sqlx::query_scalar("SHOW data_directory").fetch_one(&mut conn).await.unwrap();
    drop(conn);
    let (args, pid) = postmaster(&data_dir);
    let k = rand_chacha::ChaCha8Rng::seed_from_u64(11).gen_range(5..150);
    let mut child = migrate(&crashed, "full").spawn().unwrap();
    wait_for_batches(&crashed, &mut child, k).await;
    // SAFETY: signalling the postmaster this test's server started.
    unsafe { libc::kill(pid, libc::SIGQUIT) };
    let engine = child.wait().unwrap();
    assert_ne!(engine.code(), Some(0), "the engine must notice the server went away");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::path::Path::new(&format!("{data_dir}/postmaster.pid")).exists() {
        assert!(Instant::now() < deadline, "postmaster did not stop");
        tokio::task::yield_now().await;
    }
    let mut restart = Command::new(&args[0]);
    restart.args(&args[1..]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    if let Some(account) = os_user::resolve(None).unwrap() {
        restart.uid(account.uid).gid(account.gid);
    }
    let _restarted = Restarted(restart.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while PgConnection::connect_with(&crashed.connect_options()).await.is_err() {
        assert!(Instant::now() < deadline, "server did not come back after crash recovery");
        tokio::task::yield_now().await;
    }
    assert_mid_convert(&crashed, 0).await;
    resume_and_compare(&crashed, &reference, &rows, &catalog).await;
}

/// The server this test restarted: stopped when the test ends, pass or fail, before the
/// Server's own teardown removes its directory.
struct Restarted(Child);

impl Drop for Restarted {
    fn drop(&mut self) {
        // SAFETY: our own child process.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGQUIT) };
        let _ = self.0.wait();
    }
}
