//! What stops `pgrehearse init`. Messages are lowercase fragments that read after
//! "failed to" and say what to do.

use std::path::PathBuf;

use crate::dataset::SeedError;
use crate::provision::ProvisionError;
use crate::scenario::ScenarioError;

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("parse the database URL: {0}")]
    BadUrl(String),
    #[error("connect to {database}: {source}")]
    Connect { database: String, source: sqlx::Error },
    #[error("read the catalog of {database}: {source}")]
    Catalog { database: String, source: SeedError },
    #[error("dump the schema of {database} with {pg_dump}: {message}")]
    Dump { database: String, pg_dump: String, message: String },
    #[error("find pg_dump: {0}. Install the PostgreSQL client, set PGREHEARSE_PG_BINDIR, or dump the schema yourself and use --from-schema")]
    NoPgDump(String),
    #[error("read the schema file {path}: {source}")]
    ReadSchema { path: PathBuf, source: std::io::Error },
    #[error("load the schema file {path} on a disposable server: {source}")]
    LoadSchema { path: PathBuf, source: SeedError },
    #[error("get a disposable server for {path}: {source}")]
    Provision { path: PathBuf, source: ProvisionError },
    #[error("write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("write {path}: it exists; remove it or choose another --out")]
    Exists { path: PathBuf },
    #[error("use --migrations {path}: it is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("check the scenario written to {path}: {source}")]
    Written { path: PathBuf, source: ScenarioError },
}

impl InitError {
    /// A problem with what the user gave (exit 2), rather than with the machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            InitError::BadUrl(_) | InitError::ReadSchema { .. } | InitError::LoadSchema { .. } | InitError::Exists { .. } | InitError::NotADirectory { .. } | InitError::Written { .. }
        )
    }
}
