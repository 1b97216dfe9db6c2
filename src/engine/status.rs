//! `status`: exactly where a run stands, from the log and the catalog: one row per step
//! (its state, rows done and left, the last batch, the lock it held), the tables being
//! converted, the locks an engine session holds right now, and what to do next.

use serde::Serialize;
use sqlx::PgConnection;

use super::bookkeeping;
use super::error::EngineError;
use super::log::{self, LogRow};
use super::plan::Plan;
use super::rollback::is_swapped;
use super::run_lock::LOCK_KEY;

/// Where the migration stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    /// No run is open and none completed (never started, or rolled back).
    NotStarted,
    /// A run is open: some steps are done, some not.
    InProgress,
    /// `cleanup` completed the last run.
    Complete,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub state: RunState,
    /// The open run, if any.
    pub run: Option<i64>,
    /// One sentence on where things stand and what to do next, for people.
    pub summary: String,
    /// Whether another session holds the migration lock right now.
    pub locked_by_a_run: bool,
    /// Whether the original columns carry their `__pgr_old` names (the swap is done).
    pub swapped: bool,
    /// The procedure's steps in order, each with its state.
    pub steps: Vec<StepStatus>,
    /// The tables `convert` fills, with their progress (empty before the first batch).
    pub tables: Vec<TableProgress>,
    /// Locks on the migrated tables held right now by the session running the engine.
    pub locks: Vec<HeldLock>,
}

/// One step of the procedure as `status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StepStatus {
    pub step: &'static str,
    pub state: StepState,
    pub rows_done: Option<i64>,
    pub rows_left: Option<i64>,
    pub last_batch: Option<LastBatch>,
    /// How long the step held ACCESS EXCLUSIVE, in milliseconds (the swap).
    pub access_exclusive_ms: Option<f64>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    NotStarted,
    Running,
    /// Started, not finished, and no engine session is running: a crash or a kill. Running
    /// the same step again resumes it.
    Interrupted,
    Failed,
    Done,
}

