//! One conversion by the built-in engine: the steps of `migrate full` one by one (so the
//! `convert` step can be timed alone), with the bench's sizer in the batch loop.

use std::time::Instant;

use super::error::BenchError;
use super::measure::{ms, percentile, RunFigures};
use super::sizing::{RecordingSizer, Sizing};
use crate::engine::{Engine, EngineOptions, Progress, Step};
use crate::provision::Database;

/// What `migrate full` runs, in order. `full` plans without classifying (`backup`
/// classifies each table once), so the bench leaves `validate-schema`'s read-only scan
/// out too: `backup` plans when it opens the run.
const STEPS: [Step; 3] = [Step::Backup, Step::Convert, Step::Validate];

/// Migrates `db`; `label` names the run in errors. The workload and WAL figures are
/// filled in by the caller.
pub async fn migrate(db: &Database, options: &EngineOptions, sizing: Sizing, progress: Progress, label: &str) -> Result<RunFigures, BenchError> {
    let engine_error = |source| BenchError::Engine { run: label.to_string(), source };
    let mut engine = Engine::connect(&db.connect_options(), options.clone(), Step::Full, progress).await.map_err(engine_error)?;
    let (sizer, record) = RecordingSizer::new(sizing);
    engine.set_batch_sizer(Box::new(sizer));
    let mut figures = RunFigures::default();
    let started = Instant::now();
    for step in STEPS {
        let step_started = Instant::now();
        let report = engine.run(step).await.map_err(engine_error)?;
        if step == Step::Convert {
            figures.convert_seconds = step_started.elapsed().as_secs_f64();
        }
        figures.max_lock_ms = report.lock_held_ms.iter().map(|(_, held)| *held).fold(figures.max_lock_ms, f64::max);
        if report.has_findings() {
            return Err(BenchError::Blocked { run: label.to_string(), step: step.name().to_string(), findings: report.findings.len() });
        }
    }
    figures.seconds = started.elapsed().as_secs_f64();
    engine.close().await.map_err(engine_error)?;
    let mut record = record.lock().unwrap_or_else(|e| e.into_inner()).clone();
    figures.batches = record.durations.len();
    figures.p50_batch_ms = ms(percentile(&mut record.durations, 0.5));
    figures.p99_batch_ms = ms(percentile(&mut record.durations, 0.99));
    figures.sizes_chosen = record.sizes_chosen;
    Ok(figures)
}
