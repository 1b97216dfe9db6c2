//! What can stop reports from being written.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("write report {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}
