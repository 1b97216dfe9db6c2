//! What `pgrehearse bench` is asked to do, and the checks that refuse bad input before
//! anything is provisioned or seeded.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::error::BenchError;
use crate::engine::ConvertChoice;
use crate::scenario::{BuiltinMigration, Migration, Scenario};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Fixed batch sizes to measure, in the order given.
    pub batch_sizes: Vec<u64>,
    /// Application transactions per second during every run.
    pub workload_rate: u32,
    /// Also measure the adaptive size holding batches near this many milliseconds.
    pub target_batch_ms: Option<u64>,
    /// What p99 batch duration, longest lock and workload p99 must stay within (ms).
    pub budget_ms: u64,
    /// The convert method of every run, over the scenario's `[migration] convert`.
    pub convert: Option<ConvertChoice>,
    /// Where bench.json, bench.svg and bench.html go.
    pub out: PathBuf,
    /// Progress on stderr.
    pub progress: bool,
}

impl BenchOptions {
    pub fn check(&self) -> Result<(), BenchError> {
        let bad = |message: String| Err(BenchError::BadInput(message));
        if self.batch_sizes.is_empty() {
            return bad("parse --batch-sizes: give at least one size, e.g. --batch-sizes 500,1000,5000,20000".into());
        }
        if self.batch_sizes.contains(&0) {
            return bad("parse --batch-sizes: a batch size of 0 converts nothing; every size must be at least 1".into());
        }
        let mut seen = BTreeSet::new();
        if let Some(twice) = self.batch_sizes.iter().find(|s| !seen.insert(**s)) {
            return bad(format!("parse --batch-sizes: {twice} is listed twice; list each size once"));
        }
        if self.target_batch_ms == Some(0) {
            return bad("parse --target-batch-ms: a target of 0 ms cannot be held; give the batch duration to aim for, e.g. 100".into());
        }
        if self.workload_rate == 0 {
            return bad("parse --workload-rate: 0 transactions a second measures no application; give at least 1".into());
        }
        if self.budget_ms == 0 {
            return bad("parse --budget-ms: a budget of 0 ms rules every size out; give at least 1".into());
        }
        if self.out.exists() && !self.out.is_dir() {
            return bad(format!("write to --out {}: it is a file, not a directory", self.out.display()));
        }
        Ok(())
    }
}

/// The scenario's built-in migration; bench measures the engine, nothing else.
pub fn builtin_migration(scenario: &Scenario) -> Result<&BuiltinMigration, BenchError> {
    match &scenario.migration {
        Some(Migration::Builtin(builtin)) => Ok(builtin),
        Some(Migration::Sql(_)) => Err(BenchError::BadInput(format!(
            "bench {}: it migrates with your own SQL, and bench measures the built-in engine (engine = \"uuid\") at several batch sizes; rehearse your SQL with `pgrehearse run {}` instead",
            scenario.path.display(),
            scenario.path.display()
        ))),
        None => Err(BenchError::BadInput(format!(
            "bench {}: it has no [migration] section; bench measures the built-in engine, so add `engine = \"uuid\"` (or, for your own SQL, use `pgrehearse run`)",
            scenario.path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(sizes: &[u64]) -> BenchOptions {
        BenchOptions { batch_sizes: sizes.to_vec(), workload_rate: 50, target_batch_ms: None, budget_ms: 200, convert: None, out: "target/x".into(), progress: false }
    }

    #[test]
    fn bad_sizes_and_targets_are_refused_by_name() {
        let message = |o: BenchOptions| o.check().unwrap_err().to_string();
        assert!(message(options(&[1000, 0])).contains("batch size of 0"));
        assert!(message(options(&[])).contains("at least one size"));
        assert!(message(options(&[1000, 1000])).contains("1000 is listed twice"));
        assert!(message(BenchOptions { target_batch_ms: Some(0), ..options(&[1]) }).contains("--target-batch-ms"));
        assert!(message(BenchOptions { workload_rate: 0, ..options(&[1]) }).contains("--workload-rate"));
        assert!(options(&[500, 1000]).check().is_ok());
    }
}
