//! What can stop a user's migration from being run at all. A statement that Postgres
//! rejects is not here: that is a [`super::StatementFailure`], returned as data.

use std::path::PathBuf;

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
