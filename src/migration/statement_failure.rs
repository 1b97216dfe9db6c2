//! A statement Postgres rejected, as data: which file, which statement, which line, and
//! the error exactly as Postgres gave it, so a report can show it and a check can score it.

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgDatabaseError, PgErrorPosition};

use super::lexer::{line_at, Segment};

/// Statements longer than this are shortened in reports; the line number finds the rest.
const STATEMENT_PREVIEW_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementFailure {
    /// The file as the user named it.
    pub file: String,
    /// 1-based position of the statement among the file's statements.
    pub index: usize,
    /// 1-based line in the file where the statement starts.
    pub line: usize,
    /// The line Postgres pointed at (from the error's position), when it gave one.
    pub error_line: Option<usize>,
    /// The statement text, whitespace-collapsed and shortened.
    pub statement: String,
    pub error: PgErrorInfo,
}

/// The fields of a Postgres error a person needs; `code` is the SQLSTATE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgErrorInfo {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl std::fmt::Display for StatementFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = self.error_line.unwrap_or(self.line);
        write!(
            f,
            "{}:{}: statement {} failed: {} (SQLSTATE {})",
            self.file, line, self.index, self.error.message, self.error.code
        )?;
        if let Some(detail) = &self.error.detail {
            write!(f, "; detail: {detail}")?;
        }
        if let Some(hint) = &self.error.hint {
            write!(f, "; hint: {hint}")?;
        }
        write!(f, "; statement: {}", self.statement)
    }
}

impl StatementFailure {
    /// Builds the failure for `segment` (statement number `index`) of `file_sql`.
    pub fn new(
        file: &str,
        file_sql: &str,
        index: usize,
        segment: &Segment<'_>,
        error: &sqlx::Error,
    ) -> StatementFailure {
        let pg = error.as_database_error().and_then(|e| e.try_downcast_ref::<PgDatabaseError>());
        let error_line = pg.and_then(|e| e.position()).and_then(|position| match position {
            // Positions count characters from 1 within the statement text we sent.
            PgErrorPosition::Original(chars) => {
                let bytes = segment.text.char_indices().nth(chars.saturating_sub(1)).map(|(b, _)| b)?;
                Some(line_at(file_sql, segment.offset + bytes))
            }
            PgErrorPosition::Internal { .. } => None,
        });
        StatementFailure {
            file: file.to_string(),
            index,
            line: segment.line,
            error_line,
            statement: shorten(segment.text),
            error: PgErrorInfo::from_sqlx(error),
        }
    }
}

impl PgErrorInfo {
    /// Postgres's own fields when the error came from the server; otherwise (a broken
    /// connection, a protocol error) the driver's message under SQLSTATE `08000`.
    pub fn from_sqlx(error: &sqlx::Error) -> PgErrorInfo {
        match error.as_database_error().and_then(|e| e.try_downcast_ref::<PgDatabaseError>()) {
            Some(pg) => PgErrorInfo {
                code: pg.code().to_string(),
                message: pg.message().to_string(),
                detail: pg.detail().map(str::to_string),
                hint: pg.hint().map(str::to_string),
            },
            None => PgErrorInfo { code: "08000".to_string(), message: error.to_string(), detail: None, hint: None },
        }
    }
}

/// Collapses whitespace and cuts at [`STATEMENT_PREVIEW_CHARS`] characters.
pub fn shorten(statement: &str) -> String {
    let collapsed = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= STATEMENT_PREVIEW_CHARS {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(STATEMENT_PREVIEW_CHARS).collect();
    format!("{cut} …")
}
