//! `status`: exactly where a run stands, from the log and the catalog.

use serde::Serialize;
use sqlx::PgConnection;

use super::bookkeeping;
use super::error::EngineError;
use super::log::{self, LogRow};
use super::rollback::is_swapped;
use super::run_lock::LOCK_KEY;

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The open run, if any.
    pub run: Option<i64>,
    /// One sentence on where things stand, for people.
    pub summary: String,
    /// Whether another session holds the migration lock right now.
    pub locked_by_a_run: bool,
    /// Whether the original columns carry their `__pgr_old` names (the swap is done).
    pub swapped: bool,
    pub steps: Vec<LogRow>,
    pub tables: Vec<TableProgress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableProgress {
    pub table: String,
    pub batches: i32,
    pub rows_converted: i64,
    pub checkpoint: Vec<String>,
}

pub async fn read(conn: &mut PgConnection) -> Result<Status, EngineError> {
    let lock_sql = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                    AND ((classid::bigint << 32) | objid::bigint) = $1 AND pid <> pg_backend_pid())";
    let locked_by_a_run: bool = sqlx::query_scalar(lock_sql).bind(LOCK_KEY).fetch_one(&mut *conn).await.map_err(EngineError::query(lock_sql))?;
    let Some((run, plan)) = bookkeeping::open_run(conn).await? else {
        if let Some(run) = bookkeeping::completed_run(conn).await? {
            let summary = bookkeeping::completed_note(run);
            return Ok(Status { run: None, summary, locked_by_a_run, swapped: false, steps: log::steps(conn, run).await?, tables: vec![] });
        }
        let summary = if bookkeeping::exists(conn).await? {
            "no migration run is open: nothing is in progress (the engine schema from an earlier run remains)"
        } else {
            "no migration run is open: nothing is in progress and no engine bookkeeping is in the database"
        };
        return Ok(Status { run: None, summary: summary.into(), locked_by_a_run, swapped: false, steps: vec![], tables: vec![] });
    };
    let mut tables = Vec::new();
    for table in &plan.tables {
        if let Some((batches, checkpoint, rows_converted)) = log::last_batch(conn, run, &table.label()).await? {
            tables.push(TableProgress { table: table.label(), batches, rows_converted, checkpoint });
        }
    }
    let steps = log::steps(conn, run).await?;
    let last = steps.iter().rev().find(|s| s.status == "completed").map(|s| s.step.as_str()).unwrap_or("none");
    let summary = format!("run {run} is open (last completed step: {last}); roll it back or finish it");
    Ok(Status { run: Some(run), summary, locked_by_a_run, swapped: is_swapped(conn, &plan).await?, steps, tables })
}
