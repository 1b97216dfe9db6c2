//! What can stop an export or a verification, split into bad input (exit 2: the user can
//! fix it) and everything else (an internal or database error).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("write {}: the file exists; pass --force to replace it", path.display())]
    TargetExists { path: PathBuf },
    #[error("write {}: the directory {} does not exist", path.display(), dir.display())]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("export column {table}.{column}: type `{type_name}` has no SQLite mapping; exclude it with --exclude-columns {table}.{column}")]
    Unsupported { table: String, column: String, type_name: String },
    #[error("export {table} row {key}: column {column} {reason}")]
    BadValue { table: String, key: String, column: String, reason: String },
    #[error("read --schema: no table in schema(s) {schemas}")]
    NoTables { schemas: String },
    #[error("read {option} `{given}`: {reason}")]
    BadOption { option: &'static str, given: String, reason: String },
    #[error("apply --only-rows-of `{filter}`: it selects no row of {table}")]
    FilterSelectsNothing { filter: String, table: String },
    #[error("export tables: `{name}` exists in schemas {first} and {second}; SQLite has one namespace, export one of them with --schema")]
    NameClash { name: String, first: String, second: String },
    #[error("load {table}: {count} row(s) reference no parent row (foreign key to {parent}), e.g. row {key}; Postgres does not enforce it (NOT VALID?)")]
    BrokenReferences { table: String, parent: String, count: u64, key: String },
    #[error("read manifest {}: {reason}", path.display())]
    Manifest { path: PathBuf, reason: String },
    #[error("open {}: {reason}", path.display())]
    NotSqlite { path: PathBuf, reason: String },
    #[error("{action}: {source}")]
    Postgres { action: String, source: sqlx::Error },
    #[error("{action}: {source}")]
    Sqlite { action: String, source: rusqlite::Error },
    #[error("{action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("verify the export of {table}: the rows written to SQLite hash to {sqlite} but the rows read from Postgres to {postgres}")]
    ChecksumMismatch { table: String, postgres: String, sqlite: String },
    #[error("{0}")]
    Internal(String),
}

impl ExportError {
    /// True for the errors the user can fix (exit 2); the others are internal.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ExportError::TargetExists { .. }
                | ExportError::NoDirectory { .. }
                | ExportError::Unsupported { .. }
                | ExportError::BadValue { .. }
                | ExportError::NoTables { .. }
                | ExportError::BadOption { .. }
                | ExportError::FilterSelectsNothing { .. }
                | ExportError::NameClash { .. }
                | ExportError::BrokenReferences { .. }
                | ExportError::Manifest { .. }
                | ExportError::NotSqlite { .. }
        )
    }

    pub fn postgres(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> ExportError {
        let action = action.into();
        move |source| ExportError::Postgres { action, source }
    }

    pub fn sqlite(action: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> ExportError {
        let action = action.into();
        move |source| ExportError::Sqlite { action, source }
    }
}
