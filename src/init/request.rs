//! What `pgrehearse init` is asked to do, as the CLI hands it over.

use std::path::PathBuf;

use super::suggest::Scale;
use crate::provision::ProvisionOptions;

#[derive(Debug, Clone)]
pub struct InitRequest {
    pub source: InitSource,
    /// The directory that receives `scenario.toml` and `schema.sql`.
    pub out: PathBuf,
    pub scale: Scale,
    /// The user's sqlx-style migrations directory, for the `[migration]` stub.
    pub migrations: Option<PathBuf>,
    /// The scenario's name; by default the database's or the schema file's.
    pub name: Option<String>,
    /// Where `--from-schema` loads the file to read it back from the catalog.
    pub provision: ProvisionOptions,
}

#[derive(Debug, Clone)]
pub enum InitSource {
    /// A live database, read-only: its catalog and planner estimates, never its rows.
    Database { url: String },
    /// `pg_dump --schema-only` output (or any DDL file).
    SchemaFile { path: PathBuf },
}
