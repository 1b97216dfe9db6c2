//! Exit codes, as documented in the README, and the errors that map onto them.

use crate::provision::ProvisionError;

/// The process exit codes pgrehearse promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// All invariants hold.
    Success = 0,
    /// A check found a problem.
    Findings = 1,
    /// A bad scenario, file or command line.
    Usage = 2,
    /// No Postgres could be had.
    NoPostgres = 3,
}

/// An error that stops a command, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Provision(err) if err.is_bad_input() => ExitCode::Usage,
            CliError::Provision(_) => ExitCode::NoPostgres,
            CliError::Usage(_) => ExitCode::Usage,
            CliError::Other(_) => ExitCode::Findings,
        }
    }
}
