//! The command line: clap definitions, shared flags, and one handler per subcommand.

mod args;
mod bench;
mod doctor;
mod exit;
mod export_sqlite;
mod format;
mod init;
mod logging;
mod migrate;
mod migrate_args;
mod migrate_print;
mod migrate_scenario;
mod migrate_unknown;
mod provision_demo;
mod run;
mod seed;
mod sqlite_args;
mod sqlite_connect;
mod verify_sqlite;

pub use args::{Cli, Command, GlobalArgs};
pub use logging::init_logging;
pub use exit::{CliError, ExitCode};

/// Runs the parsed command and returns the process exit code.
pub async fn dispatch(cli: Cli) -> Result<ExitCode, CliError> {
    let progress = cli.global.progress();
    match cli.command {
        Command::Doctor(args) => doctor::run(args).await,
        Command::Provision(args) => provision_demo::run(args).await,
        Command::Run(args) => run::run(args, progress).await,
        Command::Seed(args) => seed::run(args, progress).await,
        Command::Migrate(args) => migrate::run(args, progress).await,
        Command::Bench(args) => bench::run(args, progress.is_visible()).await,
        Command::ExportSqlite(args) => export_sqlite::run(args, progress).await,
        Command::VerifySqlite(args) => verify_sqlite::run(args, progress).await,
        Command::Init(args) => init::run(args).await,
    }
}
