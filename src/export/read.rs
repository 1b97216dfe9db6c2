//! Reads one table from Postgres with `COPY (SELECT <mapped forms> ... ORDER BY <key>) TO
//! STDOUT` and hands its rows, already mapped to SQLite values, to a consumer in batches.

use futures::TryStreamExt;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use super::copy_text::{split_fields, LineBuffer};
use super::error::ExportError;
use super::plan::TablePlan;
use super::value::SqlValue;
use crate::quote::{quote_ident, quote_qualified};

pub type Row = Vec<SqlValue>;

/// Rows per batch handed to the consumer: large enough to amortise the channel, small
/// enough that the progress bar moves.
pub const BATCH_ROWS: usize = 4096;

/// Session settings that fix the output forms the mapping relies on; set once per
/// transaction (https://www.postgresql.org/docs/current/runtime-config-client.html).
pub const OUTPUT_SETTINGS: &str = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL bytea_output = 'hex'; SET LOCAL extra_float_digits = 1";

/// The COPY statement for a table, optionally only the rows in a selection temp table.
pub fn copy_statement(table: &TablePlan, selection: Option<&str>) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| c.mapping.select_expr(&c.source.name)).collect();
    let order: Vec<String> = table.key.iter().map(|&k| format!("{} NULLS FIRST", table.columns[k].mapping.order_expr(&table.columns[k].source.name))).collect();
    let filter = selection.map(|s| format!(" WHERE (tableoid, ctid) IN (SELECT toid, tid FROM pg_temp.{})", quote_ident(s))).unwrap_or_default();
    format!(
        "COPY (SELECT {} FROM {}{filter} ORDER BY {}) TO STDOUT",
        columns.join(", "),
        quote_qualified(&table.source.schema, &table.source.name),
        order.join(", ")
    )
}

/// Streams the table's rows to `sink` in key order; returns how many were read.
pub async fn read_table(conn: &mut PgConnection, table: &TablePlan, selection: Option<&str>, sink: &mpsc::Sender<Vec<Row>>) -> Result<u64, ExportError> {
    let statement = copy_statement(table, selection);
    let action = || format!("read {} with COPY", table.source.qualified());
    let mut stream = conn.copy_out_raw(&statement).await.map_err(ExportError::postgres(action()))?;
    let mut buffer = LineBuffer::default();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut rows = 0u64;
    while let Some(chunk) = stream.try_next().await.map_err(ExportError::postgres(action()))? {
        buffer.feed(&chunk, |line| {
            batch.push(decode_row(table, line)?);
            Ok::<(), ExportError>(())
        })?;
        if batch.len() >= BATCH_ROWS {
            rows += batch.len() as u64;
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            sink.send(full).await.map_err(|_| ExportError::Internal("the SQLite side stopped".into()))?;
        }
    }
    if !buffer.is_empty() {
        return Err(ExportError::Internal(format!("{}: COPY ended in the middle of a row", action())));
    }
    rows += batch.len() as u64;
    if !batch.is_empty() {
        sink.send(batch).await.map_err(|_| ExportError::Internal("the SQLite side stopped".into()))?;
    }
    Ok(rows)
}

fn decode_row(table: &TablePlan, line: &[u8]) -> Result<Row, ExportError> {
    let fields = split_fields(line);
    if fields.len() != table.columns.len() {
        return Err(ExportError::Internal(format!("{}: COPY gave {} fields, expected {}", table.source.qualified(), fields.len(), table.columns.len())));
    }
    // Only a failing row pays for splitting its line again to name its key.
    let key = || {
        let fields = split_fields(line);
        describe_key(table, |k| fields[k].clone().unwrap_or_else(|| "NULL".into()))
    };
    let mut row = Vec::with_capacity(fields.len());
    for (i, field) in fields.into_iter().enumerate() {
        let value = match field {
            None => SqlValue::Null,
            Some(text) => table.columns[i].mapping.decode(text).map_err(|reason| ExportError::BadValue {
                table: table.source.qualified(),
                key: key(),
                column: table.columns[i].source.name.clone(),
                reason,
            })?,
        };
        row.push(value);
    }
    Ok(row)
}

/// `(id=7)` or `(a=1, b=x)`: a row's key for messages and findings.
pub fn describe_key(table: &TablePlan, value: impl Fn(usize) -> String) -> String {
    let parts: Vec<String> = table.key.iter().map(|&k| format!("{}={}", table.columns[k].source.name, value(k))).collect();
    format!("({})", parts.join(", "))
}
