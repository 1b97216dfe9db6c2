//! Check: every column that survives up holds the same value as before, where "the same"
//! for a column whose type changed means the old value cast to the new type. Rows are
//! matched by primary key under the same cast; a row whose old value cannot be cast must
//! be in quarantine (holding its original values), or it is a finding.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use sqlx::PgConnection;

use super::diff::{diff, DiffStats, RowDifference};
use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::pairing::{pair_table, CastMode, TablePairing};
use super::row_examples::column_examples;
use super::context::Context;

/// What a row difference means for the content check; each becomes one finding per table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Problem {
    Lost,
    UncastableNotQuarantined,
    Changed,
    QuarantineAltered,
    Appeared,
}

impl Problem {
    fn message(self) -> &'static str {
        match self {
            Problem::Lost => "rows lost: present before, neither in the table nor in quarantine after up",
            Problem::UncastableNotQuarantined => {
                "rows whose old value cannot be cast to the new type are not in quarantine"
            }
            Problem::Changed => "values changed: the new value is not the old value cast to the new type",
            Problem::QuarantineAltered => "quarantined rows do not hold their original values",
            Problem::Appeared => {
                "rows appeared after up that were not there before (or are both migrated and quarantined)"
            }
        }
    }
}

/// Compares every user table of `before` with `after` (and its quarantine tables).
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let scope = ctx.scope;
    let before_snap = scope.visible(&ctx.original.schema);
    let after_snap = scope.visible(&ctx.reached.schema);
    let mut findings = Vec::new();
    let (mut tables, mut rows) = (0, 0);
    for (table, before_schema) in scope.source_tables(&before_snap) {
        let Some(after_schema) = after_snap.tables.get(table) else {
            // The table is gone: conservation reports its rows; content has nothing to compare.
            continue;
        };
        let quarantine = scope.quarantine_for(&after_snap, table);
        let pairing = pair_table(table, before_schema, after_schema, &quarantine, CastMode::ToAfterTypes)?;
        let expected: BTreeSet<&str> =
            scope.expected_changes.iter().filter(|(t, _)| *t == table.to_string()).map(|(_, k)| k.as_str()).collect();
        let (stats, table_findings) = compare_table(&mut *ctx.before, &mut *ctx.after, &pairing, &expected).await?;
        tables += 1;
        rows += stats.before.rows;
        findings.extend(table_findings);
    }
    let summary = format!("{tables} tables, {rows} rows compared by fingerprint, row by row where they differ");
    Ok(CheckResult::from_findings(CheckKind::Content, summary, findings, started.elapsed()))
}

/// Diffs one table and turns its differences into findings. A changed row whose key is in
/// `expected_changes` (the migration was told to change it) is not a finding.
pub async fn compare_table(
    before: &mut PgConnection,
    after: &mut PgConnection,
    pairing: &TablePairing,
    expected_changes: &BTreeSet<&str>,
) -> Result<(DiffStats, Vec<Finding>), VerifyError> {
    let before_side = pairing.before.prepare(before).await?;
    let after_side = pairing.after.prepare(after).await?;
    let table = pairing.table.to_string();
    let mut by_problem: BTreeMap<Problem, Finding> = BTreeMap::new();
    let stats = diff(before, &before_side, after, &after_side, |difference| {
        if let RowDifference::Changed { before, after } = &difference {
            if !after.is_quarantine && expected_changes.contains(before.key.as_str()) {
                return;
            }
        }
        let (problem, examples) = classify(&pairing.columns, difference);
        by_problem
            .entry(problem)
            .or_insert_with(|| Finding::new(CheckKind::Content, Some(table.clone()), problem.message()))
            .record_row(examples);
    })
    .await?;
    Ok((stats, by_problem.into_values().collect()))
}

/// The problem a difference shows, and its examples: the whole row for a row on one
/// side only, one example per differing column for a changed row.
fn classify(columns: &[String], difference: RowDifference) -> (Problem, Vec<Example>) {
    match difference {
        RowDifference::Missing { before } => {
            let problem = if before.cast_failed { Problem::UncastableNotQuarantined } else { Problem::Lost };
            (problem, vec![Example::new(before.key, Some(before.row), None)])
        }
        RowDifference::Extra { after } => (Problem::Appeared, vec![Example::new(after.key, None, Some(after.row))]),
        RowDifference::Changed { before, after } => {
            let problem = match (after.is_quarantine, before.cast_failed) {
                (true, _) => Problem::QuarantineAltered,
                (false, true) => Problem::UncastableNotQuarantined,
                (false, false) => Problem::Changed,
            };
            (problem, column_examples(columns, &before, &after))
        }
    }
}
