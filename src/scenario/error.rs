//! Everything wrong a scenario file can be. Each message is a lowercase fragment that reads
//! after "failed to", names the file and line, and says what to do.

use std::path::PathBuf;

use super::location::Location;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("read scenario {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },

    #[error("parse scenario {path}:{location}: {message}")]
    Syntax { path: PathBuf, location: Location, message: String },

    #[error("load scenario {path}:{location}: {message}")]
    Invalid { path: PathBuf, location: Location, message: String },

    #[error("find `{file}` named by `{key}` in {path}:{location}: no such file or directory (paths are relative to the scenario file, so this is {resolved})")]
    MissingFile { path: PathBuf, location: Location, key: String, file: String, resolved: PathBuf },

    #[error("resolve table `{table}` in {path}:{location}: the schema has no such table (it has: {known})")]
    UnknownTable { path: PathBuf, location: Location, table: String, known: String },

    #[error("resolve column `{table}.{column}` in {path}:{location}: table `{table}` has no such column (it has: {known})")]
    UnknownColumn { path: PathBuf, location: Location, table: String, column: String, known: String },

    #[error("inject {kind} into `{column}` ({path}:{location}): {reason}")]
    AnomalyNotApplicable { path: PathBuf, location: Location, kind: String, column: String, reason: String },
}

impl ScenarioError {
    /// The scenario file the error is about.
    pub fn path(&self) -> &PathBuf {
        match self {
            ScenarioError::Read { path, .. }
            | ScenarioError::Syntax { path, .. }
            | ScenarioError::Invalid { path, .. }
            | ScenarioError::MissingFile { path, .. }
            | ScenarioError::UnknownTable { path, .. }
            | ScenarioError::UnknownColumn { path, .. }
            | ScenarioError::AnomalyNotApplicable { path, .. } => path,
        }
    }

    /// The line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScenarioError::Read { .. } => None,
            ScenarioError::Syntax { location, .. }
            | ScenarioError::Invalid { location, .. }
            | ScenarioError::MissingFile { location, .. }
            | ScenarioError::UnknownTable { location, .. }
            | ScenarioError::UnknownColumn { location, .. }
            | ScenarioError::AnomalyNotApplicable { location, .. } => Some(location.line),
        }
    }
}