impl StepState {
    /// The word `status` prints.
    pub fn label(self) -> &'static str {
        match self {
            StepState::NotStarted => "not started",
            StepState::Running => "running",
            StepState::Interrupted => "interrupted",
            StepState::Failed => "failed",
            StepState::Done => "done",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LastBatch {
    pub table: String,
    pub batch: i32,
    pub rows: i64,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableProgress {
    pub table: String,
    pub batches: i32,
    pub rows_converted: i64,
    /// Rows backed up and neither converted nor quarantined yet (about: writes since the
    /// backup are not counted).
    pub rows_left: Option<i64>,
    pub checkpoint: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HeldLock {
    pub relation: String,
    pub mode: String,
    pub granted: bool,
}

/// The steps `status` lists, with the log step that records each.
const STEPS: [&str; 6] = ["backup", "policies", "convert", "swap", "validate", "cleanup"];

pub async fn read(conn: &mut PgConnection) -> Result<Status, EngineError> {
    let lock_sql = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                    AND ((classid::bigint << 32) | objid::bigint) = $1 AND pid <> pg_backend_pid())";
    let locked_by_a_run: bool = sqlx::query_scalar(lock_sql).bind(LOCK_KEY).fetch_one(&mut *conn).await.map_err(EngineError::query(lock_sql))?;
    if let Some((run, plan)) = bookkeeping::open_run(conn).await? {
        let log = log::steps(conn, run).await?;
        let tables = tables(conn, run, &plan, &log).await?;
        let last = last_batch(conn, run).await?;
        let steps = steps(&log, &tables, last, locked_by_a_run);
        let locks = if locked_by_a_run { locks(conn).await? } else { Vec::new() };
        let swapped = is_swapped(conn, &plan).await?;
        let summary = open_summary(run, &steps, locked_by_a_run);
        return Ok(Status { state: RunState::InProgress, run: Some(run), summary, locked_by_a_run, swapped, steps, tables, locks });
    }
    if let Some(run) = bookkeeping::completed_run(conn).await? {
        let log = log::steps(conn, run).await?;
        let steps = steps(&log, &[], None, locked_by_a_run);
        let summary = bookkeeping::completed_note(run);
        return Ok(Status { state: RunState::Complete, run: None, summary, locked_by_a_run, swapped: true, steps, tables: vec![], locks: vec![] });
    }
    let summary = if bookkeeping::exists(conn).await? {
        "nothing has run: nothing is in progress (the engine schema of an earlier run remains); start with `pgrehearse migrate full --dry-run`"
    } else {
        "nothing has run: nothing is in progress and no engine bookkeeping is in the database; start with `pgrehearse migrate full --dry-run`"
    };
    let steps = steps(&[], &[], None, false);
    Ok(Status { state: RunState::NotStarted, run: None, summary: summary.into(), locked_by_a_run, swapped: false, steps, tables: vec![], locks: vec![] })
}

/// Per table: batches and rows so far, and what is left of the rows backed up.
async fn tables(conn: &mut PgConnection, run: i64, plan: &Plan, log: &[LogRow]) -> Result<Vec<TableProgress>, EngineError> {
    let mut tables = Vec::new();
    for table in &plan.tables {
        let label = table.label();
        let backed_up = log.iter().find(|l| l.step == "backup-table" && l.table_name.as_deref() == Some(label.as_str()) && l.status == "completed").and_then(|l| l.rows);
        let (batches, checkpoint, rows_converted) = log::last_batch(conn, run, &label).await?.unwrap_or((0, Vec::new(), 0));
        let converted = log.iter().any(|l| l.step == "convert" && l.table_name.is_none() && l.status == "completed");
        let rows_left = match backed_up {
            _ if converted => Some(0),
            Some(rows) => Some((rows - rows_converted - quarantined(conn, run, &label).await?).max(0)),
            None => None,
        };
        tables.push(TableProgress { table: label, batches, rows_converted, rows_left, checkpoint });
    }
    Ok(tables)
}

/// Rows of `table` the policies moved to the quarantine (they are not converted).
async fn quarantined(conn: &mut PgConnection, run: i64, table: &str) -> Result<i64, EngineError> {
    let sql = "SELECT count(DISTINCT pk) FROM pgrehearse_engine.quarantine_reason WHERE run = $1 AND table_name = $2 AND action = 'quarantine'";
    sqlx::query_scalar(sql).bind(run).bind(table).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// The state of each step in [`STEPS`], from its last log row.
fn steps(log: &[LogRow], tables: &[TableProgress], last: Option<LastBatch>, engine_running: bool) -> Vec<StepStatus> {
    STEPS
        .iter()
        .map(|&step| {
            let row = log.iter().rev().find(|l| l.step == step && l.table_name.is_none());
            let mut state = match row.map(|r| r.status.as_str()) {
                Some("completed") => StepState::Done,
                Some("failed") => StepState::Failed,
                Some(_) => StepState::Running,
                None => StepState::NotStarted,
            };
            let mut status = StepStatus { step, state, rows_done: row.and_then(|r| r.rows), rows_left: None, last_batch: None, access_exclusive_ms: None, message: row.and_then(|r| r.message.clone()) };
            match step {
                "backup" => status.rows_done = sum(log.iter().filter(|l| l.step == "backup-table").filter_map(|l| l.rows)),
                "convert" if state != StepState::Done && tables.iter().any(|t| t.batches > 0) => {
                    state = StepState::Running;
                    status.rows_done = Some(tables.iter().map(|t| t.rows_converted).sum());
                    status.rows_left = sum(tables.iter().filter_map(|t| t.rows_left));
                }
                "convert" if state == StepState::Done => status.rows_done = Some(tables.iter().map(|t| t.rows_converted).sum()).filter(|_| !tables.is_empty()),
                "swap" => status.access_exclusive_ms = row.and_then(|r| r.lock_held_ms),
                // The log counts validate's checks, not rows; its message says how many failed.
                "validate" => status.rows_done = None,
                _ => {}
            }
            if state == StepState::Running && !engine_running {
                state = StepState::Interrupted;
            }
            status.state = state;
            status.last_batch = if step == "convert" { last.clone() } else { None };
            status
        })
        .collect()
}

fn sum(values: impl Iterator<Item = i64>) -> Option<i64> {
    values.reduce(|a, b| a + b)
}

/// The batch that committed last, in any table.
async fn last_batch(conn: &mut PgConnection, run: i64) -> Result<Option<LastBatch>, EngineError> {
    let sql = "SELECT table_name AS table, batch, rows, finished_at FROM pgrehearse_engine.migration_log
               WHERE run = $1 AND step = 'convert-batch' ORDER BY id DESC LIMIT 1";
    sqlx::query_as(sql).bind(run).fetch_optional(conn).await.map_err(EngineError::query(sql))
}

/// The relation locks held by the session holding the migration lock.
async fn locks(conn: &mut PgConnection) -> Result<Vec<HeldLock>, EngineError> {
    let sql = "SELECT l.relation::regclass::text AS relation,
                      upper(regexp_replace(regexp_replace(l.mode, 'Lock$', ''), '([a-z])([A-Z])', '\\1 \\2', 'g')) AS mode, l.granted FROM pg_locks l
               WHERE l.locktype = 'relation' AND l.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
                     AND ((classid::bigint << 32) | objid::bigint) = $1 AND pid <> pg_backend_pid())
                 AND l.relation IN (SELECT oid FROM pg_class WHERE relkind IN ('r', 'p'))
               ORDER BY 1, 2";
    sqlx::query_as(sql).bind(LOCK_KEY).fetch_all(conn).await.map_err(EngineError::query(sql))
}

/// Where an open run stands and the next thing to run.
fn open_summary(run: i64, steps: &[StepStatus], engine_running: bool) -> String {
    let state = |step: &str| steps.iter().find(|s| s.step == step).map(|s| s.state).unwrap_or(StepState::NotStarted);
    if engine_running {
        return format!("run {run} is in progress: an engine session is running it now");
    }
    if let Some(stopped) = steps.iter().find(|s| s.state == StepState::Interrupted) {
        return format!("run {run} was interrupted during `{}`: run `pgrehearse migrate {}` to resume it, or `pgrehearse migrate rollback` to undo it", stopped.step, resume_command(stopped.step));
    }
    let next = if state("backup") != StepState::Done {
        "backup"
    } else if state("convert") != StepState::Done {
        "convert"
    } else if state("validate") != StepState::Done {
        if state("validate") == StepState::Failed {
            return format!("run {run}: validate found problems; look at them, then `pgrehearse migrate rollback` to undo the migration");
        }
        "validate"
    } else {
        return format!(
            "run {run}: converted and validated; `pgrehearse migrate cleanup` finishes it (after that there is no rollback), `pgrehearse migrate rollback` undoes it"
        );
    };
    format!("run {run} is open: next, `pgrehearse migrate {next}` (or `full`), or `pgrehearse migrate rollback` to undo it")
}

/// The command that resumes a step: the policies and the swap are part of `convert`.
fn resume_command(step: &str) -> &str {
    match step {
        "policies" | "swap" => "convert",
        other => other,
    }
}
