//! `pgrehearse bench SCENARIO`: refuse bad input before anything starts, provision one
//! server, run the sweep, print the table and write bench.json, bench.svg and bench.html.

use super::args::BenchArgs;
use super::exit::{CliError, ExitCode};
use crate::bench::{self, BenchError, BenchOptions};
use crate::provision;
use crate::scenario::Scenario;

pub async fn run(args: BenchArgs, progress: bool) -> Result<ExitCode, CliError> {
    let options = BenchOptions {
        batch_sizes: args.batch_sizes.clone(),
        workload_rate: args.workload_rate,
        target_batch_ms: args.target_batch_ms,
        budget_ms: args.budget_ms,
        convert: args.convert,
        out: args.out.clone(),
        progress,
    };
    options.check().map_err(cli_error)?;
    let scenario = Scenario::load(&args.scenario).map_err(|err| CliError::Usage(err.to_string()))?;
    bench::builtin_migration(&scenario).map_err(cli_error)?;
    let server = provision::provision(&args.backend.provision_options()).await?;
    let measured = bench::sweep(&server, &scenario, &options).await.map_err(cli_error)?;
    let result = measured.result();
    let written = bench::write(&options.out, &measured, &result).map_err(cli_error)?;
    if args.output.is_json() {
        // The same document as bench.json.
        super::format::print_json(&result)?;
    } else {
        print!("{}", bench::terminal(&measured, &result));
        println!("wrote {}, {} and {}", written.json.display(), written.svg.display(), written.html.display());
    }
    Ok(ExitCode::Success)
}

fn cli_error(err: BenchError) -> CliError {
    match err {
        BenchError::BadInput(message) => CliError::Usage(message),
        BenchError::Provision(err) => CliError::Provision(err),
        BenchError::Seed(err) if err.is_bad_scenario() => CliError::Usage(format!("bench: {err}")),
        BenchError::Rehearsal(err) if err.is_bad_input() => CliError::Usage(format!("bench: {err}")),
        other => CliError::Other(anyhow::anyhow!("bench: {other}")),
    }
}
