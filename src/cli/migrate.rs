//! `pgrehearse migrate <step>`: builds the engine options from flags (and a scenario),
//! runs the step, prints the report, and maps it to an exit code.

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use super::exit::{CliError, ExitCode};
use super::migrate_args::{Format, MigrateArgs};
use super::migrate_print::print_human;
use super::migrate_scenario;
use crate::engine::{Engine, EngineError, EngineOptions, Progress, Step};
use crate::vocabulary::Policies;
use crate::provision::ProvisionError;

pub async fn run(args: MigrateArgs) -> Result<ExitCode, CliError> {
    let url = args.database_url.as_deref().ok_or_else(|| CliError::Usage("run migrate: --database-url (or DATABASE_URL) is required".into()))?;
    let connect: PgConnectOptions = url.parse().map_err(|e| CliError::Usage(format!("parse --database-url: {e}")))?;
    let options = engine_options(&args, &connect).await?;
    let step: Step = args.step;
    let progress = if args.format == Format::Human { Progress::visible() } else { Progress::hidden() };
    let result = async {
        let mut engine = Engine::connect(&connect, options, if args.dry_run { Step::Status } else { step }, progress).await?;
        let report = if args.dry_run { engine.dry_run(step).await } else { engine.run(step).await };
        let closed = engine.close().await;
        let report = report?;
        closed?;
        Ok(report)
    }
    .await;
    let report = result.map_err(cli_error)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?),
        Format::Human => print_human(&report),
    }
    Ok(if report.has_findings() { ExitCode::Findings } else { ExitCode::Success })
}

/// The scenario's options (if one is given), then every flag given explicitly on top.
async fn engine_options(args: &MigrateArgs, connect: &PgConnectOptions) -> Result<EngineOptions, CliError> {
    let mut options = match &args.scenario {
        Some(path) => migrate_scenario::read(path, connect).await?,
        None => EngineOptions::default(),
    };
    for r in &args.relations {
        options.relations.push(r.parse().map_err(|e| CliError::Usage(format!("parse --relation: {e}")))?);
    }
    if let Some(root) = &args.root {
        options.root = root.parse().map_err(|e| CliError::Usage(format!("parse --root: {e}")))?;
    }
    let policies = Policies {
        invalid: args.on_invalid.unwrap_or(options.policies.invalid),
        orphan: args.on_orphan.unwrap_or(options.policies.orphan),
        collision: args.on_collision.unwrap_or(options.policies.collision),
    };
    policies.check().map_err(|e| CliError::Usage(format!("--on-{} accepts {}, not {}", e.target.name(), e.target.allowed_names().join(" or "), e.policy.name())))?;
    options.policies = policies;
    if let Some(batch_size) = args.batch_size {
        options.batch_size = batch_size;
    }
    options.conversion = args.target.conversion();
    options.retry.lock_timeout = Duration::from_millis(args.lock_timeout_ms);
    Ok(options)
}

fn cli_error(error: EngineError) -> CliError {
    match error {
        EngineError::Connect { endpoint, source } => CliError::Provision(ProvisionError::Connect { endpoint, source }),
        EngineError::Plan(e) => CliError::Usage(format!("{e}")),
        other => CliError::Other(anyhow::Error::new(other)),
    }
}
