//! Executes one migration file statement by statement, in one transaction when the file
//! allows it, and returns what happened as data.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::{Connection, Executor, PgConnection};

use super::error::UserSqlError;
use super::statement_failure::StatementFailure;
use super::lexer::{statements, Segment};
use super::source::{MigrationSet, SqlFile};
use super::transaction::{transaction_mode, TransactionMode};

/// The outcome of running one file: every statement ran, or one failed (`failure`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileOutcome {
    pub file: String,
    pub mode: TransactionMode,
    /// How many statements the file holds.
    pub statements: usize,
    /// How many ran to completion (and, in [`TransactionMode::Single`], were committed
    /// only if there was no failure).
    pub statements_run: usize,
    #[serde(with = "crate::vocabulary::duration_ms")]
    pub duration: Duration,
    pub failure: Option<StatementFailure>,
}

impl FileOutcome {
    pub fn is_success(&self) -> bool {
        self.failure.is_none()
    }
}

/// Runs `file` on `conn`. A statement Postgres rejects ends the run with
/// `FileOutcome::failure` set; in a single transaction, everything is rolled back.
pub async fn run_file(conn: &mut PgConnection, file: &SqlFile) -> Result<FileOutcome, UserSqlError> {
    let started = Instant::now();
    let parsed = statements(&file.sql);
    let mode = transaction_mode(&file.sql, &parsed);
    let name = file.path.display().to_string();
    let connection_error = |source| UserSqlError::Connection { path: file.path.clone(), source };
    let (statements_run, failure) = match mode {
        TransactionMode::Single => {
            let mut tx = conn.begin().await.map_err(connection_error)?;
            let result = execute_all(&mut tx, file, &name, &parsed).await;
            match result.1 {
                None => tx.commit().await.map_err(connection_error)?,
                Some(_) => tx.rollback().await.map_err(connection_error)?,
            }
            result
        }
        TransactionMode::None => execute_all(conn, file, &name, &parsed).await,
    };
    Ok(FileOutcome { file: name, mode, statements: parsed.len(), statements_run, duration: started.elapsed(), failure })
}

/// Runs each statement with the simple query protocol (DDL takes no parameters, and the
/// file's text is sent as written, never spliced). Stops at the first failure.
async fn execute_all(
    conn: &mut PgConnection,
    file: &SqlFile,
    name: &str,
    parsed: &[Segment<'_>],
) -> (usize, Option<StatementFailure>) {
    for (i, segment) in parsed.iter().enumerate() {
        if let Err(error) = conn.execute(sqlx::raw_sql(segment.text)).await {
            return (i, Some(StatementFailure::new(name, &file.sql, i + 1, segment, &error)));
        }
    }
    (parsed.len(), None)
}

/// Applies the setup migrations of a set, in order; stops at the first failure.
pub async fn run_setup(conn: &mut PgConnection, set: &MigrationSet) -> Result<Vec<FileOutcome>, UserSqlError> {
    let mut outcomes = Vec::with_capacity(set.setup.len());
    for pair in &set.setup {
        let outcome = run_file(conn, &pair.up).await?;
        let failed = !outcome.is_success();
        outcomes.push(outcome);
        if failed {
            break;
        }
    }
    Ok(outcomes)
}
