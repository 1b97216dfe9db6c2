//! What stops a rehearsal before it can report. A migration that fails, or a check that
//! finds something, is not an error: those are findings in the report.

use crate::dataset::SeedError;
use crate::engine::user_sql::UserSqlError;
use crate::engine::EngineError;
use crate::provision::ProvisionError;
use crate::report::ReportError;
use crate::verify::VerifyError;

#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    #[error("get a database: {0}")]
    Provision(#[from] ProvisionError),
    #[error("seed the dataset: {0}")]
    Seed(#[from] SeedError),
    #[error("read the migration: {0}")]
    UserSql(#[from] UserSqlError),
    #[error("run the built-in engine: {0}")]
    Engine(#[from] EngineError),
    #[error("verify: {0}")]
    Verify(#[from] VerifyError),
    #[error("write the reports: {0}")]
    Report(#[from] ReportError),
    #[error("{0}")]
    Invalid(String),
    #[error("set `{setting}` on the migration's session: {source}")]
    Session { setting: String, source: sqlx::Error },
}

impl RehearsalError {
    /// A problem with the scenario or its files (exit 2) rather than with the machine.
    pub fn is_bad_input(&self) -> bool {
        match self {
            RehearsalError::Seed(err) => err.is_bad_scenario(),
            RehearsalError::UserSql(_) | RehearsalError::Invalid(_) => true,
            _ => false,
        }
    }
}
