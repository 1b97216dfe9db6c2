//! The `migration_log` table: one row per step and per batch, with status, times, rows,
//! the checkpoint key, the time an exclusive lock was held, and a message.

use std::time::Duration;

use serde::Serialize;
use sqlx::PgConnection;

use crate::vocabulary::Batch;

use super::error::EngineError;

/// What one finished step or batch records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogRecord {
    pub rows: Option<i64>,
    pub checkpoint: Option<Vec<String>>,
    pub lock_held_ms: Option<f64>,
    pub message: Option<String>,
}

/// Starts a step: a `running` row, whose id [`finish`] completes.
pub async fn start(conn: &mut PgConnection, run: i64, step: &str, table: Option<&str>) -> Result<i64, EngineError> {
    let sql = "INSERT INTO pgrehearse_engine.migration_log (run, step, table_name, status) VALUES ($1, $2, $3, 'running') RETURNING id";
    sqlx::query_scalar(sql).bind(run).bind(step).bind(table).fetch_one(conn).await.map_err(EngineError::query(sql))
}

pub async fn finish(conn: &mut PgConnection, id: i64, status: &str, record: &LogRecord) -> Result<(), EngineError> {
    let sql = "UPDATE pgrehearse_engine.migration_log SET status = $2, finished_at = clock_timestamp(), rows = $3,
               checkpoint = $4, lock_held_ms = $5, message = $6 WHERE id = $1";
    sqlx::query(sql)
        .bind(id)
        .bind(status)
        .bind(record.rows)
        .bind(&record.checkpoint)
        .bind(record.lock_held_ms)
        .bind(&record.message)
        .execute(conn)
        .await
        .map_err(EngineError::query(sql))?;
    Ok(())
}

/// Records a completed step in one go (for steps that are a single transaction, call it
/// inside that transaction so the record commits with the work).
pub async fn record(conn: &mut PgConnection, run: i64, step: &str, table: Option<&str>, record: &LogRecord) -> Result<(), EngineError> {
    let id = start(conn, run, step, table).await?;
    finish(conn, id, "completed", record).await
}

/// Records a committed batch; called inside the batch's transaction.
pub async fn record_batch(conn: &mut PgConnection, run: i64, table: &str, batch: i32, rows: i64, checkpoint: &[String], started: chrono::DateTime<chrono::Utc>) -> Result<(), EngineError> {
    let sql = record_batch_with("SELECT $1::text[]", 2);
    sqlx::query(&sql)
        .bind(checkpoint)
        .bind(run)
        .bind(table)
        .bind(batch)
        .bind(rows)
        .bind(started)
        .execute(conn)
        .await
        .map_err(EngineError::query(&sql))?;
    Ok(())
}

/// `next`, a statement that returns a batch's next checkpoint (NULL after the last batch),
/// made to also record the batch, its `convert-batch` row of the log, when there is a
/// checkpoint: a copy's chunk then takes one round trip for both, and [`record_batch`]
/// writes the same row. The record's values are bound from `$first`: the
/// run, the table, the batch number, its rows and when it started.
pub fn record_batch_with(next: &str, first: usize) -> String {
    let p = |i: usize| format!("${}", first + i);
    format!(
        "WITH next(checkpoint) AS ({next}),
              logged AS (INSERT INTO pgrehearse_engine.migration_log (run, step, table_name, batch, status, started_at, finished_at, rows, checkpoint)
                         SELECT {run}::bigint, 'convert-batch', {table}::text, {batch}::int, 'completed', {started}::timestamptz, clock_timestamp(), {rows}::bigint, n.checkpoint
                         FROM next n WHERE n.checkpoint IS NOT NULL)
         SELECT checkpoint FROM next",
        run = p(0),
        table = p(1),
        batch = p(2),
        rows = p(3),
        started = p(4),
    )
}

/// Whether `step` (optionally for one table) has a completed row in this run.
pub async fn is_completed(conn: &mut PgConnection, run: i64, step: &str, table: Option<&str>) -> Result<bool, EngineError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pgrehearse_engine.migration_log WHERE run = $1 AND step = $2
               AND table_name IS NOT DISTINCT FROM $3 AND status = 'completed')";
    sqlx::query_scalar(sql).bind(run).bind(step).bind(table).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// The last committed batch of a table: (batch number, checkpoint key, rows so far).
pub async fn last_batch(conn: &mut PgConnection, run: i64, table: &str) -> Result<Option<(i32, Vec<String>, i64)>, EngineError> {
    let sql = "SELECT batch, checkpoint, sum(rows) OVER ()::bigint FROM pgrehearse_engine.migration_log
               WHERE run = $1 AND step = 'convert-batch' AND table_name = $2 ORDER BY batch DESC LIMIT 1";
    sqlx::query_as(sql).bind(run).bind(table).fetch_optional(conn).await.map_err(EngineError::query(sql))
}

/// Forgets every committed batch of `table` in `run`, so its copy starts again from the
/// beginning (in the caller's transaction, with what undoes the batches' work).
pub async fn forget_batches(conn: &mut PgConnection, run: i64, table: &str) -> Result<(), EngineError> {
    let sql = "DELETE FROM pgrehearse_engine.migration_log WHERE run = $1 AND step = 'convert-batch' AND table_name = $2";
    sqlx::query(sql).bind(run).bind(table).execute(conn).await.map_err(EngineError::query(sql))?;
    Ok(())
}

/// One row of the log, as `status` shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LogRow {
    pub step: String,
    pub table_name: Option<String>,
    pub batch: Option<i32>,
    pub status: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub rows: Option<i64>,
    pub checkpoint: Option<Vec<String>>,
    pub lock_held_ms: Option<f64>,
    pub message: Option<String>,
}

/// The run's log without the per-batch rows (those are summarised per table).
pub async fn steps(conn: &mut PgConnection, run: i64) -> Result<Vec<LogRow>, EngineError> {
    let sql = "SELECT step, table_name, batch, status, started_at, finished_at, rows, checkpoint, lock_held_ms, message
               FROM pgrehearse_engine.migration_log WHERE run = $1 AND step <> 'convert-batch' ORDER BY id";
    sqlx::query_as(sql).bind(run).fetch_all(conn).await.map_err(EngineError::query(sql))
}

/// Every committed batch of the open bookkeeping, in commit order, for the report's
/// chart; empty when the engine left no log (nothing was converted).
pub async fn committed_batches(conn: &mut PgConnection) -> Result<Vec<Batch>, EngineError> {
    if !super::bookkeeping::exists(conn).await? {
        return Ok(Vec::new());
    }
    let sql = "SELECT rows, extract(epoch FROM finished_at - started_at)::float8 AS seconds
                 FROM pgrehearse_engine.migration_log WHERE step = 'convert-batch' ORDER BY id";
    let rows: Vec<(Option<i64>, Option<f64>)> = sqlx::query_as(sql).fetch_all(conn).await.map_err(EngineError::query(sql))?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, (rows, seconds))| Batch {
            index: i as u64 + 1,
            rows: rows.unwrap_or(0) as u64,
            duration: Duration::from_secs_f64(seconds.unwrap_or(0.0).max(0.0)),
        })
        .collect())
}
