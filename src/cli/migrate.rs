//! `pgrehearse migrate <step>`: builds the engine options from flags (and a scenario),
//! runs the step (or, with `--dry-run`, lists the SQL it would run), prints the report,
//! and maps it to an exit code.

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use super::exit::{CliError, ExitCode};
use super::format::print_json;
use super::migrate_args::MigrateArgs;
use super::migrate_print::{print_human, MigrateOutput};
use super::{migrate_scenario, migrate_unknown};
use crate::engine::{script, Engine, EngineError, EngineOptions, Outcome, Progress, RunState, Step, StepReport};
use crate::vocabulary::Policies;
use crate::provision::ProvisionError;

pub async fn run(args: MigrateArgs, progress: Progress) -> Result<ExitCode, CliError> {
    let url = args.database_url.as_deref().ok_or_else(|| CliError::Usage("run migrate: --database-url (or DATABASE_URL) is required".into()))?;
    let connect: PgConnectOptions = url.parse().map_err(|e| CliError::Usage(format!("parse --database-url: {e}")))?;
    let options = engine_options(&args, &connect).await?;
    let batch_size = options.batch_size.rows();
    let step: Step = args.step;
    // Without a scenario, the plan is checked for references nobody declared.
    let wants_plan = args.scenario.is_none() && (args.dry_run || matches!(step, Step::ValidateSchema | Step::Full));
    let result = async {
        let mut engine = Engine::connect(&connect, options, if args.dry_run { Step::Status } else { step }, progress).await?;
        let report = if args.dry_run { dry_run(&mut engine, step).await } else { engine.run(step).await };
        let plan = match (&report, wants_plan) {
            (Ok(report), true) => match &report.plan {
                Some(plan) => Some(plan.clone()),
                None => engine.current_plan().await.ok(),
            },
            _ => None,
        };
        let closed = engine.close().await;
        let report = report?;
        closed?;
        Ok::<_, EngineError>((report, plan))
    }
    .await;
    let (report, plan) = result.map_err(cli_error)?;
    let script = match (&report.plan, args.dry_run) {
        (Some(plan), true) => script::script(plan, step, &report.findings, batch_size),
        _ => Vec::new(),
    };
    let unknown_references = match &plan {
        Some(plan) => migrate_unknown::find(&connect, plan).await?,
        None => Vec::new(),
    };
    let output = MigrateOutput { report: &report, script, unknown_references };
    if args.output.is_json() {
        print_json(&output)?;
    } else {
        print_human(&output);
    }
    Ok(if report.has_findings() { ExitCode::Findings } else { ExitCode::Success })
}

/// `--dry-run`: the plan and its script, unless the migration is complete (then the
/// catalog holds the converted columns, and there is nothing left to plan).
async fn dry_run(engine: &mut Engine, step: Step) -> Result<StepReport, EngineError> {
    if let Some(status) = engine.run(Step::Status).await?.status.filter(|s| s.state == RunState::Complete) {
        let mut report = StepReport::new(step.name());
        report.outcome = Outcome::NothingToDo;
        report.notes.push(status.summary);
        return Ok(report);
    }
    engine.dry_run(step).await
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
    if let Some(convert) = args.convert {
        options.convert = convert;
    }
    options.conversion = args.target.conversion();
    options.retry.lock_timeout = Duration::from_millis(args.lock_timeout_ms);
    options.retry.attempts = args.lock_attempts;
    Ok(options)
}

fn cli_error(error: EngineError) -> CliError {
    match error {
        EngineError::Connect { endpoint, source } => CliError::Provision(ProvisionError::Connect { endpoint, source }),
        EngineError::Plan(e) => CliError::Usage(format!("{e}")),
        // A step asked for at the wrong point of the procedure is a command to change, not a failure.
        refused @ (EngineError::BackupRemoved | EngineError::StepOutOfOrder { .. } | EngineError::NotEnoughSpace { .. }) => CliError::Usage(refused.to_string()),
        other => CliError::Other(anyhow::Error::new(other)),
    }
}
