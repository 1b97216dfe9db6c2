//! What a step reports: findings and checks as data, notes for people, lock times.

use serde::Serialize;

use super::finding::RowFinding;
use super::plan::Plan;
use super::status::Status;
use super::validate::Check;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Completed,
    /// A policy of `fail` met a finding: nothing was changed.
    Blocked,
    /// Validation found a problem.
    ChecksFailed,
    /// Nothing was open to roll back, or the step had already completed.
    NothingToDo,
    /// `--dry-run`: the plan and findings, no change.
    DryRun,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: String,
    pub outcome: Outcome,
    pub findings: Vec<RowFinding>,
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
    /// (what, milliseconds) for every ACCESS EXCLUSIVE transaction.
    pub lock_held_ms: Vec<(String, f64)>,
    pub plan: Option<Plan>,
    pub status: Option<Status>,
}

impl StepReport {
    pub fn new(step: &str) -> Self {
        StepReport {
            step: step.into(),
            outcome: Outcome::Completed,
            findings: vec![],
            checks: vec![],
            notes: vec![],
            lock_held_ms: vec![],
            plan: None,
            status: None,
        }
    }

    /// Whether the step left something for a person to look at (exit code 1).
    pub fn has_findings(&self) -> bool {
        matches!(self.outcome, Outcome::Blocked | Outcome::ChecksFailed)
    }

    /// Folds a later step's report into this one (for `full`). A later step's findings
    /// replace earlier ones: they describe what was actually done to the same rows.
    pub fn absorb(&mut self, other: StepReport) {
        if !other.findings.is_empty() {
            self.findings = other.findings;
        }
        self.checks.extend(other.checks);
        self.notes.extend(other.notes.into_iter().map(|n| format!("{}: {n}", other.step)));
        self.lock_held_ms.extend(other.lock_held_ms);
        if other.outcome != Outcome::Completed && other.outcome != Outcome::NothingToDo {
            self.outcome = other.outcome;
        }
    }
}
