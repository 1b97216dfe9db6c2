//! Work split by table over the engine's session and, when there is one, a second one:
//! each session takes the next table not yet taken until none is left, so independent
//! tables (their classification, their copy and index build, their checks) run side by
//! side on two cores.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use super::error::EngineError;
use super::plan::{Plan, TablePlan};
use super::run_lock::endpoint;

/// One table's work: it borrows a session and hands it back with the result.
pub type TableWork<'a, T> = BoxFuture<'a, (&'a mut PgConnection, Result<T, EngineError>)>;

/// A second session for work split by table, when the plan has more than one table.
pub async fn second_session(connect: &PgConnectOptions, plan: &Plan) -> Result<Option<PgConnection>, EngineError> {
    if plan.tables.len() < 2 {
        return Ok(None);
    }
    let conn = PgConnection::connect_with(connect).await.map_err(|source| EngineError::Connect { endpoint: endpoint(connect), source })?;
    Ok(Some(conn))
}

/// Closes a second session; a failure to say goodbye loses nothing (the server ends it).
pub async fn close(second: Option<PgConnection>) {
    if let Some(second) = second {
        let _ = second.close().await;
    }
}

/// Runs `work` for every table of `tables`, taken in that order by whichever session is
/// free, and returns the results in that order. After a failure no session starts another
/// table, but none is stopped mid-statement either (`join`, not `try_join`), so both
/// sessions stay usable; the first error is returned.
pub async fn each_table<'a, T, F>(conn: &'a mut PgConnection, second: Option<&'a mut PgConnection>, tables: &[&'a TablePlan], work: F) -> Result<Vec<T>, EngineError>
where
    T: Send,
    F: Fn(&'a mut PgConnection, &'a TablePlan) -> TableWork<'a, T> + Sync,
{
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let taker = Taker { tables, next: &next, failed: &failed, work: &work };
    let (first, other) = match second {
        Some(second) => futures::future::join(taker.run(conn), taker.run(second)).await,
        None => (taker.run(conn).await, Ok(Vec::new())),
    };
    let mut done = first?;
    done.extend(other?);
    done.sort_by_key(|(position, _)| *position);
    Ok(done.into_iter().map(|(_, result)| result).collect())
}

/// What both sessions share: the tables, the next one to take, whether one failed.
struct Taker<'s, 'a, F> {
    tables: &'s [&'a TablePlan],
    next: &'s AtomicUsize,
    failed: &'s AtomicBool,
    work: &'s F,
}

impl<'a, F> Taker<'_, 'a, F> {
    async fn run<T>(&self, mut conn: &'a mut PgConnection) -> Result<Vec<(usize, T)>, EngineError>
    where
        F: Fn(&'a mut PgConnection, &'a TablePlan) -> TableWork<'a, T>,
    {
        let mut done = Vec::new();
        while !self.failed.load(Ordering::SeqCst) {
            let position = self.next.fetch_add(1, Ordering::SeqCst);
            let Some(&table) = self.tables.get(position) else { break };
            let (returned, result) = (self.work)(conn, table).await;
            conn = returned;
            match result {
                Ok(value) => done.push((position, value)),
                Err(err) => {
                    self.failed.store(true, Ordering::SeqCst);
                    return Err(err);
                }
            }
        }
        Ok(done)
    }
}
