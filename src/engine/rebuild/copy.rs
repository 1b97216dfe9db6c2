//! The chunked copy: ranges of the original table's heap blocks (a TID range scan reads
//! them in order, no index and no sort: a quarter of a keyset page's cost per row here)
//! inserted into the new table with the converted columns converted, one transaction per
//! chunk that commits the chunk's checkpoint with it (`convert-batch` rows, as in place),
//! so a run killed at any instant resumes after the last committed chunk and copies no
//! block twice.
//!
//! A row the application wrote since the forward trigger came is not copied (its key is
//! in the forward log, [`super::catch_up::not_logged_sql`]): read in two versions (before
//! an UPDATE moved it to a later block, and after) it would break a unique index. What
//! the copy made of its earlier version the catch-up replaces, by key, after the indexes
//! are built. The checkpoint holds the block and the heap's file node: a
//! `VACUUM FULL`, `CLUSTER` or `TRUNCATE` between two chunks moves every row, so the
//! copy then starts again from an empty table.

use sqlx::{Acquire, Executor, PgConnection};

use crate::quote::{quote_ident, quote_literal};

use super::super::batch_sizer::BatchSizer;
use super::super::batches::{run_batches, BatchSql};
use super::super::error::EngineError;
use super::super::log;
use super::super::plan::{Plan, TablePlan};
use super::super::progress::Progress;
use super::super::sql::column_list;
use super::super::transaction::LockRetry;
use super::{catalog, catch_up};
use super::prepare::new_table;

/// Rows per heap block assumed when the statistics know nothing of the table.
const ROWS_PER_BLOCK_UNKNOWN: i64 = 50;

/// Column `column` of row `alias` as the new table holds it: converted when the plan
/// converts it.
pub fn converted_expr(table: &TablePlan, plan: &Plan, alias: &str, column: &str) -> String {
    let expr = format!("{alias}.{}", quote_ident(column));
    if table.columns.iter().any(|k| k.name == column) { plan.conversion.convert_sql(&expr) } else { expr }
}

/// `SELECT`-list expressions writing `columns` of `alias` into the new table.
pub fn converted_list(table: &TablePlan, plan: &Plan, alias: &str, columns: &[String]) -> String {
    columns.iter().map(|c| converted_expr(table, plan, alias, c)).collect::<Vec<_>>().join(", ")
}

/// The statements for one chunk: `$1` the rows wanted (whole blocks, at least one, by the
/// statistics' rows per block), then the checkpoint if any: `$2` the first block, `$3`
/// the heap's file node when the copy began. The first copies the chunk's rows; the second
/// returns the next checkpoint, NULL past the last block or when the heap was rewritten
/// since.
pub fn chunk_sql(plan: &Plan, table: &TablePlan, columns: &[String], after_checkpoint: bool) -> BatchSql {
    let old = table.qualified();
    let regclass = format!("{}::regclass", quote_literal(&old));
    let first = if after_checkpoint { "($2::bigint)".to_string() } else { "0::bigint".to_string() };
    let per_block = format!(
        "(SELECT CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE {ROWS_PER_BLOCK_UNKNOWN} END FROM pg_class c WHERE c.oid = {regclass})"
    );
    let last = format!("({first} + greatest(1, ceil($1 / {per_block}))::bigint)");
    let same_file = if after_checkpoint { format!("pg_relation_filenode({regclass}) = $3::oid") } else { "true".to_string() };
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let work = format!(
        "INSERT INTO {new} ({cols}) OVERRIDING SYSTEM VALUE SELECT {converted} FROM {old} t
          WHERE t.ctid >= format('(%s,0)', {first})::tid AND t.ctid < format('(%s,0)', {last})::tid AND {same_file}
            AND {not_logged}",
        cols = column_list(None, &names),
        converted = converted_list(table, plan, "t", columns),
        new = new_table(plan, table),
        not_logged = catch_up::not_logged_sql(table, "t"),
    );
    let next = format!(
        "SELECT CASE WHEN {first} < pg_relation_size({regclass}) / current_setting('block_size')::bigint AND {same_file}
                     THEN ARRAY[{last}::text, pg_relation_filenode({regclass})::text] END"
    );
    BatchSql::Counted { work, next }
}

/// Copies every block of `table` not yet copied in this run; from an empty new table
/// again when the heap was rewritten while it was copied.
pub async fn copy_table(conn: &mut PgConnection, run: i64, plan: &Plan, table: &TablePlan, sizer: &mut dyn BatchSizer, retry: &LockRetry, progress: &Progress) -> Result<i64, EngineError> {
    let columns = catalog::writable_columns(conn, &table.qualified()).await?;
    loop {
        let rows = run_batches(conn, run, table, &|after| chunk_sql(plan, table, &columns, after), sizer, retry, progress).await?;
        if copied_from_one_file(conn, run, table).await? {
            return Ok(rows);
        }
        tracing::warn!("{} was rewritten (VACUUM FULL, CLUSTER or TRUNCATE) while it was copied; copying it again from the start", table.label());
        start_over(conn, run, plan, table).await?;
    }
}

/// Whether every committed chunk of `table` read the heap file it has now.
async fn copied_from_one_file(conn: &mut PgConnection, run: i64, table: &TablePlan) -> Result<bool, EngineError> {
    let sql = "SELECT coalesce(bool_and(checkpoint[2]::oid = pg_relation_filenode($3::regclass)), true) FROM pgrehearse_engine.migration_log
               WHERE run = $1 AND step = 'convert-batch' AND table_name = $2";
    sqlx::query_scalar(sql).bind(run).bind(table.label()).bind(table.qualified()).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// Empties the new table and forgets its chunks, in one transaction.
async fn start_over(conn: &mut PgConnection, run: i64, plan: &Plan, table: &TablePlan) -> Result<(), EngineError> {
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    let truncate = format!("TRUNCATE {}", new_table(plan, table));
    tx.execute(truncate.as_str()).await.map_err(EngineError::query(&truncate))?;
    log::forget_batches(tx.acquire().await.map_err(EngineError::query("acquire"))?, run, &table.label()).await?;
    tx.commit().await.map_err(EngineError::query("COMMIT"))
}
