//! Filling the new tables: each table's chunked copy and then its index build, the tables
//! shared out largest first between the engine's session and a second one. The new tables
//! have no foreign keys and nobody else writes them before the swap, so two tables fill
//! side by side without waiting on each other; each keeps its own checkpoints, so a run
//! killed at any instant resumes every table where it stopped.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use sqlx::{Executor, PgConnection};

use super::super::batch_sizer::BatchSizer;
use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::{Plan, TablePlan};
use super::super::progress::Progress;
use super::super::transaction::LockRetry;
use super::prepare::new_table;
use super::{copy, indexes};

/// What both sessions share while they fill the tables.
struct Shared<'a> {
    run: i64,
    plan: &'a Plan,
    /// Tables not yet taken, largest first.
    queue: Mutex<VecDeque<&'a TablePlan>>,
    /// One batch sizer for every batch of every table, so an adaptive size learns from all.
    sizer: Mutex<&'a mut dyn BatchSizer>,
    retry: &'a LockRetry,
    progress: &'a Progress,
    /// Set by a session that failed: the other finishes its table and takes no other.
    failed: AtomicBool,
}

/// The shared sizer, asked and told under its lock for each batch.
struct SharedSizer<'s, 'a>(&'s Mutex<&'a mut dyn BatchSizer>);

impl BatchSizer for SharedSizer<'_, '_> {
    fn next_size(&mut self) -> i64 {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).next_size()
    }

    fn observe(&mut self, rows: i64, took: Duration) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).observe(rows, took)
    }
}

/// Copies and indexes every table of the plan not yet done in this run, on `conn` and,
/// when given, `second`. Returns the report's notes in the plan's table order.
pub async fn fill(
    conn: &mut PgConnection,
    second: Option<&mut PgConnection>,
    run: i64,
    plan: &Plan,
    sizer: &mut dyn BatchSizer,
    retry: &LockRetry,
    progress: &Progress,
) -> Result<Vec<String>, EngineError> {
    let queue = largest_first(conn, plan).await?;
    let shared = Shared { run, plan, queue: Mutex::new(queue), sizer: Mutex::new(sizer), retry, progress, failed: AtomicBool::new(false) };
    // `join`, not `try_join`: a failing session must not cancel the other mid-statement.
    let (first, other) = match second {
        Some(second) => futures::future::join(worker(conn, &shared), worker(second, &shared)).await,
        None => (worker(conn, &shared).await, Ok(Vec::new())),
    };
    let mut notes = first?;
    notes.extend(other?);
    notes.sort_by_key(|(position, _)| *position);
    Ok(notes.into_iter().flat_map(|(_, notes)| notes).collect())
}

/// The plan's tables by their estimated rows, largest first (the planner's statistics:
/// no scan).
async fn largest_first<'a>(conn: &mut PgConnection, plan: &'a Plan) -> Result<VecDeque<&'a TablePlan>, EngineError> {
    let sql = "SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = $1::regclass";
    let mut sized = Vec::new();
    for table in &plan.tables {
        let rows: f64 = sqlx::query_scalar(sql).bind(table.qualified()).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))?;
        sized.push((rows, table));
    }
    sized.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(sized.into_iter().map(|(_, table)| table).collect())
}

/// Takes tables from the queue until it is empty or the other session failed.
async fn worker<'a>(conn: &mut PgConnection, shared: &Shared<'a>) -> Result<Vec<(usize, Vec<String>)>, EngineError> {
    let mut notes = Vec::new();
    loop {
        if shared.failed.load(Ordering::SeqCst) {
            return Ok(notes);
        }
        let Some(table) = shared.queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front() else { return Ok(notes) };
        match fill_table(conn, shared, table).await {
            Ok(table_notes) => {
                let position = shared.plan.tables.iter().position(|t| std::ptr::eq(t, table)).unwrap_or(usize::MAX);
                notes.push((position, table_notes));
            }
            Err(err) => {
                shared.failed.store(true, Ordering::SeqCst);
                return Err(err);
            }
        }
    }
}

/// Copies `table` into its new table, then builds its indexes and analyzes it; each part
/// is skipped when this run already completed it.
async fn fill_table(conn: &mut PgConnection, shared: &Shared<'_>, table: &TablePlan) -> Result<Vec<String>, EngineError> {
    let (run, plan) = (shared.run, shared.plan);
    let label = table.label();
    let mut notes = Vec::new();
    if !log::is_completed(conn, run, "rebuild-copy", Some(&label)).await? {
        let id = log::start(conn, run, "rebuild-copy", Some(&label)).await?;
        let rows = copy::copy_table(conn, run, plan, table, &mut SharedSizer(&shared.sizer), shared.retry, shared.progress).await?;
        log::finish(conn, id, "completed", &LogRecord { rows: Some(rows), ..Default::default() }).await?;
        notes.push(format!("{label}: {rows} rows copied into a new table"));
    }
    if !log::is_completed(conn, run, "rebuild-indexes", Some(&label)).await? {
        let id = log::start(conn, run, "rebuild-indexes", Some(&label)).await?;
        let built = indexes::build(conn, run, plan, table).await?;
        let analyze = format!("ANALYZE {}", new_table(plan, table));
        conn.execute(analyze.as_str()).await.map_err(EngineError::query(&analyze))?;
        log::finish(conn, id, "completed", &LogRecord { rows: Some(built as i64), ..Default::default() }).await?;
        notes.push(format!("{label}: {built} indexes built on the new table"));
    }
    Ok(notes)
}
