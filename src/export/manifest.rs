//! `app.db.manifest.json`: the pgrehearse version, the source server version, the time,
//! the options the export ran with, and every table's row count and SHA-256.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::ExportError;
use super::options::ExportOptions;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub pgrehearse_version: String,
    /// `SHOW server_version` of the source.
    pub server_version: String,
    /// When the export's snapshot was taken, RFC 3339 in UTC.
    pub exported_at: String,
    /// What the export was asked to do, so `verify-sqlite` selects the same rows.
    pub options: ExportOptions,
    /// By SQLite table name.
    pub tables: BTreeMap<String, TableEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    /// `schema.table` in Postgres.
    pub source: String,
    pub rows: u64,
    /// SHA-256 of the canonical row stream in key order, lowercase hex.
    pub sha256: String,
}

/// `app.db` → `app.db.manifest.json`, beside it.
pub fn manifest_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".manifest.json");
    database.with_file_name(name)
}

impl Manifest {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest serialises") + "\n"
    }

    pub fn read(path: &Path) -> Result<Manifest, ExportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ExportError::Manifest {
            path: path.to_path_buf(),
            reason: format!("{e} (verify-sqlite needs the manifest export-sqlite wrote beside the database)"),
        })?;
        serde_json::from_str(&text).map_err(|e| ExportError::Manifest { path: path.to_path_buf(), reason: e.to_string() })
    }
}
