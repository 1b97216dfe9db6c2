//! `export-sqlite`: plan from the catalog, write the schema, stream every table from COPY
//! into prepared inserts in one SQLite transaction, check the foreign keys, hash both
//! sides, write the manifest, and rename into place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use super::atomic::AtomicTarget;
use super::error::ExportError;
use super::manifest::{manifest_path, Manifest, TableEntry};
use super::options::ExportOptions;
use super::order::dependency_order;
use super::plan::TablePlan;
use super::progress::Progress;
use super::schema::{schema_statements, SchemaSummary};
use super::source::{parse_options, Source};
use super::sqlite_side;

/// What an export did, for the summary the CLI prints.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
    pub schema: SchemaSummary,
    pub total_rows: u64,
    pub duration: Duration,
}

/// Exports `conn`'s database to `target`; on any error nothing is left at `target`.
pub async fn export_sqlite(conn: &mut PgConnection, target: &Path, options: &ExportOptions, force: bool, progress: Progress) -> Result<ExportSummary, ExportError> {
    let start = Instant::now();
    let parsed = parse_options(options)?;
    let atomic = AtomicTarget::prepare(target, force)?;
    let exported_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut source = Source::open(conn, options, &parsed).await?;
    let (statements, schema) = schema_statements(&source.tables);
    let mut sqlite = sqlite_side::create(atomic.temp_path())?;
    sqlite.execute_batch("BEGIN").map_err(ExportError::sqlite("begin the SQLite transaction"))?;
    for statement in &statements {
        sqlite.execute_batch(statement).map_err(ExportError::sqlite(format!("create the schema ({statement})")))?;
    }
    let tables: Vec<Arc<TablePlan>> = source.tables.iter().cloned().map(Arc::new).collect();
    let mut entries = BTreeMap::new();
    let mut total_rows = 0;
    for index in dependency_order(&source.tables) {
        let table = Arc::clone(&tables[index]);
        let (sink, rows) = mpsc::channel(8);
        let table_progress = progress.rows(&format!("export {}", table.name), None);
        let loader = tokio::task::spawn_blocking(move || {
            let loaded = sqlite_side::load_table(&sqlite, &table, rows, &table_progress);
            if let Ok(hasher) = &loaded {
                table_progress.set_rows(hasher.rows());
                table_progress.finish();
            }
            (sqlite, loaded)
        });
        let read = source.read(index, &sink).await;
        drop(sink);
        let (back, loaded) = loader.await.map_err(|e| ExportError::Internal(format!("the SQLite loader stopped: {e}")))?;
        sqlite = back;
        // When both fail, the loader's error is the cause (the reader only saw it stop).
        let hasher = loaded?;
        read?;
        let (rows, sha256) = hasher.finish();
        total_rows += rows;
        entries.insert(tables[index].name.clone(), TableEntry { source: tables[index].source.qualified(), rows, sha256 });
    }
    check_references(&sqlite, &source.tables)?;
    check_both_sides(&sqlite, &source.tables, &entries)?;
    sqlite.execute_batch("COMMIT").map_err(ExportError::sqlite("commit the SQLite transaction"))?;
    sqlite.close().map_err(|(_, e)| ExportError::Sqlite { action: "close the SQLite file".into(), source: e })?;
    let server_version = source.server_version.clone();
    source.close().await?;
    let manifest = Manifest { pgrehearse_version: env!("CARGO_PKG_VERSION").into(), server_version, exported_at, options: options.clone(), tables: entries };
    atomic.commit(&manifest.to_json())?;
    Ok(ExportSummary { path: target.to_path_buf(), manifest_path: manifest_path(target), manifest, schema, total_rows, duration: start.elapsed() })
}

/// The deferred foreign-key check: every reference loaded must have its parent row.
fn check_references(sqlite: &Connection, tables: &[TablePlan]) -> Result<(), ExportError> {
    let violations = sqlite_side::foreign_key_violations(sqlite)?;
    let Some((table, rowid, parent)) = violations.first() else { return Ok(()) };
    let count = violations.iter().filter(|v| &v.0 == table).count() as u64;
    let key = match (tables.iter().find(|t| &t.name == table), rowid) {
        (Some(plan), Some(rowid)) => sqlite_side::key_of_rowid(sqlite, plan, *rowid),
        _ => "(unknown)".into(),
    };
    Err(ExportError::BrokenReferences { table: table.clone(), parent: parent.clone(), count, key })
}

/// Reads every table back from SQLite and checks it hashes as the rows read from Postgres.
fn check_both_sides(sqlite: &Connection, tables: &[TablePlan], entries: &BTreeMap<String, TableEntry>) -> Result<(), ExportError> {
    for table in tables {
        let (rows, sha256) = sqlite_side::checksum(sqlite, table)?;
        let entry = &entries[&table.name];
        if rows != entry.rows || sha256 != entry.sha256 {
            return Err(ExportError::ChecksumMismatch { table: table.name.clone(), postgres: format!("{} rows, {}", entry.rows, entry.sha256), sqlite: format!("{rows} rows, {sha256}") });
        }
    }
    Ok(())
}
