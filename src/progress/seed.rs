//! Seeding as progress steps: one per table loaded (rows, rows/s), then one for the keys
//! and indexes and one for the ground truth.

use std::sync::Mutex;

use super::{line, Progress, Step};
use crate::dataset::SeedObserver;

/// Hears a seed and shows it on a [`Progress`].
pub struct SeedProgress {
    progress: Progress,
    current: Mutex<Option<Step>>,
}

impl SeedProgress {
    pub fn new(progress: Progress) -> SeedProgress {
        SeedProgress { progress, current: Mutex::new(None) }
    }

    /// Ends the current step (reported done), then starts the one `next` makes, if any.
    fn replace(&self, next: impl FnOnce(&Progress) -> Option<Step>) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(step) = current.take() {
            step.finish();
        }
        *current = next(&self.progress);
    }
}

impl SeedObserver for SeedProgress {
    fn planned(&self, total_rows: u64) {
        self.progress.println(&format!("{} rows planned", line::count(total_rows)));
    }

    fn phase(&self, phase: &str) {
        self.replace(|progress| Some(progress.step(phase)));
    }

    fn table_started(&self, table: &str, rows: u64) {
        self.replace(|progress| Some(progress.rows(&format!("load {table}"), Some(rows))));
    }

    fn rows_loaded(&self, rows: u64) {
        if let Some(step) = self.current.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            step.inc(rows);
        }
    }

    fn done(&self) {
        self.replace(|_| None);
    }
}
