//! `pgrehearse doctor`.

use super::args::DoctorArgs;
use super::exit::{CliError, ExitCode};
use super::format::print_json;
use crate::provision::doctor;

pub async fn run(args: DoctorArgs) -> Result<ExitCode, CliError> {
    let statuses = doctor::diagnose(&args.backend.provision_options()).await;
    if args.output.is_json() {
        print_json(&statuses)?;
    } else {
        for status in &statuses {
            let mark = if status.available { "ok " } else { "-- " };
            println!("{mark} {:<10} {}", status.backend, status.detail);
        }
    }
    Ok(if statuses.iter().any(|s| s.available) { ExitCode::Success } else { ExitCode::NoPostgres })
}
