//! The hook that sizes each batch of `convert`: the options' fixed size unless the caller
//! installs a sizer that adapts it from the batches so far (`pgrehearse bench
//! --target-batch-ms`). The engine only asks and reports; the policy lives with the caller.

use std::time::Duration;

/// Chooses the size of every batch from what the earlier batches took.
pub trait BatchSizer: Send {
    /// Rows to put in the next batch (at least 1).
    fn next_size(&mut self) -> i64;
    /// What the last batch did: the rows it converted and how long its transaction took
    /// (commit included, lock retries excluded).
    fn observe(&mut self, rows: i64, took: Duration);
}

/// The same size for every batch: what the engine does unless told otherwise.
#[derive(Debug, Clone, Copy)]
pub struct FixedSize(pub i64);

impl BatchSizer for FixedSize {
    fn next_size(&mut self) -> i64 {
        self.0.max(1)
    }

    fn observe(&mut self, _rows: i64, _took: Duration) {}
}
