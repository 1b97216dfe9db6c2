//! `ANALYZE` of each new table, once per run (logged `rebuild-analyze`), so the planner
//! knows the new tables when the application meets them. The fill analyzes every table
//! but the largest while the largest one's index build ends the fill (the other session
//! would wait idle); the largest is analyzed after the swap, beside the foreign keys'
//! validation. A resumed run analyzes only what was not.

use sqlx::{Executor, PgConnection};

use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::TablePlan;

/// Analyzes `relation` (the new table of `table`, under whatever name it has now) unless
/// this run did.
pub async fn once(conn: &mut PgConnection, run: i64, table: &TablePlan, relation: &str) -> Result<(), EngineError> {
    let label = table.label();
    if log::is_completed(conn, run, "rebuild-analyze", Some(&label)).await? {
        return Ok(());
    }
    let analyze = format!("ANALYZE {relation}");
    conn.execute(analyze.as_str()).await.map_err(EngineError::query(&analyze))?;
    log::record(conn, run, "rebuild-analyze", Some(&label), &LogRecord::default()).await
}
