//! The recommendation: the fastest fixed batch size whose p99 batch duration, longest
//! exclusive lock and workload p99 all stay within the budget. Pure.

/// One fixed size's figures that the rule looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub batch_size: u64,
    pub rows_per_s: f64,
    pub p99_batch_ms: f64,
    pub max_lock_ms: f64,
    pub workload_p99_ms: f64,
}

impl Candidate {
    pub fn is_within(&self, budget_ms: f64) -> bool {
        self.p99_batch_ms <= budget_ms && self.max_lock_ms <= budget_ms && self.workload_p99_ms <= budget_ms
    }
}

/// The fastest candidate within `budget_ms`; on equal throughput the smaller size (the
/// gentler one). `None` when none is within the budget.
pub fn recommend(candidates: &[Candidate], budget_ms: f64) -> Option<u64> {
    candidates
        .iter()
        .filter(|c| c.is_within(budget_ms))
        .max_by(|a, b| a.rows_per_s.total_cmp(&b.rows_per_s).then(b.batch_size.cmp(&a.batch_size)))
        .map(|c| c.batch_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(batch_size: u64, rows_per_s: f64, p99: f64, lock: f64, app: f64) -> Candidate {
        Candidate { batch_size, rows_per_s, p99_batch_ms: p99, max_lock_ms: lock, workload_p99_ms: app }
    }

    #[test]
    fn the_fastest_size_within_budget_wins() {
        let figures = [
            candidate(500, 20_000.0, 10.0, 15.0, 12.0),
            candidate(1000, 30_000.0, 25.0, 15.0, 14.0),
            candidate(5000, 40_000.0, 150.0, 15.0, 90.0),
            candidate(20000, 45_000.0, 600.0, 15.0, 450.0),
        ];
        assert_eq!(recommend(&figures, 200.0), Some(5000), "20000 is faster but its p99 is over budget");
        assert_eq!(recommend(&figures, 100.0), Some(1000), "a tighter budget rules 5000 out by its batch p99");
        assert_eq!(recommend(&figures, 1000.0), Some(20000));
    }

    #[test]
    fn each_of_the_three_figures_can_rule_a_size_out() {
        let fast = |p99, lock, app| [candidate(1000, 10.0, 5.0, 5.0, 5.0), candidate(5000, 99.0, p99, lock, app)];
        assert_eq!(recommend(&fast(300.0, 5.0, 5.0), 200.0), Some(1000), "batch p99");
        assert_eq!(recommend(&fast(5.0, 300.0, 5.0), 200.0), Some(1000), "longest lock");
        assert_eq!(recommend(&fast(5.0, 5.0, 300.0), 200.0), Some(1000), "workload p99");
        assert_eq!(recommend(&fast(200.0, 200.0, 200.0), 200.0), Some(5000), "exactly the budget is within it");
    }

    #[test]
    fn nothing_is_recommended_when_every_size_is_over_budget() {
        let figures = [candidate(1000, 10.0, 250.0, 1.0, 1.0), candidate(5000, 20.0, 1.0, 1.0, 201.0)];
        assert_eq!(recommend(&figures, 200.0), None);
        assert_eq!(recommend(&[], 200.0), None);
    }

    #[test]
    fn equal_throughput_prefers_the_smaller_size() {
        let figures = [candidate(5000, 50.0, 1.0, 1.0, 1.0), candidate(1000, 50.0, 1.0, 1.0, 1.0)];
        assert_eq!(recommend(&figures, 200.0), Some(1000));
    }
}
