//! Check: up after down succeeds and gives the same result as the first up, compared by
//! schema snapshot and per-table fingerprints of the two after-states.

use std::time::{Duration, Instant};

use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::schema_diff::diff as schema_diff;
use super::state::DatabaseState;
use super::up_runs;
use crate::migration::MigrationFailure;

/// Compares the state after the first up with the state after the second; `second_up`
/// is the failure of the second up, if it failed (then there is no second state).
pub fn check(first: &DatabaseState, second: Result<&DatabaseState, &MigrationFailure>, duration: Duration) -> CheckResult {
    let started = Instant::now();
    let second = match second {
        Ok(state) => state,
        Err(failure) => {
            let finding = up_runs::failed(failure, "up failed when run again after down");
            let finding = Finding { check: CheckKind::Rerun, ..finding };
            return CheckResult::from_findings(
                CheckKind::Rerun,
                "second up failed",
                vec![finding],
                duration + started.elapsed(),
            );
        }
    };
    let mut findings: Vec<Finding> = schema_diff(&first.schema, &second.schema)
        .into_iter()
        .map(|c| {
            let mut f = Finding::new(
                CheckKind::Rerun,
                Some(c.table.clone()),
                format!("schema after the second up differs: {} {}", c.object, c.change),
            );
            f.record(Example { column: None, key: c.object, before: c.before, after: c.after });
            f
        })
        .collect();
    for (table, print) in &first.fingerprints {
        let other = second.fingerprints.get(table);
        if other != Some(print) {
            let mut f = Finding::new(
                CheckKind::Rerun,
                Some(table.to_string()),
                "data after the second up differs from the first up",
            );
            f.record(Example {
                column: None,
                key: "fingerprint (rows, hash)".to_string(),
                before: Some(format!("{} rows, {}", print.rows, print.hash)),
                after: other.map(|o| format!("{} rows, {}", o.rows, o.hash)),
            });
            findings.push(f);
        }
    }
    let summary = format!("{} tables compared between the first and the second up", first.fingerprints.len());
    CheckResult::from_findings(CheckKind::Rerun, summary, findings, duration + started.elapsed())
}
