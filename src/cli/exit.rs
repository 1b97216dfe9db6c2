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
    /// pgrehearse itself failed (a query it needs, a file it writes); never a finding.
    Internal = 4,
}

/// The exit codes as `--help` and the README list them.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0    every invariant holds
  1    a check found a problem (a finding)
  2    bad input: a scenario, a migration file or the command line
  3    no Postgres could be had
  4    internal error: pgrehearse failed; the report says which checks ran
  130  interrupted (SIGINT), 143 terminated (SIGTERM)";

impl ExitCode {
    /// The code of several results together: an internal error over a finding over success.
    pub fn worst(self, other: ExitCode) -> ExitCode {
        let rank = |code: ExitCode| match code {
            ExitCode::Success => 0,
            ExitCode::Findings => 1,
            ExitCode::Usage | ExitCode::NoPostgres => 2,
            ExitCode::Internal => 3,
        };
        if rank(other) > rank(self) { other } else { self }
    }
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
            CliError::Other(_) => ExitCode::Internal,
        }
    }
}
