//! Check: the up migration completed, or failed exactly as the scenario expects.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::finding::{CheckKind, CheckResult, Example, Finding};
use crate::migration::MigrationFailure;

/// What the scenario expects of the up migration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "expect")]
pub enum Expectation {
    #[default]
    Success,
    /// Up must fail; with `sqlstate` and/or `message_contains` it must fail that way.
    Failure { sqlstate: Option<String>, message_contains: Option<String> },
}

/// Scores an up run. `failure` is the statement that failed, if any.
pub fn check(failure: Option<&MigrationFailure>, expected: &Expectation, duration: Duration) -> CheckResult {
    let findings = match (expected, failure) {
        (Expectation::Success, None) => Vec::new(),
        (Expectation::Success, Some(f)) => vec![failed(f, "up failed")],
        (Expectation::Failure { .. }, None) => {
            vec![Finding::new(CheckKind::UpRuns, None, "up completed, but the scenario expects it to fail")
                .with_count(1)]
        }
        (Expectation::Failure { sqlstate, message_contains }, Some(f)) => {
            let code_ok = sqlstate.as_ref().is_none_or(|c| c.eq_ignore_ascii_case(&f.code()));
            let message_ok = message_contains.as_ref().is_none_or(|m| f.message().contains(m.as_str()));
            if code_ok && message_ok {
                Vec::new()
            } else {
                let want = format!(
                    "SQLSTATE {} / message containing {:?}",
                    sqlstate.as_deref().unwrap_or("any"),
                    message_contains.as_deref().unwrap_or("")
                );
                vec![failed(f, &format!("up failed differently than expected ({want})"))]
            }
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
    finding.record(Example { key: f.location(), before: Some(f.statement()), after: Some(format!("{} {}", f.code(), f.message())) });
    finding
}
