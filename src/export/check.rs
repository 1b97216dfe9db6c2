//! The `sqlite-export` check of a rehearsal, ready for the harness: export the seeded
//! database and, where the scenario migrates, the migrated one, and verify each export
//! against its source (conservation, and content under the mapping). A scenario asks for
//! it with `[export] sqlite = true` (see `rehearsal::export_phase`).

use std::time::Instant;

use sqlx::{Executor, PgConnection};

use super::error::ExportError;
use super::exporter::export_sqlite;
use super::options::ExportOptions;
use super::progress::Progress;
use super::verifier::verify_sqlite;
use crate::verify::{CheckKind, CheckResult};

/// Exports and verifies each `(label, database)`; findings name the label and the table.
pub async fn check(databases: Vec<(&str, &mut PgConnection)>) -> Result<CheckResult, ExportError> {
    let start = Instant::now();
    let dir = tempfile::tempdir().map_err(|source| ExportError::Io { action: "create a directory for", path: std::env::temp_dir(), source })?;
    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    for (label, conn) in databases {
        let file = dir.path().join(format!("{label}.db"));
        let outcome = export_and_verify(conn, &file).await;
        if outcome.is_err() {
            // Leave the connection usable for the checks that follow.
            let _ = conn.execute("ROLLBACK").await;
        }
        let verification = outcome?;
        let rows: u64 = verification.tables.iter().map(|t| t.postgres.0).sum();
        summaries.push(format!("{label}: {} tables, {rows} rows", verification.tables.len()));
        findings.extend(verification.findings.into_iter().map(|mut f| {
            f.table = Some(format!("{label} {}", f.table.unwrap_or_default()).trim_end().to_string());
            f
        }));
    }
    let summary = format!("exported to SQLite and verified under the type mapping: {}", summaries.join("; "));
    Ok(CheckResult::from_findings(CheckKind::SqliteExport, summary, findings, start.elapsed()))
}

async fn export_and_verify(conn: &mut PgConnection, file: &std::path::Path) -> Result<super::verifier::SqliteVerification, ExportError> {
    export_sqlite(conn, file, &ExportOptions::default(), false, Progress::hidden()).await?;
    verify_sqlite(conn, file, Progress::hidden()).await
}
