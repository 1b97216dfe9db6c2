//! Filling the new tables: each table's chunked copy, then each of its index builds, and
//! last the `ANALYZE` of all but the largest ([`super::analyze`]), as tasks shared out
//! between the engine's session and a second one,
//! largest table first. The new tables have no foreign keys and nobody else writes them
//! before the swap, so two tasks run side by side without waiting on each other (but an
//! index that adds its constraint after the table's other builds), and the session done
//! with the small tables builds the largest one's indexes beside it; each
//! task keeps its own log rows and checkpoints, so a run killed at any instant resumes
//! every table where it stopped.

use std::sync::Mutex;
use std::time::Duration;

use futures::FutureExt;
use sqlx::PgConnection;

use crate::parallel::Job;

use super::super::batch_sizer::BatchSizer;
use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::{Plan, TablePlan};
use super::super::progress::Progress;
use super::super::sessions;
use super::super::transaction::LockRetry;
use super::prepare::{new_table, recorded_indexes, RecordedIndex};
use super::{analyze, copy, indexes};

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

/// One job of the fill.
enum Work<'a> {
    Copy(&'a TablePlan),
    Index(&'a TablePlan, RecordedIndex),
    Analyze(&'a TablePlan),
}

fn table_of<'a>(work: &Work<'a>) -> &'a TablePlan {
    match work {
        Work::Copy(table) | Work::Index(table, _) | Work::Analyze(table) => table,
    }
}

/// What a job did in this run (nothing when an earlier run did it).
enum Done {
    Copied(i64),
    Built,
    Nothing,
}

/// Copies and indexes every table of the plan not yet done in this run, on
/// `conn` and, when given, `second`. Returns the report's notes in the plan's order.
pub async fn fill(
    conn: &mut PgConnection,
    second: Option<&mut PgConnection>,
    run: i64,
    plan: &Plan,
    sizer: &mut dyn BatchSizer,
    retry: &LockRetry,
    progress: &Progress,
) -> Result<Vec<String>, EngineError> {
    let sized = sessions::table_rows(conn, plan).await?;
    let largest = sized.iter().max_by_key(|(_, rows)| *rows).map(|(table, _)| *table);
    let mut jobs = Vec::new();
    let mut indexes_of = Vec::new();
    for &(table, rows) in &sized {
        // One lock name per new table: the copy holds it alone; plain builds share it
        // (SHARE does not conflict with SHARE); one that adds its constraint takes ACCESS
        // EXCLUSIVE inside its transaction, so it holds it alone too (else it would
        // deadlock with a build beside it), and so does ANALYZE (it and CREATE INDEX lock
        // each other out).
        let lock = table.label();
        let (copied, indexed) = (format!("copied {lock}"), format!("indexed {lock}"));
        jobs.push(Job { provides: Some(copied.clone()), ..Job::new(lock.clone(), true, rows, Work::Copy(table)) });
        let indexes = recorded_indexes(conn, table).await?;
        indexes_of.push((table, indexes.len()));
        for index in indexes {
            let exclusive = index.3.is_some();
            let job = Job::new(lock.clone(), exclusive, rows, Work::Index(table, index));
            jobs.push(Job { needs: vec![copied.clone()], provides: Some(indexed.clone()), ..job });
        }
        // Costing nothing, it comes last: taken when nothing else is ready.
        if largest.is_some_and(|l| !std::ptr::eq(l, table)) {
            jobs.push(Job { needs: vec![copied, indexed], ..Job::new(lock, true, 0, Work::Analyze(table)) });
        }
    }
    // One batch sizer for every batch of every table, so an adaptive size learns from all.
    let sizer = Mutex::new(sizer);
    let sizer = &sizer;
    let tables: Vec<&TablePlan> = jobs.iter().map(|job| table_of(&job.work)).collect();
    let done = sessions::run(&mut *conn, second, jobs, |conn, work| {
        async move {
            let result = run_job(&mut *conn, run, plan, &work, &mut SharedSizer(sizer), retry, progress).await;
            (conn, result)
        }
        .boxed()
    })
    .await?;
    let mut notes: Vec<(usize, String)> = Vec::new();
    for (table, done) in tables.iter().zip(&done) {
        if let Done::Copied(rows) = done {
            notes.push((position(plan, table), format!("{}: {rows} rows copied into a new table", table.label())));
        }
    }
    for (table, count) in indexes_of {
        let built = tables.iter().zip(&done).any(|(t, done)| matches!(done, Done::Built) && std::ptr::eq(*t, table));
        if built {
            notes.push((position(plan, table), format!("{}: {count} indexes built on the new table", table.label())));
        }
    }
    notes.sort_by_key(|(position, _)| *position);
    Ok(notes.into_iter().map(|(_, note)| note).collect())
}

fn position(plan: &Plan, table: &TablePlan) -> usize {
    plan.tables.iter().position(|t| std::ptr::eq(t, table)).unwrap_or(usize::MAX)
}

/// Runs one job unless this run completed it.
async fn run_job(conn: &mut PgConnection, run: i64, plan: &Plan, job: &Work<'_>, sizer: &mut dyn BatchSizer, retry: &LockRetry, progress: &Progress) -> Result<Done, EngineError> {
    match job {
        Work::Copy(table) => {
            let label = table.label();
            if log::is_completed(conn, run, "rebuild-copy", Some(&label)).await? {
                return Ok(Done::Nothing);
            }
            let id = log::start(conn, run, "rebuild-copy", Some(&label)).await?;
            let rows = copy::copy_table(conn, run, plan, table, sizer, retry, progress).await?;
            log::finish(conn, id, "completed", &LogRecord { rows: Some(rows), ..Default::default() }).await?;
            Ok(Done::Copied(rows))
        }
        Work::Index(table, index) => Ok(if indexes::build(conn, run, table, index).await? { Done::Built } else { Done::Nothing }),
        Work::Analyze(table) => {
            analyze::once(conn, run, table, &new_table(plan, table)).await?;
            Ok(Done::Nothing)
        }
    }
}
