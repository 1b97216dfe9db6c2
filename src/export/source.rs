//! The Postgres side of an export or a verification: one REPEATABLE READ snapshot with
//! the output settings the mapping needs, the plan read from its catalog, and the tenant
//! selection if one was asked for. Export and verify open it the same way, so they see
//! the same rows in the same forms.

use sqlx::{Executor, PgConnection};

use super::catalog::{self, SourceTable};
use super::error::ExportError;
use super::options::{parse_excluded, parse_relation, ExportOptions, RowFilter};
use super::plan::{self, TablePlan};
use super::read::{self, Row, OUTPUT_SETTINGS};
use super::tenant::{self, Selection};
use tokio::sync::mpsc;

pub struct Source<'c> {
    conn: &'c mut PgConnection,
    pub server_version: String,
    pub tables: Vec<TablePlan>,
    selection: Option<Selection>,
}

/// The options parsed, so a bad one is refused before any connection or file.
pub struct ParsedOptions {
    filter: Option<RowFilter>,
    excluded: Vec<super::options::ColumnRef>,
    relations: Vec<(super::options::ColumnRef, super::options::ColumnRef)>,
}

pub fn parse_options(options: &ExportOptions) -> Result<ParsedOptions, ExportError> {
    Ok(ParsedOptions {
        filter: options.only_rows_of.as_deref().map(RowFilter::parse).transpose()?,
        excluded: parse_excluded(&options.exclude_columns)?,
        relations: options.relations.iter().map(|r| parse_relation(r)).collect::<Result<_, _>>()?,
    })
}

impl<'c> Source<'c> {
    /// Begins the snapshot and plans the export; refuses unsupported types, unknown
    /// names and an empty filter.
    pub async fn open(conn: &'c mut PgConnection, options: &ExportOptions, parsed: &ParsedOptions) -> Result<Source<'c>, ExportError> {
        // Temp tables for the tenant filter rule out READ ONLY; nothing else is written.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ").await.map_err(ExportError::postgres("begin the export snapshot"))?;
        conn.execute(OUTPUT_SETTINGS).await.map_err(ExportError::postgres("set the output forms"))?;
        let server_version = catalog::server_version(conn).await?;
        let tables: Vec<SourceTable> = catalog::read_tables(conn, &options.schemas).await?;
        if tables.is_empty() {
            return Err(ExportError::NoTables { schemas: options.schemas.join(", ") });
        }
        // The filter follows the references as Postgres has them, excluded columns too
        // (a tenant's `user_id` is how its rows are found before it is dropped).
        let plans = plan::plan(tables.clone(), &parsed.excluded, options.numeric)?;
        let selection = match &parsed.filter {
            Some(filter) => Some(tenant::select(conn, &tables, filter, &parsed.relations).await?),
            None => None,
        };
        Ok(Source { conn, server_version, tables: plans, selection })
    }

    /// Streams table `index` in key order into `sink`.
    pub async fn read(&mut self, index: usize, sink: &mpsc::Sender<Vec<Row>>) -> Result<u64, ExportError> {
        let table = &self.tables[index];
        let selection = self.selection.as_ref().map(|s| s[&table.source.oid].as_str());
        read::read_table(self.conn, table, selection, sink).await
    }

    /// Ends the snapshot (it wrote nothing but temp tables).
    pub async fn close(self) -> Result<(), ExportError> {
        self.conn.execute("ROLLBACK").await.map_err(ExportError::postgres("end the export snapshot"))?;
        Ok(())
    }
}
