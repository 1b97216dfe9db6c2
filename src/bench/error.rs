//! What stops a bench: bad input (exit 2, before anything is seeded), a server that
//! cannot be had, or a run that failed part-way.

use crate::dataset::SeedError;
use crate::engine::EngineError;
use crate::provision::ProvisionError;
use crate::rehearsal::RehearsalError;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The command line or the scenario cannot be benched; nothing was started.
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error("seed the scenario: {0}")]
    Seed(#[from] SeedError),
    #[error("{0}")]
    Rehearsal(#[from] RehearsalError),
    #[error("run the engine ({run}): {source}")]
    Engine { run: String, source: EngineError },
    /// The scenario's policies stopped the engine: with `fail` policies and anomalies in
    /// the data there is nothing to measure.
    #[error("the engine stopped at `{step}` ({run}) with {findings} findings; bench measures a migration that completes, so set the scenario's on_* policies to quarantine")]
    Blocked { run: String, step: String, findings: usize },
    #[error("the one-shot ALTER baseline failed at `{statement}`: {source}")]
    Baseline { statement: String, source: sqlx::Error },
    #[error("{what}: {source}")]
    Query { what: String, source: sqlx::Error },
    #[error("write {path}: {source}")]
    Write { path: std::path::PathBuf, source: std::io::Error },
}

impl BenchError {
    pub fn query(what: &str) -> impl FnOnce(sqlx::Error) -> BenchError + '_ {
        move |source| BenchError::Query { what: what.to_string(), source }
    }
}
