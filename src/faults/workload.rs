//! `concurrent_workload`: the bench's application workload (point reads, inserts of a new
//! root row with a child in every referencing table, updates of root rows) runs on its own
//! connections through the old schema while `migrate full` runs. Afterwards the schema must
//! equal an uninterrupted run's, every table the workload inserts into must hold exactly
//! one more row per committed insert transaction than after an uninterrupted run (so every
//! committed row is there, converted, and nothing was lost or added), and every other
//! table (quarantine included) must be identical.

use std::sync::Arc;

use super::compare::summarize;
use super::context::{fail, pass, Expected, FaultContext, Verdict};
use super::error::FaultError;
use crate::bench::workload::{self, WorkloadPlan};
use crate::dataset::SeedPlan;
use crate::provision::Database;
use crate::verify::schema_diff::diff;

/// Transactions a second: enough to overlap every step of a small rehearsal.
const RATE: u32 = 50;

pub async fn run(ctx: &FaultContext<'_>, expected: &Expected) -> Result<Verdict, FaultError> {
    let db = ctx.template.clone_database().await?;
    let result = on(ctx, expected, &db).await;
    ctx.server.drop_database(db).await?;
    result
}

async fn on(ctx: &FaultContext<'_>, expected: &Expected, db: &Database) -> Result<Verdict, FaultError> {
    let mut conn = db.connect().await?;
    let model = crate::dataset::catalog::read_schema(&mut conn).await.map_err(|e| FaultError::Harness(format!("read the schema for the workload: {e}")))?;
    let seed = SeedPlan::build(ctx.scenario, &model).map_err(|e| FaultError::Harness(format!("plan the workload's rows: {e}")))?;
    let root = ctx.builtin()?.engine_options(Vec::new()).root;
    let plan = WorkloadPlan::new(Arc::new(seed), &model, &root).map_err(|e| FaultError::Harness(format!("plan the workload: {e}")))?;
    let written = plan.written_tables(&model);
    let engine = ctx.engine(db)?;
    let running = workload::start(&plan, &db.connect_options(), RATE).await.map_err(|e| FaultError::Harness(format!("start the workload: {e}")))?;
    let migrated = engine.run("full").await;
    let (figures, committed) = running.stop_counting().await;
    let migrated = migrated?;
    let what = format!("{} workload transactions ({} failed, {committed} inserts committed) while `migrate full` ran", figures.transactions, figures.errors);
    if !migrated.succeeded() {
        return Ok(fail(format!("{what}: `migrate full` failed ({})", migrated.describe())));
    }
    if committed == 0 {
        return Ok(fail(format!("{what}: no insert committed during the migration, so the fault tested nothing")));
    }
    let reached = ctx.migrated_state(&mut conn).await?;
    let mut differ: Vec<String> = diff(&expected.full.schema, &reached.schema).into_iter().map(|c| format!("{} {}", c.object, c.change)).collect();
    let tables: std::collections::BTreeSet<_> = expected.full.fingerprints.keys().chain(reached.fingerprints.keys()).collect();
    for table in tables {
        let (before, after) = (expected.full.fingerprints.get(table), reached.fingerprints.get(table));
        let is_written = written.iter().any(|(s, n)| *s == table.schema && *n == table.name);
        match (before, after) {
            (Some(b), Some(a)) if is_written && a.rows != b.rows + committed as i64 => {
                differ.push(format!("{table}: {} rows, expected {} + {committed} committed inserts", a.rows, b.rows))
            }
            (Some(b), Some(a)) if !is_written && a != b => differ.push(format!("{table} differs from an uninterrupted run ({} rows, expected {})", a.rows, b.rows)),
            (Some(_), None) => differ.push(format!("{table} missing")),
            (None, Some(_)) => differ.push(format!("{table} not expected")),
            _ => {}
        }
    }
    if !differ.is_empty() {
        return Ok(fail(format!("{what}: {}", summarize(&differ))));
    }
    Ok(pass(format!(
        "{what}: the schema equals an uninterrupted run's, the {} tables written hold exactly {committed} rows more each (every committed row present and converted), every other table identical",
        written.len()
    )))
}
