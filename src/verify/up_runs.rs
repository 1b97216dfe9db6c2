//! Check: the up migration completed, or failed exactly as the scenario expects.

use std::time::Duration;

use super::finding::{CheckKind, CheckResult, Example, Finding};
use crate::migration::MigrationFailure;
use crate::vocabulary::ExpectedOutcome;

/// Scores an up run. `failure` is the statement that failed, if any.
pub fn check(failure: Option<&MigrationFailure>, expected: &ExpectedOutcome, duration: Duration) -> CheckResult {
    let findings = match (expected, failure) {
        (ExpectedOutcome::Pass, None) | (ExpectedOutcome::Fail, Some(_)) => Vec::new(),
        (ExpectedOutcome::Pass, Some(f)) => vec![failed(f, "up failed")],
        (ExpectedOutcome::Fail, None) => {
            vec![Finding::new(CheckKind::UpRuns, None, "up completed, but the scenario expects it to fail").with_count(1)]
        }
    };
    let summary = match failure {
        None => "up completed".to_string(),
        Some(MigrationFailure::Statement(f)) => format!("up stopped at statement {} ({}:{})", f.index, f.file, f.error_line.unwrap_or(f.line)),
        Some(f) => format!("up stopped at the {}", f.location()),
    };
    CheckResult::from_findings(CheckKind::UpRuns, summary, findings, duration)
}

/// A finding naming the statement, its line and the error.
pub fn failed(f: &MigrationFailure, what: &str) -> Finding {
    let mut finding = Finding::new(CheckKind::UpRuns, None, format!("{what}: {f}"));
    finding.record(Example { column: None, key: f.location(), before: Some(f.statement()), after: Some(format!("{} {}", f.code(), f.message())) });
    finding
}
