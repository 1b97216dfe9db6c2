//! `lock_during_swap`: once the index builds are under way (the engine held in the first
//! one, see `index_hold.rs`), another session takes `ACCESS SHARE` on the root table in an
//! open transaction, which every step before the swap can live with and the swap's
//! `ACCESS EXCLUSIVE` cannot. The engine runs with a short `--lock-timeout-ms` and few
//! `--lock-attempts`: it must time out, retry, and fail with an error, leaving the schema
//! as it was before the swap. Then the lock goes, `migrate full` resumes and is compared.

use std::time::{Duration, Instant};

use sqlx::{Executor, PgConnection};

use super::compare::{differences, summarize};
use super::context::{fail, not_run, Expected, FaultContext, Verdict};
use super::engine_child::Running;
use super::error::FaultError;
use super::index_hold::IndexHold;
use super::resume;
use crate::provision::Database;
use crate::quote::quote_qualified;

const LOCK_TIMEOUT_MS: &str = "100";
const LOCK_ATTEMPTS: &str = "3";

pub async fn run(ctx: &FaultContext<'_>, expected: &Expected) -> Result<Verdict, FaultError> {
    let db = ctx.template.clone_database().await?;
    let result = on(ctx, expected, &db).await;
    ctx.server.drop_database(db).await?;
    result
}

async fn on(ctx: &FaultContext<'_>, expected: &Expected, db: &Database) -> Result<Verdict, FaultError> {
    let root = &ctx.builtin()?.root;
    let (schema, table) = root.table.split_once('.').unwrap_or(("public", &root.table));
    let root_table = quote_qualified(schema, table);
    let engine = ctx.engine(db)?;
    let impatient = engine.clone().with_flags(&["--lock-timeout-ms", LOCK_TIMEOUT_MS, "--lock-attempts", LOCK_ATTEMPTS]);
    let mut hold = IndexHold::take(db).await?;
    let mut running = impatient.spawn("full")?;
    if hold.wait_in_build(&mut running).await?.is_none() {
        hold.release().await?;
        let finished = running.wait().await?;
        return Ok(not_run(format!("`migrate full` ended without building an index ({}): no point before the swap to take the lock at", finished.describe())));
    }
    let mut locker = db.connect().await?;
    let lock = format!("BEGIN; LOCK TABLE {root_table} IN ACCESS SHARE MODE");
    locker.execute(lock.as_str()).await.map_err(FaultError::query(format!("run `{lock}`")))?;
    let mut watcher = hold.release().await?;
    if !waits_for_exclusive(&mut watcher, &mut running, &root_table).await? {
        let finished = running.wait().await?;
        let _ = locker.execute("ROLLBACK").await;
        return Ok(fail(format!("with ACCESS SHARE held on {root_table}, the engine never asked for the swap's ACCESS EXCLUSIVE lock ({})", finished.describe())));
    }
    let before_swap = ctx.migrated_state(&mut watcher).await?;
    let refused = running.wait().await?;
    let after = ctx.migrated_state(&mut watcher).await?;
    locker.execute("ROLLBACK").await.map_err(FaultError::query("release the lock on the root table"))?;
    if refused.succeeded() {
        return Ok(fail(format!("`migrate full` exited 0 although another session held ACCESS SHARE on {root_table} throughout the swap")));
    }
    let half = differences(&before_swap, &after);
    if !half.is_empty() {
        return Ok(fail(format!("the engine gave up the swap ({}) but the schema is not as before the swap: {}", refused.describe(), summarize(&half))));
    }
    let what = format!(
        "another session held ACCESS SHARE on {root_table}; with lock_timeout {LOCK_TIMEOUT_MS} ms and {LOCK_ATTEMPTS} attempts the engine failed cleanly ({}), the schema and data as before the swap",
        refused.describe()
    );
    resume::full_then_rollback(ctx, expected, db, &engine, &what).await
}

/// Waits until a session of the engine waits for ACCESS EXCLUSIVE on the root table;
/// `false` when the engine exited first.
async fn waits_for_exclusive(watcher: &mut PgConnection, engine: &mut Running, root_table: &str) -> Result<bool, FaultError> {
    let sql = "SELECT count(*) FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND relation = $1::regclass AND mode = 'AccessExclusiveLock' AND NOT granted";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n: i64 = sqlx::query_scalar(sql).bind(root_table).fetch_one(&mut *watcher).await.map_err(FaultError::query("see whether the swap waits for its lock"))?;
        if n > 0 {
            return Ok(true);
        }
        if engine.has_exited() || Instant::now() > deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
