//! The `[faults]` phase: after the rerun, each fault runs on its own clone of the seeded
//! template (the main rehearsal's databases and checks are untouched), and the report gets
//! one entry per fault with its outcome.

use std::time::Instant;

use super::error::RehearsalError;
use super::phases::Rehearsal;
use crate::faults::{self, Fault, FaultContext, FaultError, FaultResult};
use crate::report::Timing;

impl Rehearsal<'_> {
    pub async fn inject_faults(&mut self) -> Result<Vec<FaultResult>, RehearsalError> {
        if self.scenario.faults.is_empty() {
            return Ok(Vec::new());
        }
        let started = Instant::now();
        let log_dir = tempfile::Builder::new().prefix("pgrehearse-faults-").tempdir().map_err(FaultError::io("create a directory for the engine's stderr"))?;
        let results = {
            let ctx = FaultContext {
                server: self.server,
                template: &self.template,
                scenario: self.scenario,
                migrated: self.scopes.after_up.snapshot_options(),
                restored: self.scopes.after_down.snapshot_options(),
                intent: &self.intent,
                log_dir: log_dir.path().to_path_buf(),
            };
            faults::run_all(&ctx, &self.progress).await
        };
        // A hard restart of the server ended every session, the rehearsal's own too.
        if self.scenario.faults.contains(&Fault::ServerRestart) {
            self.before = self.before_db.connect().await?;
            self.work = self.work_db.connect().await?;
        }
        self.timings.push(Timing { phase: "faults".into(), duration: started.elapsed() });
        Ok(results?)
    }
}
