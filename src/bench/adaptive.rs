//! The adaptive batch size of `--target-batch-ms`, as Spirit sizes its chunks: start at
//! 1000 rows; once a window of samples is in, scale by target ÷ p90 of the window, growing
//! at most 1.5× per step and staying within bounds; cut hard (to a tenth) as soon as one
//! batch runs far over the target. Pure: fed durations, it answers sizes.

use std::time::Duration;

use super::measure::percentile;

/// The size every adaptive run starts at.
pub const START: i64 = 1000;
/// The smallest and largest size the policy will choose.
pub const BOUNDS: (i64, i64) = (10, 100_000);
/// Samples of the current size before it is recalculated.
pub const WINDOW: usize = 10;
/// Largest growth of one recalculation.
pub const MAX_GROWTH: f64 = 1.5;
/// A batch that takes this many times the target makes the policy cut at once...
pub const PANIC_FACTOR: u32 = 5;
/// ...by this factor.
pub const PANIC_CUT: i64 = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct AdaptivePolicy {
    target: Duration,
    size: i64,
    /// Durations of batches of the current size, since it was last changed.
    window: Vec<Duration>,
    /// Every size chosen, in order: the start, then one entry per change.
    chosen: Vec<i64>,
}

impl AdaptivePolicy {
    /// A policy holding batches near `target` (which must be above zero).
    pub fn new(target: Duration) -> AdaptivePolicy {
        AdaptivePolicy { target, size: START, window: Vec::with_capacity(WINDOW), chosen: vec![START] }
    }

    pub fn size(&self) -> i64 {
        self.size
    }

    /// The sizes chosen so far: the start, then every change.
    pub fn chosen(&self) -> &[i64] {
        &self.chosen
    }

    /// Takes the duration of one batch of the current size; returns the next size.
    pub fn observe(&mut self, took: Duration) -> i64 {
        if took >= self.target * PANIC_FACTOR {
            self.change(self.size / PANIC_CUT);
        } else {
            self.window.push(took);
            if self.window.len() >= WINDOW {
                let p90 = percentile(&mut self.window, 0.9);
                self.change(scaled(self.size, self.target, p90));
            }
        }
        self.size
    }

    fn change(&mut self, size: i64) {
        let size = size.clamp(BOUNDS.0, BOUNDS.1);
        self.window.clear();
        if size != self.size {
            self.size = size;
            self.chosen.push(size);
        }
    }
}

/// `size × target ÷ p90`, growing at most [`MAX_GROWTH`]×.
fn scaled(size: i64, target: Duration, p90: Duration) -> i64 {
    let wanted = size as f64 * target.as_secs_f64() / p90.as_secs_f64().max(1e-6);
    wanted.min(size as f64 * MAX_GROWTH).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feeds batches whose duration is proportional to their size (`per_row` each) until
    /// `batches` have run; returns the sizes used.
    fn simulate(policy: &mut AdaptivePolicy, per_row: Duration, batches: usize) -> Vec<i64> {
        let mut used = Vec::new();
        for _ in 0..batches {
            let size = policy.size();
            used.push(size);
            policy.observe(per_row * size as u32);
        }
        used
    }

    #[test]
    fn it_starts_at_1000_and_keeps_its_size_until_the_window_is_full() {
        let mut policy = AdaptivePolicy::new(ms(100));
        let used = simulate(&mut policy, Duration::from_micros(10), WINDOW - 1);
        assert_eq!(used, vec![START; WINDOW - 1]);
        assert_eq!(policy.chosen(), &[START]);
    }

    #[test]
    fn growth_is_capped_at_one_and_a_half_per_step_and_converges_on_the_target() {
        // 10 µs a row: 1000 rows take 10 ms, a tenth of the target; the ideal is 10 000.
        let target = ms(100);
        let mut policy = AdaptivePolicy::new(target);
        let used = simulate(&mut policy, Duration::from_micros(10), 200);
        let chosen = policy.chosen().to_vec();
        assert!(chosen.len() > 3, "it should grow in several steps: {chosen:?}");
        for pair in chosen.windows(2) {
            assert!(pair[1] as f64 <= pair[0] as f64 * MAX_GROWTH, "grew more than {MAX_GROWTH}× at once: {chosen:?}");
        }
        let ideal = (target.as_micros() / 10) as i64;
        let last = *used.last().unwrap();
        assert!(last <= ideal && last as f64 >= ideal as f64 * 0.9, "settles just under the ideal {ideal}: {last}");
    }

    #[test]
    fn slow_batches_shrink_the_size_by_target_over_p90_without_a_cap() {
        // 400 µs a row: 1000 rows take 400 ms, four times the target (under the panic factor).
        let mut policy = AdaptivePolicy::new(ms(100));
        simulate(&mut policy, Duration::from_micros(400), WINDOW);
        assert_eq!(policy.size(), 250);
    }

    #[test]
    fn one_batch_far_over_the_target_cuts_the_size_to_a_tenth_at_once() {
        let target = ms(50);
        let mut policy = AdaptivePolicy::new(target);
        policy.observe(ms(10));
        let next = policy.observe(target * PANIC_FACTOR);
        assert_eq!(next, START / PANIC_CUT);
        assert_eq!(policy.chosen(), &[START, START / PANIC_CUT]);
    }

    #[test]
    fn the_size_stays_within_its_bounds() {
        let mut fast = AdaptivePolicy::new(ms(1000));
        simulate(&mut fast, Duration::from_nanos(100), 2000);
        assert_eq!(fast.size(), BOUNDS.1, "a very fast table stops at the upper bound");
        let mut slow = AdaptivePolicy::new(ms(1));
        for _ in 0..10 {
            slow.observe(ms(1000));
        }
        assert_eq!(slow.size(), BOUNDS.0, "repeated hard cuts stop at the lower bound");
        assert!(fast.chosen().iter().chain(slow.chosen()).all(|s| (BOUNDS.0..=BOUNDS.1).contains(s)));
    }
}
