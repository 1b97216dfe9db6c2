//! The index build on a new table after its copy: each recorded index built with its
//! constraint (`PRIMARY KEY`/`UNIQUE ... USING INDEX`) in one transaction that completes
//! its log row, so an interrupted build is simply done again. Plain `CREATE INDEX`: the
//! application never touches the new table before the swap, and a plain build is the
//! faster one. Two indexes of one table build side by side (SHARE does not conflict with
//! SHARE).

use sqlx::{Acquire, Connection, Executor, PgConnection};

use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::TablePlan;
use super::prepare::RecordedIndex;

/// The log's table name for one index of `table`.
fn entry(table: &TablePlan, name: &str) -> String {
    format!("{} {name}", table.label())
}

/// Builds `index` on `table`'s new table unless this run built it. Returns whether it built.
pub async fn build(conn: &mut PgConnection, run: i64, table: &TablePlan, index: &RecordedIndex) -> Result<bool, EngineError> {
    let (_, name, create, constraint) = index;
    let label = entry(table, name);
    if log::is_completed(conn, run, "rebuild-index", Some(&label)).await? {
        return Ok(false);
    }
    let id = log::start(conn, run, "rebuild-index", Some(&label)).await?;
    let started = std::time::Instant::now();
    let mut tx = Connection::begin(&mut *conn).await.map_err(EngineError::query("BEGIN"))?;
    tx.execute(create.as_str()).await.map_err(EngineError::query(create))?;
    if let Some(constraint) = constraint {
        tx.execute(constraint.as_str()).await.map_err(EngineError::query(constraint))?;
    }
    let record = LogRecord { message: Some(format!("built in {:.1?}", started.elapsed())), ..Default::default() };
    log::finish(tx.acquire().await.map_err(EngineError::query("acquire"))?, id, "completed", &record).await?;
    tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    Ok(true)
}
