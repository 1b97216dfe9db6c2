//! What can stop a migration from being run at all. A statement that Postgres rejects is
//! not here: that is a [`super::MigrationFailure`], returned as data.

use std::path::PathBuf;

use crate::engine::EngineError;
use crate::provision::ProvisionError;

/// A migration file or directory that cannot be used as written (bad input, exit 2), or
/// a connection lost outside any statement.
#[derive(Debug, thiserror::Error)]
pub enum UserSqlError {
    #[error("read migration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },

    #[error("find migration file {path}: it does not exist")]
    NotFound { path: PathBuf },

    #[error("find migrations in {dir}: no `NNNN_name.up.sql` file there")]
    EmptyDirectory { dir: PathBuf },

    #[error("pair migration {path}: its name is not `NNNN_name.up.sql` / `NNNN_name.down.sql`")]
    BadName { path: PathBuf },

    #[error("pair migration {path}: version {version} appears twice in {dir}")]
    DuplicateVersion { path: PathBuf, dir: PathBuf, version: u64 },

    #[error("run {path}: the connection failed outside any statement: {source}")]
    Connection { path: PathBuf, source: sqlx::Error },
}

impl UserSqlError {
    /// The files are wrong (exit 2), as opposed to the server going away.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, UserSqlError::Connection { .. })
    }
}

/// What stops the driver from running up or down.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("run the migration files: {0}")]
    UserSql(#[from] UserSqlError),
    #[error("run the built-in engine: {0}")]
    Engine(#[from] EngineError),
    #[error("connect to the database: {0}")]
    Connect(#[from] ProvisionError),
    #[error("run down: the rehearsed migration has no down file")]
    NoDown,
}
