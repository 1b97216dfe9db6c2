//! `verify-sqlite`: recompute both sides of an export and compare them: per-table counts
//! and checksums (and against the manifest), every row and value, `PRAGMA
//! foreign_key_check`, `PRAGMA integrity_check`, and every value against its mapping.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use super::compare::{compare_table, missing_columns, TableComparison};
use super::error::ExportError;
use super::manifest::{manifest_path, Manifest};
use super::plan::TablePlan;
use super::progress::Progress;
use super::source::{parse_options, Source};
use super::sqlite_side;
use crate::verify::conservation::TableCounts;
use crate::verify::{CheckKind, CheckResult, Example, Finding};

/// Everything verify-sqlite found.
#[derive(Debug, Clone)]
pub struct SqliteVerification {
    pub manifest: Manifest,
    pub server_version: String,
    /// Both sides of every table compared.
    pub tables: Vec<TableComparison>,
    /// Every difference, table by table, then the database-wide checks.
    pub findings: Vec<Finding>,
    pub duration: Duration,
}

impl SqliteVerification {
    pub fn holds(&self) -> bool {
        self.findings.is_empty()
    }

    /// The result as the one `sqlite-export` check of a report.
    pub fn check_result(&self) -> CheckResult {
        let rows: u64 = self.tables.iter().map(|t| t.postgres.0).sum();
        let summary = format!("{} tables, {rows} rows compared between Postgres and SQLite under the type mapping", self.tables.len());
        CheckResult::from_findings(CheckKind::SqliteExport, summary, self.findings.clone(), self.duration)
    }

    /// Rows per table on each side, for the report's table of counts.
    pub fn counts(&self) -> Vec<TableCounts> {
        self.tables.iter().map(|t| TableCounts { table: t.table.clone(), before: t.postgres.0 as i64, after: Some(t.sqlite.0 as i64), quarantined: 0 }).collect()
    }
}

pub async fn verify_sqlite(conn: &mut PgConnection, database: &Path, progress: Progress) -> Result<SqliteVerification, ExportError> {
    let start = Instant::now();
    let manifest = Manifest::read(&manifest_path(database))?;
    let parsed = parse_options(&manifest.options)?;
    let mut sqlite = sqlite_side::open_read_only(database)?;
    let mut source = Source::open(conn, &manifest.options, &parsed).await?;
    let tables: Vec<Arc<TablePlan>> = source.tables.iter().cloned().map(Arc::new).collect();
    let mut findings = Vec::new();
    let mut compared = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let table_finding = |message: String| Finding::new(CheckKind::SqliteExport, Some(table.name.clone()), message).with_count(1);
        match missing_columns(&sqlite, table)? {
            None => {
                findings.push(table_finding("the table is missing from SQLite".into()));
                continue;
            }
            Some(columns) if !columns.is_empty() => {
                findings.push(table_finding(format!("SQLite lacks column(s) {}", columns.join(", "))));
                continue;
            }
            Some(_) => {}
        }
        let (sink, rows) = mpsc::channel(8);
        let plan = Arc::clone(table);
        let table_progress = progress.rows(&format!("verify {}", table.name), None);
        let comparer = tokio::task::spawn_blocking(move || {
            let result = compare_table(&sqlite, &plan, rows, &table_progress);
            if let Ok(c) = &result {
                table_progress.set_rows(c.postgres.0);
                table_progress.finish();
            }
            (sqlite, result)
        });
        let read = source.read(index, &sink).await;
        drop(sink);
        let (back, result) = comparer.await.map_err(|e| ExportError::Internal(format!("the SQLite comparer stopped: {e}")))?;
        sqlite = back;
        let mut comparison = result?;
        read?;
        findings.append(&mut against_manifest(&manifest, &mut comparison));
        compared.push(comparison);
    }
    findings.extend(unexpected_tables(&sqlite, &tables, &manifest)?);
    findings.extend(reference_findings(&sqlite, &tables)?);
    findings.extend(integrity_findings(&sqlite)?);
    let server_version = source.server_version.clone();
    source.close().await?;
    Ok(SqliteVerification { manifest, server_version, tables: compared, findings, duration: start.elapsed() })
}

