//! Summary statistics of batch durations, shown in the timings section.

use std::time::Duration;

use super::model::Batch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchStats {
    pub count: usize,
    pub rows: u64,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl BatchStats {
    /// `None` when there were no batches (a bring-your-own migration has none).
    pub fn of(batches: &[Batch]) -> Option<BatchStats> {
        let mut durations: Vec<Duration> = batches.iter().map(|b| b.duration).collect();
        durations.sort();
        let max = *durations.last()?;
        // Nearest-rank percentile.
        let rank = |p: f64| durations[((p * durations.len() as f64).ceil() as usize).clamp(1, durations.len()) - 1];
        Some(BatchStats {
            count: batches.len(),
            rows: batches.iter().map(|b| b.rows).sum(),
            p50: rank(0.5),
            p99: rank(0.99),
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let batches: Vec<Batch> =
            (1..=100).map(|i| Batch { index: i, rows: 10, duration: Duration::from_millis(i) }).collect();
        let stats = BatchStats::of(&batches).unwrap();
        assert_eq!(
            (stats.p50, stats.p99, stats.max),
            (Duration::from_millis(50), Duration::from_millis(99), Duration::from_millis(100))
        );
        assert_eq!(stats.rows, batches.iter().map(|b| b.rows).sum::<u64>());
        assert!(BatchStats::of(&[]).is_none());
    }
}
