//! Streams tables into Postgres with COPY (text format): a blocking thread renders
//! ~1 MiB chunks from the plan while the connection sends the previous ones, so the
//! generator and the server work at the same time and memory holds only a few chunks.
//! [`super::pipeline`] runs several such streams at once.

use std::sync::Arc;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::error::SeedError;
use super::generate::chunks::render_chunk;
use super::model::SchemaModel;
use super::plan::{ColumnGen, SeedPlan};
use crate::quote::{quote_ident, quote_qualified};

/// Rows rendered to estimate a table's COPY bytes, which decide the order of the streams.
const SAMPLE_ROWS: u64 = 256;

/// Chunks rendered ahead of the connection: enough to hide a slow chunk, few enough that
/// memory stays flat (4 × 1 MiB).
const CHUNKS_IN_FLIGHT: usize = 4;

/// Hears about progress while a dataset loads; every method has a silent default.
pub trait SeedObserver: Send + Sync {
    /// The plan is made: this many rows will be loaded in all.
    fn planned(&self, _total_rows: u64) {}
    /// A step other than loading rows has started (keys, ground truth).
    fn phase(&self, _phase: &str) {}
    /// `table` starts loading, `rows` rows. Tables may load side by side (parallel streams).
    fn table_started(&self, _table: &str, _rows: u64) {}
    fn rows_loaded(&self, _table: &str, _rows: u64) {}
    /// Every row of `table` is in and committed.
    fn table_loaded(&self, _table: &str) {}
    /// The dataset is loaded, its keys built and its ground truth recorded.
    fn done(&self) {}
}

/// An observer that hears nothing.
pub struct Silent;

impl SeedObserver for Silent {}

/// The `COPY ... FROM STDIN` statement for a table: its non-generated columns in order.
pub fn copy_statement(model: &SchemaModel, plan: &SeedPlan, table: usize) -> String {
    let table_model = &model.tables[table];
    let columns: Vec<String> = table_model
        .columns
        .iter()
        .zip(&plan.tables[table].columns)
        .filter(|(_, gen)| !matches!(gen, ColumnGen::Skip))
        .map(|(column, _)| quote_ident(&column.name))
        .collect();
    format!("COPY {} ({}) FROM STDIN", quote_qualified(&table_model.schema, &table_model.name), columns.join(", "))
}

/// Whether a table can be emptied and loaded with `COPY … FREEZE`: this role may truncate
/// it, no FK references it and no TRUNCATE trigger would fire (it is also checked empty).
const FREEZABLE: &str = "
    SELECT has_table_privilege($1::regclass, 'TRUNCATE')
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f')
       AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND (tgtype & 32) <> 0)";

/// The COPY text a table's rows take, estimated from its first rows.
pub(super) fn estimated_bytes(plan: &SeedPlan, table: usize) -> u64 {
    let rows = plan.tables[table].rows;
    let sample = rows.min(SAMPLE_ROWS);
    if sample == 0 {
        return 0;
    }
    let mut text = Vec::new();
    render_chunk(plan, table, 0..sample, &mut text);
    (text.len() as u64).saturating_mul(rows) / sample
}

/// Loads every row of `table`; returns how many were loaded.
pub async fn copy_table(conn: &mut PgConnection, model: &SchemaModel, plan: &Arc<SeedPlan>, table: usize, observer: &dyn SeedObserver) -> Result<u64, SeedError> {
    observer.table_started(&model.tables[table].display_name(), plan.tables[table].rows);
    copy_rows(conn, model, plan, table, observer).await
}

/// Loads `table` in one transaction. An empty table is truncated first, so COPY can write
/// its rows frozen (`COPY … FREEZE`): the key builds and ANALYZE after it then read pages
/// that need no hint bits set, and VACUUM has nothing to freeze later.
/// <https://www.postgresql.org/docs/15/sql-copy.html>
pub(super) async fn copy_rows(conn: &mut PgConnection, model: &SchemaModel, plan: &Arc<SeedPlan>, table: usize, observer: &dyn SeedObserver) -> Result<u64, SeedError> {
    let table_model = &model.tables[table];
    let name = table_model.display_name();
    let qualified = quote_qualified(&table_model.schema, &table_model.name);
    let mut tx = conn.begin().await.map_err(SeedError::database(format!("begin loading {name}")))?;
    (&mut *tx).execute(format!("LOCK TABLE {qualified} IN ACCESS EXCLUSIVE MODE").as_str()).await.map_err(SeedError::database(format!("lock {name} for loading")))?;
    let (is_empty,): (bool,) = sqlx::query_as(&format!("SELECT NOT EXISTS (SELECT 1 FROM {qualified})")).fetch_one(&mut *tx).await.map_err(SeedError::database(format!("look into {name}")))?;
    let (freezable,): (bool,) = sqlx::query_as(FREEZABLE).bind(&qualified).fetch_one(&mut *tx).await.map_err(SeedError::database(format!("look into {name}")))?;
    let mut statement = copy_statement(model, plan, table);
    if is_empty && freezable {
        (&mut *tx).execute(format!("TRUNCATE {qualified}").as_str()).await.map_err(SeedError::database(format!("empty {name} for COPY FREEZE")))?;
        statement.push_str(" WITH (FREEZE)");
    }
    let loaded = stream_rows(&mut tx, &statement, &name, plan, table, observer).await?;
    tx.commit().await.map_err(SeedError::database(format!("commit the rows of {name}")))?;
    observer.table_loaded(&name);
    Ok(loaded)
}

async fn stream_rows(conn: &mut PgConnection, statement: &str, name: &str, plan: &Arc<SeedPlan>, table: usize, observer: &dyn SeedObserver) -> Result<u64, SeedError> {
    let total = plan.tables[table].rows;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(Vec<u8>, u64)>(CHUNKS_IN_FLIGHT);
    let generator_plan = Arc::clone(plan);
    let generator = tokio::task::spawn_blocking(move || {
        let mut row = 0;
        while row < total {
            let mut chunk = Vec::with_capacity(super::generate::chunks::CHUNK_BYTES + 4096);
            let next = render_chunk(&generator_plan, table, row..total, &mut chunk);
            if sender.blocking_send((chunk, next - row)).is_err() {
                return;
            }
            row = next;
        }
    });
    let mut copy = conn.copy_in_raw(statement).await.map_err(SeedError::database(format!("start COPY into {name}")))?;
    let mut loaded = 0;
    while let Some((chunk, rows)) = receiver.recv().await {
        if let Err(source) = copy.send(chunk).await {
            drop(receiver);
            let _ = copy.abort("pgrehearse stopped the load").await;
            return Err(SeedError::Database { action: format!("send rows into {name}"), source });
        }
        loaded += rows;
        observer.rows_loaded(name, rows);
    }
    generator.await.map_err(|err| SeedError::Generator(err.to_string()))?;
    copy.finish().await.map_err(SeedError::database(format!("finish COPY into {name}")))?;
    Ok(loaded)
}
