//! Streams one table into Postgres with COPY (text format): a blocking thread renders
//! ~1 MiB chunks from the plan while the connection sends the previous ones, so the
//! generator and the server work at the same time and memory holds only a few chunks.

use std::sync::Arc;

use sqlx::postgres::PgConnection;

use super::error::SeedError;
use super::generate::chunks::render_chunk;
use super::model::SchemaModel;
use super::plan::{ColumnGen, SeedPlan};
use crate::quote::{quote_ident, quote_qualified};

/// Chunks rendered ahead of the connection: enough to hide a slow chunk, few enough that
/// memory stays flat (4 × 1 MiB).
const CHUNKS_IN_FLIGHT: usize = 4;

/// Hears about progress while a dataset loads; every method has a silent default.
pub trait SeedObserver: Send + Sync {
    /// The plan is made: this many rows will be loaded in all.
    fn planned(&self, _total_rows: u64) {}
    /// A step other than loading rows has started (keys, ground truth).
    fn phase(&self, _phase: &str) {}
    fn table_started(&self, _table: &str, _rows: u64) {}
    fn rows_loaded(&self, _rows: u64) {}
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

/// Loads every row of `table`; returns how many were loaded.
pub async fn copy_table(conn: &mut PgConnection, model: &SchemaModel, plan: &Arc<SeedPlan>, table: usize, observer: &dyn SeedObserver) -> Result<u64, SeedError> {
    let total = plan.tables[table].rows;
    let name = model.tables[table].display_name();
    observer.table_started(&name, total);
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
    let mut copy = conn.copy_in_raw(&copy_statement(model, plan, table)).await.map_err(SeedError::database(format!("start COPY into {name}")))?;
    let mut loaded = 0;
    while let Some((chunk, rows)) = receiver.recv().await {
        if let Err(source) = copy.send(chunk).await {
            drop(receiver);
            let _ = copy.abort("pgrehearse stopped the load").await;
            return Err(SeedError::Database { action: format!("send rows into {name}"), source });
        }
        loaded += rows;
        observer.rows_loaded(rows);
    }
    generator.await.map_err(|err| SeedError::Generator(err.to_string()))?;
    copy.finish().await.map_err(SeedError::database(format!("finish COPY into {name}")))?;
    Ok(loaded)
}
