//! The `[export] sqlite = true` phase: the seeded database and, when up succeeded, the
//! migrated one are exported to SQLite and verified under the type mapping, as one more
//! check in the report, `sqlite-export`.

use std::time::Instant;

use super::error::RehearsalError;
use super::phases::Rehearsal;
use crate::export;
use crate::verify::{CheckKind, CheckResult, Finding};

impl Rehearsal<'_> {
    /// Runs after the checks on the state up reached and before down changes it.
    pub async fn export_sqlite(&mut self) -> Result<(), RehearsalError> {
        if !self.scenario.export_sqlite {
            return Ok(());
        }
        let started = Instant::now();
        let migrated = self.up.as_ref().is_some_and(|up| up.failure.is_none());
        let mut databases = vec![("seeded", &mut self.before)];
        if migrated {
            databases.push(("migrated", &mut self.work));
        }
        let result = match export::check::check(databases).await {
            Ok(result) => result,
            // A database the mapping cannot take (an unmapped type, a NaN) is a finding
            // about the export, not an internal error of the rehearsal.
            Err(error) if error.is_bad_input() => {
                let finding = Finding::new(CheckKind::SqliteExport, None, format!("the export to SQLite was refused: {error}")).with_count(1);
                CheckResult::from_findings(CheckKind::SqliteExport, "exported to SQLite: refused", vec![finding], started.elapsed())
            }
            Err(error) => return Err(error.into()),
        };
        self.checks.push(result);
        self.timings.push(crate::report::Timing { phase: "export sqlite".into(), duration: started.elapsed() });
        Ok(())
    }
}
