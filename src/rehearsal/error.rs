//! What stops a rehearsal before it can report. A migration that fails, or a check that
//! finds something, is not an error: those are findings in the report.

use crate::dataset::SeedError;
use crate::engine::EngineError;
use crate::migration::MigrationError;
use crate::provision::ProvisionError;
use crate::report::ReportError;
use crate::verify::VerifyError;

#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    #[error("get a database: {0}")]
    Provision(#[from] ProvisionError),
    #[error("seed the dataset: {0}")]
    Seed(#[from] SeedError),
    #[error("{0}")]
    Migration(#[from] MigrationError),
    #[error("read the engine's bookkeeping: {0}")]
    Engine(#[from] EngineError),
    #[error("verify: {0}")]
    Verify(#[from] VerifyError),
    #[error("export to SQLite: {0}")]
    Export(#[from] crate::export::ExportError),
    #[error("inject the scenario's faults: {0}")]
    Faults(#[from] crate::faults::FaultError),
    #[error("write the reports: {0}")]
    Report(#[from] ReportError),
    #[error("{0}")]
    Invalid(String),
}

impl RehearsalError {
    /// A problem with the scenario or its files (exit 2) rather than with the machine.
    pub fn is_bad_input(&self) -> bool {
        match self {
            RehearsalError::Seed(err) => err.is_bad_scenario(),
            RehearsalError::Migration(MigrationError::UserSql(err)) => err.is_bad_input(),
            RehearsalError::Invalid(_) => true,
            _ => false,
        }
    }
}
