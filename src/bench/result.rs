//! `bench.json`: exactly the keys issue 10 lists, so CI can read them, built from the
//! sweep's measurements. Ratios are to the one-shot ALTER on the same rows.

use serde::{Deserialize, Serialize};

use super::measure::RunFigures;
use super::recommend::{recommend, Candidate};

/// The version of this format.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchResult {
    pub format: u32,
    pub scenario: String,
    /// Rows of every table the migration converts (the dataset's ground truth).
    pub rows: u64,
    pub baseline: BaselineResult,
    /// One per fixed batch size, in the order given.
    pub results: Vec<SizeResult>,
    /// `null` without `--target-batch-ms`.
    pub adaptive: Option<AdaptiveResult>,
    pub budget_ms: u64,
    /// `null` when no size kept every figure within the budget.
    pub recommended_batch_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineResult {
    pub seconds: f64,
    pub rows_per_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeResult {
    pub batch_size: u64,
    pub seconds: f64,
    pub rows_per_s: f64,
    pub ratio_to_baseline: f64,
    pub convert_rows_per_s: f64,
    pub p50_batch_ms: f64,
    pub p99_batch_ms: f64,
    pub max_lock_ms: f64,
    pub wal_bytes: u64,
    pub workload_p50_ms: f64,
    pub workload_p99_ms: f64,
    pub workload_errors: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdaptiveResult {
    pub target_batch_ms: u64,
    pub seconds: f64,
    pub rows_per_s: f64,
    pub ratio_to_baseline: f64,
    pub sizes_chosen: Vec<i64>,
}

/// Everything the sweep measured, which the renderers show in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurements {
    pub scenario: String,
    /// How every engine run's `convert` rewrote the tables.
    pub convert: crate::engine::ConvertMethod,
    pub rows: u64,
    pub budget_ms: u64,
    pub baseline: RunFigures,
    pub fixed: Vec<(u64, RunFigures)>,
    /// The target (ms) and the run.
    pub adaptive: Option<(u64, RunFigures)>,
}

impl Measurements {
    /// `baseline seconds ÷ run seconds`: how many times the one-shot rate a run reached.
    pub fn ratio(&self, run: &RunFigures) -> f64 {
        if run.seconds > 0.0 {
            self.baseline.seconds / run.seconds
        } else {
            0.0
        }
    }

    pub fn result(&self) -> BenchResult {
        let results: Vec<SizeResult> = self
            .fixed
            .iter()
            .map(|(size, run)| SizeResult {
                batch_size: *size,
                seconds: run.seconds,
                rows_per_s: run.rows_per_s(self.rows),
                ratio_to_baseline: self.ratio(run),
                convert_rows_per_s: run.convert_rows_per_s(self.rows),
                p50_batch_ms: run.p50_batch_ms,
                p99_batch_ms: run.p99_batch_ms,
                max_lock_ms: run.max_lock_ms,
                wal_bytes: run.wal_bytes,
                workload_p50_ms: run.workload.p50_ms,
                workload_p99_ms: run.workload.p99_ms,
                workload_errors: run.workload.errors,
            })
            .collect();
        let candidates: Vec<Candidate> = results
            .iter()
            .map(|r| Candidate {
                batch_size: r.batch_size,
                rows_per_s: r.rows_per_s,
                p99_batch_ms: r.p99_batch_ms,
                max_lock_ms: r.max_lock_ms,
                workload_p99_ms: r.workload_p99_ms,
            })
            .collect();
        BenchResult {
            format: FORMAT,
            scenario: self.scenario.clone(),
            rows: self.rows,
            baseline: BaselineResult { seconds: self.baseline.seconds, rows_per_s: self.baseline.rows_per_s(self.rows) },
            recommended_batch_size: recommend(&candidates, self.budget_ms as f64),
            results,
            adaptive: self.adaptive.as_ref().map(|(target, run)| AdaptiveResult {
                target_batch_ms: *target,
                seconds: run.seconds,
                rows_per_s: run.rows_per_s(self.rows),
                ratio_to_baseline: self.ratio(run),
                sizes_chosen: run.sizes_chosen.clone(),
            }),
            budget_ms: self.budget_ms,
        }
    }
}
