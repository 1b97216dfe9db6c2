//! What one run of the sweep measured, before it is turned into `bench.json` rows: the
//! engine's figures and the workload's, in the units people read (ms, rows/s, bytes).

use std::time::Duration;

/// The application workload's latencies over one run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WorkloadFigures {
    /// Transactions that completed (successfully or not).
    pub transactions: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Transactions that failed (an error from the server or a lost connection).
    pub errors: u64,
}

/// One conversion of a fresh clone: the engine at one batch size (or adaptive), or the
/// one-shot ALTER baseline (which has no batches).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunFigures {
    /// The whole migration: `migrate full` for the engine, the ALTER transaction for the baseline.
    pub seconds: f64,
    /// The `convert` step alone (the whole transaction for the baseline).
    pub convert_seconds: f64,
    pub p50_batch_ms: f64,
    pub p99_batch_ms: f64,
    /// Batches the engine ran.
    pub batches: usize,
    /// The longest ACCESS EXCLUSIVE transaction.
    pub max_lock_ms: f64,
    /// WAL written during the run (`pg_current_wal_lsn()` after minus before), the
    /// workload's own writes included.
    pub wal_bytes: u64,
    pub workload: WorkloadFigures,
    /// The batch size after each change (adaptive), or the one fixed size.
    pub sizes_chosen: Vec<i64>,
}

impl RunFigures {
    pub fn rows_per_s(&self, rows: u64) -> f64 {
        per_second(rows, self.seconds)
    }

    pub fn convert_rows_per_s(&self, rows: u64) -> f64 {
        per_second(rows, self.convert_seconds)
    }
}

fn per_second(rows: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        rows as f64 / seconds
    } else {
        0.0
    }
}

/// Nearest-rank percentile `p` (in `0..=1`) of `samples`, which it sorts; zero when empty.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort();
    let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut samples, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&mut samples, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&mut samples, 0.9), Duration::from_millis(90));
        assert_eq!(percentile(&mut [], 0.5), Duration::ZERO);
    }

    #[test]
    fn rates_divide_rows_by_seconds() {
        let run = RunFigures { seconds: 4.0, convert_seconds: 2.0, ..Default::default() };
        assert_eq!((run.rows_per_s(1000), run.convert_rows_per_s(1000)), (250.0, 500.0));
        assert_eq!(RunFigures::default().rows_per_s(10), 0.0);
    }
}
