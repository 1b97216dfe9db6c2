//! What can stop a seeding run. Messages are lowercase fragments that read after
//! "failed to" and say what to do.

use crate::scenario::ScenarioError;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),

    #[error("generate values for column {column} of type {sql_type}: pgrehearse has no generator for that type. Make the column nullable (it is then left NULL) or open an issue")]
    UnsupportedColumn { column: String, sql_type: String },

    #[error("generate values for column {column}: its CHECK constraint {constraint} ({definition}) is not in a form pgrehearse can satisfy (IN lists, comparisons with constants, length limits, <> ''). Give the column its values with a [[column]] entry (values = [...] or from = \"table.column\")")]
    UnsatisfiableCheck { column: String, constraint: String, definition: String },

    #[error("generate values for column {column}: {reason}")]
    UnsupportedValues { column: String, reason: String },

    #[error("generate rows for table {table}: {reason}")]
    UnsupportedTable { table: String, reason: String },

    #[error("reference {from} -> {to}: the target must be a key or unique column so children can point at its rows")]
    RelationTargetNotKey { from: String, to: String },

    #[error("generate {rows} rows for {table}: {reason}")]
    RowCount { table: String, rows: u64, reason: String },

    #[error("read the schema file {path}: {source}")]
    SchemaFile { path: std::path::PathBuf, source: std::io::Error },

    #[error("{action}: {source}")]
    Database { action: String, source: sqlx::Error },

    #[error("seed {rows} rows: they would take about {estimate} on disk, but the server's data directory has {free} free; lower the row counts in [rows] or free some space")]
    TooBig { rows: u128, estimate: String, free: String },

    /// The server rejected the scenario's schema file or what it asks for; `message`
    /// starts with `file:line:`.
    #[error("{message}")]
    SchemaStatement { file: String, line: usize, message: String },

    #[error("generate rows: the generator thread stopped: {0}")]
    Generator(String),

    /// A bug in pgrehearse, never the scenario's fault.
    #[error("seed the database: internal error: {0}")]
    Internal(String),
}

impl From<crate::parallel::Stalled> for SeedError {
    fn from(stalled: crate::parallel::Stalled) -> SeedError {
        SeedError::Internal(format!("{} seeding jobs wait on work that no job does", stalled.waiting))
    }
}

impl SeedError {
    /// Wraps a database error with what was being done.
    pub fn database(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> SeedError {
        let action = action.into();
        move |source| SeedError::Database { action, source }
    }

    /// Whether the error is the scenario's fault (exit 2) rather than the environment's.
    pub fn is_bad_scenario(&self) -> bool {
        !matches!(self, SeedError::Database { .. } | SeedError::Generator(_) | SeedError::Internal(_))
    }
}
