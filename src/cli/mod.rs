//! The command line: clap definitions, shared flags, and one handler per subcommand.

mod args;
mod doctor;
mod exit;
mod export_sqlite;
mod migrate;
mod migrate_args;
mod migrate_print;
mod migrate_scenario;
mod provision_demo;
mod run;
mod seed;
mod sqlite_args;
mod sqlite_connect;
mod verify_sqlite;

pub use args::{Cli, Command};
pub use exit::{CliError, ExitCode};

/// Runs the parsed command and returns the process exit code.
pub async fn dispatch(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Doctor(args) => doctor::run(args).await,
        Command::Provision(args) => provision_demo::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Seed(args) => seed::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::ExportSqlite(args) => export_sqlite::run(args).await,
        Command::VerifySqlite(args) => verify_sqlite::run(args).await,
    }
}
