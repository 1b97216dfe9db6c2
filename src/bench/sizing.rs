//! The [`BatchSizer`] the bench installs in the engine: a fixed size or the adaptive
//! policy, recording every batch's duration (for p50/p99) and the sizes chosen.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::adaptive::AdaptivePolicy;
use crate::engine::BatchSizer;

/// How a run sizes its batches.
#[derive(Debug, Clone)]
pub enum Sizing {
    Fixed(i64),
    Adaptive(AdaptivePolicy),
}

/// What the sizer saw, read by the bench once the engine is done.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub durations: Vec<Duration>,
    pub sizes_chosen: Vec<i64>,
}

/// Shares its record with the bench, which keeps the other handle.
pub struct RecordingSizer {
    sizing: Sizing,
    record: Arc<Mutex<Recorded>>,
}

impl RecordingSizer {
    pub fn new(sizing: Sizing) -> (RecordingSizer, Arc<Mutex<Recorded>>) {
        let record = Arc::new(Mutex::new(Recorded::default()));
        (RecordingSizer { sizing, record: Arc::clone(&record) }, record)
    }
}

impl BatchSizer for RecordingSizer {
    fn next_size(&mut self) -> i64 {
        match &self.sizing {
            Sizing::Fixed(size) => *size,
            Sizing::Adaptive(policy) => policy.size(),
        }
    }

    fn observe(&mut self, _rows: i64, took: Duration) {
        let mut record = self.record.lock().unwrap_or_else(|e| e.into_inner());
        record.durations.push(took);
        record.sizes_chosen = match &mut self.sizing {
            Sizing::Fixed(size) => vec![*size],
            Sizing::Adaptive(policy) => {
                policy.observe(took);
                policy.chosen().to_vec()
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_records_every_batch_and_the_adaptive_policy_steers_the_size() {
        let (mut sizer, record) = RecordingSizer::new(Sizing::Adaptive(AdaptivePolicy::new(Duration::from_millis(10))));
        assert_eq!(sizer.next_size(), super::super::adaptive::START);
        sizer.observe(1000, Duration::from_secs(1)); // far over the target: a hard cut
        assert!(sizer.next_size() < super::super::adaptive::START);
        let (mut fixed, fixed_record) = RecordingSizer::new(Sizing::Fixed(500));
        fixed.observe(500, Duration::from_millis(3));
        fixed.observe(500, Duration::from_millis(4));
        assert_eq!(fixed.next_size(), 500);
        assert_eq!(fixed_record.lock().unwrap().durations.len(), 2);
        assert_eq!(record.lock().unwrap().sizes_chosen, vec![super::super::adaptive::START, sizer.next_size()]);
    }
}
