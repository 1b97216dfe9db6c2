//! Why an `up` or a `down` did not complete, as data: a statement of the user's SQL that
//! Postgres rejected, or the built-in engine refusing the step because of its findings.
//! Either way it is scored by the checks, never raised as an error.

use serde::Serialize;

use super::statement_failure::StatementFailure;
use crate::engine::{self, Outcome};

/// Findings named in a refusal's message; the rest are counted.
const FINDINGS_SHOWN: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum MigrationFailure {
    /// A statement of a migration file failed (file, statement number, line, SQLSTATE,
    /// message).
    Statement(StatementFailure),
    /// The engine stopped the step (`blocked` by a `fail` policy, or `checks-failed`)
    /// and says why in its findings.
    EngineRefused { step: String, outcome: Outcome, findings: Vec<engine::RowFinding> },
}

impl From<StatementFailure> for MigrationFailure {
    fn from(failure: StatementFailure) -> MigrationFailure {
        MigrationFailure::Statement(failure)
    }
}

impl MigrationFailure {
    /// Where it failed, as a person looks for it: `file:line (statement n)`, or the step.
    pub fn location(&self) -> String {
        match self {
            MigrationFailure::Statement(f) => format!("{}:{} (statement {})", f.file, f.error_line.unwrap_or(f.line), f.index),
            MigrationFailure::EngineRefused { step, .. } => format!("built-in engine, step {step}"),
        }
    }

    /// What was being run: the statement text, or the engine step.
    pub fn statement(&self) -> String {
        match self {
            MigrationFailure::Statement(f) => f.statement.clone(),
            MigrationFailure::EngineRefused { step, .. } => format!("pgrehearse migrate {step}"),
        }
    }

    /// The SQLSTATE, or the engine's outcome (`blocked`, `checks-failed`).
    pub fn code(&self) -> String {
        match self {
            MigrationFailure::Statement(f) => f.error.code.clone(),
            MigrationFailure::EngineRefused { outcome, .. } => outcome_name(*outcome),
        }
    }

    /// Postgres's message, or the engine's findings in a sentence.
    pub fn message(&self) -> String {
        match self {
            MigrationFailure::Statement(f) => f.error.message.clone(),
            MigrationFailure::EngineRefused { findings, .. } => {
                let shown: Vec<String> = findings.iter().take(FINDINGS_SHOWN).map(describe).collect();
                let more = findings.len().saturating_sub(FINDINGS_SHOWN);
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                format!("{} findings stopped the step: {}{more}", findings.len(), shown.join("; "))
            }
        }
    }
}

impl std::fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrationFailure::Statement(failure) => failure.fmt(f),
            MigrationFailure::EngineRefused { .. } => write!(
                f,
                "{}: {} ({}); see the engine's findings, or change the on_* policies",
                self.location(),
                self.message(),
                self.code()
            ),
        }
    }
}

fn outcome_name(outcome: Outcome) -> String {
    serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// `orphan in public.journal_entries {"id": 7} user_id = '…' (quarantine)`.
fn describe(finding: &engine::RowFinding) -> String {
    let kind = serde_json::to_value(finding.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let value = finding.value.as_deref().map(|v| format!(" = {v:?}")).unwrap_or_default();
    format!("{kind} in {} {} {}{value}", finding.table, finding.pk, finding.column)
}