/// The row findings of a table, plus what the manifest says: a source that changed since
/// the export, or checksums that differ with no row to show for it.
fn against_manifest(manifest: &Manifest, comparison: &mut TableComparison) -> Vec<Finding> {
    let mut findings = std::mem::take(&mut comparison.findings);
    let table = &comparison.table;
    let finding = |message: String, before: String, after: String| {
        let mut f = Finding::new(CheckKind::SqliteExport, Some(table.clone()), message);
        f.record(Example { column: None, key: "(table)".into(), before: Some(before), after: Some(after) });
        f
    };
    let show = |(rows, sha): &(u64, String)| format!("{rows} rows, sha256 {sha}");
    match manifest.tables.get(table) {
        None => findings.push(finding("the manifest has no entry for this table".into(), show(&comparison.postgres), "(none)".into())),
        Some(entry) if (entry.rows, entry.sha256.clone()) != comparison.postgres => {
            findings.push(finding("Postgres no longer matches the manifest: the source changed since the export".into(), show(&(entry.rows, entry.sha256.clone())), show(&comparison.postgres)))
        }
        Some(_) => {}
    }
    if comparison.postgres != comparison.sqlite && findings.is_empty() {
        findings.push(finding("the checksums of Postgres (before) and SQLite (after) differ".into(), show(&comparison.postgres), show(&comparison.sqlite)));
    }
    findings
}

fn unexpected_tables(sqlite: &Connection, tables: &[Arc<TablePlan>], manifest: &Manifest) -> Result<Vec<Finding>, ExportError> {
    let mut statement = sqlite
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        .map_err(ExportError::sqlite("list the SQLite tables"))?;
    let names: Vec<String> = statement.query_map([], |r| r.get(0)).and_then(|r| r.collect()).map_err(ExportError::sqlite("list the SQLite tables"))?;
    let known = |n: &String| tables.iter().any(|t| &t.name == n);
    let mut findings: Vec<Finding> = names
        .iter()
        .filter(|n| !known(n))
        .map(|n| Finding::new(CheckKind::SqliteExport, Some(n.clone()), "SQLite has a table that Postgres has not").with_count(1))
        .collect();
    findings.extend(manifest.tables.keys().filter(|n| !known(n)).map(|n| Finding::new(CheckKind::SqliteExport, Some(n.clone()), "the manifest names a table Postgres no longer has").with_count(1)));
    Ok(findings)
}

fn reference_findings(sqlite: &Connection, tables: &[Arc<TablePlan>]) -> Result<Vec<Finding>, ExportError> {
    let mut findings: Vec<Finding> = Vec::new();
    for (table, rowid, parent) in sqlite_side::foreign_key_violations(sqlite)? {
        let key = match (tables.iter().find(|t| t.name == table), rowid) {
            (Some(plan), Some(rowid)) => sqlite_side::key_of_rowid(sqlite, plan, rowid),
            _ => format!("(rowid={rowid:?})"),
        };
        let message = format!("rows reference no row of {parent} (PRAGMA foreign_key_check)");
        let position = findings.iter().position(|f| f.table.as_deref() == Some(table.as_str()) && f.message == message);
        let finding = match position {
            Some(i) => &mut findings[i],
            None => {
                findings.push(Finding::new(CheckKind::SqliteExport, Some(table.clone()), message));
                findings.last_mut().expect("just pushed")
            }
        };
        finding.record(Example { key, column: None, before: None, after: Some(format!("no parent in {parent}")) });
    }
    Ok(findings)
}

fn integrity_findings(sqlite: &Connection) -> Result<Vec<Finding>, ExportError> {
    let mut statement = sqlite.prepare("PRAGMA integrity_check").map_err(ExportError::sqlite("run PRAGMA integrity_check"))?;
    let lines: Vec<String> = statement.query_map([], |r| r.get(0)).and_then(|r| r.collect()).map_err(ExportError::sqlite("run PRAGMA integrity_check"))?;
    if lines == ["ok"] {
        return Ok(Vec::new());
    }
    let mut finding = Finding::new(CheckKind::SqliteExport, None, "PRAGMA integrity_check reports problems");
    for line in lines {
        finding.record(Example { column: None, key: "integrity_check".into(), before: None, after: Some(line) });
    }
    Ok(vec![finding])
}
