//! Seeding as progress steps: one per table loaded (rows, rows/s; tables on parallel COPY
//! streams show side by side), then one for the keys and indexes and one for the ground
//! truth.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{line, Progress, Step};
use crate::dataset::SeedObserver;

/// Hears a seed and shows it on a [`Progress`].
pub struct SeedProgress {
    progress: Progress,
    /// The step that is not a table's load (keys, ground truth).
    current: Mutex<Option<Step>>,
    /// The loads running now, by table.
    tables: Mutex<HashMap<String, Step>>,
}

impl SeedProgress {
    pub fn new(progress: Progress) -> SeedProgress {
        SeedProgress { progress, current: Mutex::new(None), tables: Mutex::new(HashMap::new()) }
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
        self.replace(|_| None);
        let step = self.progress.rows(&format!("load {table}"), Some(rows));
        if let Some(earlier) = self.tables.lock().unwrap_or_else(|e| e.into_inner()).insert(table.to_string(), step) {
            earlier.finish();
        }
    }

    fn rows_loaded(&self, table: &str, rows: u64) {
        if let Some(step) = self.tables.lock().unwrap_or_else(|e| e.into_inner()).get(table) {
            step.inc(rows);
        }
    }

    fn table_loaded(&self, table: &str) {
        if let Some(step) = self.tables.lock().unwrap_or_else(|e| e.into_inner()).remove(table) {
            step.finish();
        }
    }

    fn done(&self) {
        self.replace(|_| None);
        for (_, step) in self.tables.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            step.finish();
        }
    }
}
