//! The sweep: seed the scenario once, freeze it as a template, then convert a fresh clone
//! per run (the one-shot baseline, every fixed size, the adaptive size), each with the
//! workload running, and collect the figures.

use std::sync::Arc;

use super::adaptive::AdaptivePolicy;
use super::clone_run::{self, Method, RunSetup};
use super::error::BenchError;
use super::options::{builtin_migration, BenchOptions};
use super::result::Measurements;
use super::sizing::Sizing;
use super::workload::WorkloadPlan;
use crate::dataset::load::Silent;
use crate::dataset::{self, SeedPlan};
use crate::engine::{Engine, Plan, Progress, Step};
use crate::provision::{Database, Server, Template};
use crate::scenario::Scenario;

pub async fn sweep(server: &Server, scenario: &Scenario, options: &BenchOptions) -> Result<Measurements, BenchError> {
    let builtin = builtin_migration(scenario)?;
    let say = |line: String| {
        if options.progress {
            eprintln!("bench: {line}");
        }
    };
    say(format!("seeding {}", scenario.name));
    let seeded = server.create_database().await?;
    let summary = dataset::seed(&mut seeded.connect().await?, scenario, &Silent).await?;
    let relations = scenario.declared_relations(&summary.model).map_err(|err| BenchError::BadInput(format!("bench: {err}")))?;
    let mut engine = builtin.engine_options(relations);
    if let Some(convert) = options.convert {
        engine.convert = convert;
    }
    let plan = plan(&seeded, &engine).await?;
    // Every run converts as this plan does: `auto` is settled once, here.
    engine.convert = plan.method.into();
    match &plan.method_reason {
        Some(why) => say(format!("every run converts with the {} method: {why}", plan.method.name())),
        None => say(format!("every run converts with the {} method", plan.method.name())),
    }
    let rows: u64 = plan.tables.iter().map(|t| summary.truth.row_counts.get(&display_name(&t.schema, &t.name)).copied().unwrap_or(0)).sum();
    let seed_plan = Arc::new(SeedPlan::build(scenario, &summary.model)?);
    let workload = WorkloadPlan::new(seed_plan, &summary.model, &engine.root)?;
    let template = Template::freeze(server, seeded).await?;
    let setup = RunSetup { template: &template, options: &engine, plan: &plan, workload: &workload, rate: options.workload_rate, progress: options.progress };

    let total = 1 + options.batch_sizes.len() + usize::from(options.target_batch_ms.is_some());
    let mut number = 0;
    let mut next = |label: &str| {
        number += 1;
        say(format!("[{number}/{total}] {label} on a fresh clone of {rows} rows, workload at {} tx/s", options.workload_rate));
    };
    next("one-shot ALTER baseline");
    let baseline = clone_run::run(&setup, Method::OneShot, "one-shot ALTER").await?;
    say(format!("    {:.2} s, ACCESS EXCLUSIVE for all of it, workload p99 {:.0} ms", baseline.seconds, baseline.workload.p99_ms));
    let mut fixed = Vec::new();
    for &size in &options.batch_sizes {
        let label = format!("batch size {size}");
        next(&label);
        let run = clone_run::run(&setup, Method::Engine(Sizing::Fixed(size as i64)), &label).await?;
        say(format!("    {:.2} s ({:.2}× the one-shot rate), batch p99 {:.0} ms, workload p99 {:.0} ms", run.seconds, baseline.seconds / run.seconds, run.p99_batch_ms, run.workload.p99_ms));
        fixed.push((size, run));
    }
    let adaptive = match options.target_batch_ms {
        None => None,
        Some(target) => {
            let label = format!("adaptive batch size, target {target} ms");
            next(&label);
            let policy = AdaptivePolicy::new(std::time::Duration::from_millis(target));
            let run = clone_run::run(&setup, Method::Engine(Sizing::Adaptive(policy)), &label).await?;
            say(format!("    {:.2} s, sizes {:?}", run.seconds, run.sizes_chosen));
            Some((target, run))
        }
    };
    template.drop().await?;
    Ok(Measurements { scenario: scenario.name.clone(), convert: plan.method, rows, budget_ms: options.budget_ms, baseline, fixed, adaptive })
}

/// The engine's plan for the seeded database (read-only).
async fn plan(db: &Database, options: &crate::engine::EngineOptions) -> Result<Plan, BenchError> {
    let engine_error = |source| BenchError::Engine { run: "plan".into(), source };
    let mut engine = Engine::connect(&db.connect_options(), options.clone(), Step::ValidateSchema, Progress::hidden()).await.map_err(engine_error)?;
    let plan = engine.fresh_plan().await.map_err(engine_error)?;
    engine.close().await.map_err(engine_error)?;
    Ok(plan)
}

/// How the ground truth names a table: `public.` left off.
fn display_name(schema: &str, name: &str) -> String {
    if schema == "public" {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}
