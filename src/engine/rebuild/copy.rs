//! The chunked copy: keyset pages of the original table (never OFFSET) inserted into the
//! new table with the converted columns converted, one transaction per chunk that commits
//! the chunk's checkpoint with it (`convert-batch` rows, as in place), so a run killed at
//! any instant resumes after the last committed chunk and copies no row twice.

use sqlx::PgConnection;

use crate::quote::quote_ident;

use super::super::batch_sizer::BatchSizer;
use super::super::batches::run_batches;
use super::super::error::EngineError;
use super::super::plan::{Plan, TablePlan};
use super::super::progress::Progress;
use super::super::sql::{column_list, keyset_after};
use super::super::transaction::LockRetry;
use super::catalog;
use super::prepare::new_table;

/// `SELECT`-list expressions writing `columns` of `alias` into the new table.
pub fn converted_list(table: &TablePlan, plan: &Plan, alias: &str, columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| {
            let expr = format!("{alias}.{}", quote_ident(c));
            if table.columns.iter().any(|k| &k.name == c) { plan.conversion.convert_sql(&expr) } else { expr }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement for one chunk: `$1` the chunk size, `$2..` the checkpoint (if any).
pub fn chunk_sql(plan: &Plan, table: &TablePlan, columns: &[String], after_checkpoint: bool) -> String {
    let pk = table.pk_names();
    let filter = if after_checkpoint { format!("WHERE {}", keyset_after("t", table, 2)) } else { String::new() };
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let desc: Vec<String> = pk.iter().map(|c| format!("b.{} DESC", quote_ident(c))).collect();
    let as_text: Vec<String> = pk.iter().map(|c| format!("b.{}::text", quote_ident(c))).collect();
    format!(
        "WITH batch AS (SELECT {cols_t} FROM {old} t {filter} ORDER BY {pk_t} LIMIT $1),
              copied AS (INSERT INTO {new} ({cols}) OVERRIDING SYSTEM VALUE SELECT {converted} FROM batch t RETURNING 1)
         SELECT (SELECT count(*) FROM copied), (SELECT ARRAY[{as_text}] FROM batch b ORDER BY {desc} LIMIT 1)",
        cols_t = column_list(Some("t"), &names),
        cols = column_list(None, &names),
        converted = converted_list(table, plan, "t", columns),
        old = table.qualified(),
        new = new_table(plan, table),
        pk_t = column_list(Some("t"), &pk),
        as_text = as_text.join(", "),
        desc = desc.join(", "),
    )
}

/// Copies every row of `table` not yet copied in this run.
pub async fn copy_table(conn: &mut PgConnection, run: i64, plan: &Plan, table: &TablePlan, sizer: &mut dyn BatchSizer, retry: &LockRetry, progress: &Progress) -> Result<i64, EngineError> {
    let columns = catalog::writable_columns(conn, &table.qualified()).await?;
    run_batches(conn, run, table, &|after| chunk_sql(plan, table, &columns, after), sizer, retry, progress).await
}
