//! The pgrehearse binary: parse arguments, dispatch, map errors to exit codes.

use clap::Parser;
use pgrehearse::cli::{self, Cli};
use pgrehearse::provision::cleanup;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return std::process::ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    cli::init_logging(cli.global.color.for_stderr());
    cleanup::install_signal_handlers();
    let outcome = cli::dispatch(cli).await;
    if cleanup::is_interrupted() {
        // The signal handler is tearing down and will exit with 130 or 143.
        std::future::pending::<()>().await;
    }
    let code = match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pgrehearse: failed to {err}");
            err.exit_code()
        }
    };
    std::process::ExitCode::from(code as u8)
}
