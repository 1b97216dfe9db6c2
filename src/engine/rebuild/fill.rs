//! Filling the new tables: each table's chunked copy and then its index build, the tables
//! shared out largest first between the engine's session and a second one. The new tables
//! have no foreign keys and nobody else writes them before the swap, so two tables fill
//! side by side without waiting on each other; each keeps its own checkpoints, so a run
//! killed at any instant resumes every table where it stopped.

use std::sync::Mutex;
use std::time::Duration;

use futures::FutureExt;
use sqlx::{Executor, PgConnection};

use super::super::batch_sizer::BatchSizer;
use super::super::catalog::estimated_rows;
use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::{Plan, TablePlan};
use super::super::progress::Progress;
use super::super::sessions;
use super::super::transaction::LockRetry;
use super::prepare::new_table;
use super::{catch_up, copy, indexes};

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
/// when given, `second`, largest first. Returns the report's notes in the plan's order.
pub async fn fill(
    conn: &mut PgConnection,
    second: Option<&mut PgConnection>,
    run: i64,
    plan: &Plan,
    sizer: &mut dyn BatchSizer,
    retry: &LockRetry,
    progress: &Progress,
) -> Result<Vec<String>, EngineError> {
    let tables = largest_first(conn, plan).await?;
    // One batch sizer for every batch of every table, so an adaptive size learns from all.
    let sizer = Mutex::new(sizer);
    let sizer = &sizer;
    let notes = sessions::each_table(&mut *conn, second, &tables, |conn, table| {
        async move {
            let result = fill_table(&mut *conn, run, plan, table, &mut SharedSizer(sizer), retry, progress).await;
            (conn, result)
        }
        .boxed()
    })
    .await?;
    let mut notes: Vec<(usize, Vec<String>)> = tables.iter().map(|table| position(plan, table)).zip(notes).collect();
    notes.sort_by_key(|(position, _)| *position);
    Ok(notes.into_iter().flat_map(|(_, notes)| notes).collect())
}

fn position(plan: &Plan, table: &TablePlan) -> usize {
    plan.tables.iter().position(|t| std::ptr::eq(t, table)).unwrap_or(usize::MAX)
}

/// The plan's tables by their estimated rows, largest first.
async fn largest_first<'a>(conn: &mut PgConnection, plan: &'a Plan) -> Result<Vec<&'a TablePlan>, EngineError> {
    let mut sized = Vec::new();
    for table in &plan.tables {
        sized.push((estimated_rows(&mut *conn, &table.qualified()).await?, table));
    }
    sized.sort_by_key(|(rows, _)| std::cmp::Reverse(*rows));
    Ok(sized.into_iter().map(|(_, table)| table).collect())
}

/// Copies `table` into its new table, then clears the rows whose keys the application
/// wrote meanwhile (the catch-up copies them again), builds its indexes and analyzes it;
/// each part is skipped when this run already completed it.
async fn fill_table(conn: &mut PgConnection, run: i64, plan: &Plan, table: &TablePlan, sizer: &mut dyn BatchSizer, retry: &LockRetry, progress: &Progress) -> Result<Vec<String>, EngineError> {
    let label = table.label();
    let mut notes = Vec::new();
    if !log::is_completed(conn, run, "rebuild-copy", Some(&label)).await? {
        let id = log::start(conn, run, "rebuild-copy", Some(&label)).await?;
        let rows = copy::copy_table(conn, run, plan, table, sizer, retry, progress).await?;
        log::finish(conn, id, "completed", &LogRecord { rows: Some(rows), ..Default::default() }).await?;
        notes.push(format!("{label}: {rows} rows copied into a new table"));
    }
    if !log::is_completed(conn, run, "rebuild-indexes", Some(&label)).await? {
        let id = log::start(conn, run, "rebuild-indexes", Some(&label)).await?;
        let clear = catch_up::clear_logged_sql(plan, table);
        conn.execute(clear.as_str()).await.map_err(EngineError::query(&clear))?;
        let built = indexes::build(conn, run, plan, table).await?;
        let analyze = format!("ANALYZE {}", new_table(plan, table));
        conn.execute(analyze.as_str()).await.map_err(EngineError::query(&analyze))?;
        log::finish(conn, id, "completed", &LogRecord { rows: Some(built as i64), ..Default::default() }).await?;
        notes.push(format!("{label}: {built} indexes built on the new table"));
    }
    Ok(notes)
}
