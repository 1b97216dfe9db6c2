//! Check, for a migration the scenario declares irreversible (`[expect] down = "fail"`):
//! its down must fail. A failing down passes; a down that completes is a finding. The
//! rollback is then not compared with the original, and the result says so.

use std::time::Duration;

use super::finding::{CheckKind, CheckResult, Finding};
use crate::migration::MigrationFailure;

const NOT_COMPARED: &str = "rollback identity not checked: [expect] down = \"fail\" declares the migration irreversible";

/// Scores the down of an irreversible migration; `failure` is how it failed, if it did.
pub fn check_irreversible(failure: Option<&MigrationFailure>, duration: Duration) -> CheckResult {
    match failure {
        Some(failure) => CheckResult::from_findings(
            CheckKind::RollbackIdentity,
            format!("down failed as the scenario expects ({}); {NOT_COMPARED}", failure.location()),
            Vec::new(),
            duration,
        ),
        None => {
            let finding = Finding::new(
                CheckKind::RollbackIdentity,
                None,
                "down completed, but the scenario declares the migration irreversible ([expect] down = \"fail\"): its down must fail",
            )
            .with_count(1);
            CheckResult::from_findings(CheckKind::RollbackIdentity, format!("down completed; {NOT_COMPARED}"), vec![finding], duration)
        }
    }
}
