//! The index build on a new table after its copy: each recorded index built with its
//! constraint (`PRIMARY KEY`/`UNIQUE ... USING INDEX`) in one transaction that logs it, so
//! an interrupted build is simply done again. Plain `CREATE INDEX`: the application never
//! touches the new table before the swap, and a plain build is the faster one.

use sqlx::{Acquire, Connection, Executor, PgConnection};

use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::{Plan, TablePlan};
use super::prepare::recorded_indexes;

/// The log's table name for one index of `table`.
fn entry(table: &TablePlan, name: &str) -> String {
    format!("{} {name}", table.label())
}

/// Builds the indexes of `table`'s new table not yet built in this run. Returns how many.
pub async fn build(conn: &mut PgConnection, run: i64, _plan: &Plan, table: &TablePlan) -> Result<usize, EngineError> {
    let mut built = 0;
    for (_, name, create, constraint) in recorded_indexes(conn, table).await? {
        let label = entry(table, &name);
        if log::is_completed(conn, run, "rebuild-index", Some(&label)).await? {
            continue;
        }
        let started = std::time::Instant::now();
        let mut tx = Connection::begin(&mut *conn).await.map_err(EngineError::query("BEGIN"))?;
        tx.execute(create.as_str()).await.map_err(EngineError::query(&create))?;
        if let Some(constraint) = &constraint {
            tx.execute(constraint.as_str()).await.map_err(EngineError::query(constraint))?;
        }
        let record = LogRecord { message: Some(format!("built in {:.1?}", started.elapsed())), ..Default::default() };
        log::record(tx.acquire().await.map_err(EngineError::query("acquire"))?, run, "rebuild-index", Some(&label), &record).await?;
        tx.commit().await.map_err(EngineError::query("COMMIT"))?;
        built += 1;
    }
    Ok(built)
}
