//! The engine's sessions for work shared out: the engine's own and, when the plan has more
//! than one table, a second one, each taking the next job [`crate::parallel`] lets start
//! (largest first, when its table lock is free and the work it needs is done), so
//! independent pieces (a table's classification, copy, index builds, checks) run side by
//! side on two cores, and a session done with the small tables helps with what the
//! largest one unlocks instead of idling.

use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use crate::parallel::{self, Job};

use super::catalog::estimated_rows;
use super::error::EngineError;
use super::plan::{Plan, TablePlan};
use super::run_lock::endpoint;

/// One job's work: it borrows a session and hands it back with the result.
pub type TaskWork<'a, T> = BoxFuture<'a, (&'a mut PgConnection, Result<T, EngineError>)>;

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

/// Each planned table with the planner's estimate of its rows (a job's cost: the largest
/// goes first, so the small tables fill the time it takes).
pub async fn table_rows<'a>(conn: &mut PgConnection, plan: &'a Plan) -> Result<Vec<(&'a TablePlan, u64)>, EngineError> {
    let mut sized = Vec::new();
    for table in &plan.tables {
        sized.push((table, estimated_rows(&mut *conn, &table.qualified()).await?.max(0) as u64));
    }
    Ok(sized)
}

/// Runs `jobs` on `conn` and, when given, `second`; returns their results in their order.
/// After a failure no session starts another job, but none is stopped mid-statement
/// either, so both sessions stay usable; the first error is returned.
pub async fn run<'a, T, R, F>(conn: &'a mut PgConnection, second: Option<&'a mut PgConnection>, jobs: Vec<Job<T>>, work: F) -> Result<Vec<R>, EngineError>
where
    T: Send,
    R: Send,
    F: Fn(&'a mut PgConnection, T) -> TaskWork<'a, R> + Sync,
{
    let mut sessions = vec![conn];
    sessions.extend(second);
    parallel::run_jobs(sessions, jobs, work).await
}
