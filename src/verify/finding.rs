//! Findings are data: what a check found, on which table, with a few example rows so a
//! person sees what went wrong; and each check's result with its status and duration.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A finding carries at most this many example rows; `Finding::count` says how many
/// rows there were in all.
pub const MAX_EXAMPLES: usize = 20;

/// The invariants of a rehearsal, one per check file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    UpRuns,
    Conservation,
    Content,
    References,
    Anomalies,
    /// What up changed in the schema, and the suspicious changes.
    UpChanges,
    RollbackIdentity,
    Rerun,
    /// A SQLite export matches its Postgres source under the type mapping.
    SqliteExport,
}

impl CheckKind {
    /// The kebab-case name shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::UpRuns => "up-runs",
            CheckKind::Conservation => "conservation",
            CheckKind::Content => "content",
            CheckKind::References => "references",
            CheckKind::Anomalies => "anomalies",
            CheckKind::UpChanges => "up-changes",
            CheckKind::RollbackIdentity => "rollback-identity",
            CheckKind::Rerun => "rerun",
            CheckKind::SqliteExport => "sqlite-export",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// The check did not apply or could not run (e.g. no down migration); `summary` says why.
    Skip,
}

/// One row (or object) that shows a finding: its key, the column that differs when the
/// finding is about values, and the value before and after (as text). A row that differs
/// in several columns is one example per column, all with the same key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Example {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Example {
    /// An example about a whole row or an object.
    pub fn new(key: impl Into<String>, before: Option<String>, after: Option<String>) -> Example {
        Example { key: key.into(), column: None, before, after }
    }

    /// One column of a row that differs.
    pub fn column(key: impl Into<String>, column: impl Into<String>, before: Option<String>, after: Option<String>) -> Example {
        Example { key: key.into(), column: Some(column.into()), before, after }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub check: CheckKind,
    /// `schema.table`, or `None` for a finding about the whole migration.
    pub table: Option<String>,
    pub message: String,
    /// How many rows (or objects) the finding covers; `examples` shows the first few.
    pub count: u64,
    pub examples: Vec<Example>,
}

impl Finding {
    pub fn new(check: CheckKind, table: Option<String>, message: impl Into<String>) -> Finding {
        Finding { check, table, message: message.into(), count: 0, examples: Vec::new() }
    }

    /// Counts one more row, and keeps it as an example while there are fewer than
    /// [`MAX_EXAMPLES`].
    pub fn record(&mut self, example: Example) {
        self.count += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(example);
        }
    }

    /// Counts one more row shown by several examples (one per differing column), and keeps
    /// them while fewer than [`MAX_EXAMPLES`] rows are kept.
    pub fn record_row(&mut self, examples: Vec<Example>) {
        if self.rows_shown() < MAX_EXAMPLES {
            self.examples.extend(examples);
        }
        self.count += 1;
    }

    /// How many rows (or objects) the examples show: examples with the same key in a row
    /// are one row.
    pub fn rows_shown(&self) -> usize {
        let mut keys = self.examples.iter().map(|e| &e.key).collect::<Vec<_>>();
        keys.dedup();
        keys.len()
    }

    pub fn with_count(mut self, count: u64) -> Finding {
        self.count = count;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    pub check: CheckKind,
    pub status: CheckStatus,
    /// One line on what was checked ("3 tables, 12000 rows compared"), or why it was skipped.
    pub summary: String,
    pub findings: Vec<Finding>,
    #[serde(with = "crate::vocabulary::duration_ms", rename = "duration_ms")]
    #[schemars(with = "f64")]
    pub duration: Duration,
}

impl CheckResult {
    /// Fails when there is any finding, passes otherwise.
    pub fn from_findings(
        check: CheckKind,
        summary: impl Into<String>,
        findings: Vec<Finding>,
        duration: Duration,
    ) -> CheckResult {
        let status = if findings.is_empty() { CheckStatus::Pass } else { CheckStatus::Fail };
        CheckResult { check, status, summary: summary.into(), findings, duration }
    }

    pub fn skip(check: CheckKind, reason: impl Into<String>) -> CheckResult {
        CheckResult {
            check,
            status: CheckStatus::Skip,
            summary: reason.into(),
            findings: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    pub fn is_failure(&self) -> bool {
        self.status == CheckStatus::Fail
    }
}
