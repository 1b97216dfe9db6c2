//! Check: every column that survives up holds the same value as before, where "the same"
//! for a column whose type changed means the old value cast to the new type. Rows are
//! matched by primary key under the same cast; a row whose old value cannot be cast must
//! be in quarantine (holding its original values), or it is a finding. What the scenario
//! declares (`rows_added`, `rows_removed`, `changed_columns`, `match_by`) is excused and
//! checked; rows whose primary key changed are said to be re-keyed, never lost.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use sqlx::PgConnection;

use super::diff::{diff_buckets, DiffStats, RowDifference, SideRow};
use super::error::VerifyError;
use super::fingerprint::{side_buckets, Buckets};
use super::lanes;
use super::projection::PreparedSide;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::pairing::{pair_table_by, CastMode, TablePairing};
use super::row_examples::column_examples;
use super::context::Context;
use super::schema_snapshot::{SchemaSnapshot, TableSchema};
use crate::vocabulary::{Intent, TableName};

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

/// Compares every user table of `before` with `after` (and its quarantine tables), with
/// what the scenario declares up changes on purpose excused (and each declaration checked).
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let scope = ctx.scope;
    let before_snap = scope.visible(&ctx.original.schema);
    let after_snap = scope.visible(&ctx.reached.schema);
    let mut findings = declared_columns_missing(&ctx.intent, &before_snap, &after_snap);
    let mut planned = Vec::new();
    for (table, before_schema) in scope.source_tables(&before_snap) {
        let Some(after_schema) = after_snap.tables.get(table) else {
            // The table is gone: conservation reports its rows; content has nothing to compare.
            continue;
        };
        let quarantine = scope.quarantine_for(&after_snap, table);
        let match_by = ctx.intent.match_key(table).map(|d| d.value.as_str()).filter(|k| before_schema.column(k).is_some() && after_schema.column(k).is_some());
        let pairing = match pair_table_by(table, before_schema, after_schema, &quarantine, CastMode::ToAfterTypes, match_by) {
            Ok(pairing) => pairing,
            Err(VerifyError::NoCommonColumns { .. }) => {
                findings.push(no_common_columns(table, before_schema));
                continue;
            }
            Err(error) => return Err(error),
        };
        let expected: BTreeSet<&str> =
            scope.expected_changes.iter().filter(|(t, _)| *t == table.to_string()).map(|(_, k)| k.as_str()).collect();
        let allowed = Allowed::of(&ctx.intent, &pairing);
        planned.push((pairing, expected, allowed));
    }
    let (mut before_sides, mut after_sides) = (Vec::new(), Vec::new());
    for (pairing, _, _) in &planned {
        before_sides.push(pairing.before.prepare(&mut *ctx.before).await?);
        after_sides.push(pairing.after.prepare(&mut *ctx.after).await?);
    }
    // Every table's bucket fingerprints first, the tables spread over each database's
    // connections, both databases at once; then the tables that differ, row by row.
    let (original, reached) = (ctx.original, ctx.reached);
    let before_conns: Vec<&mut PgConnection> = std::iter::once(&mut *ctx.before).chain(ctx.before_more.iter_mut()).collect();
    let after_conns: Vec<&mut PgConnection> = std::iter::once(&mut *ctx.after).chain(ctx.after_more.iter_mut()).collect();
    let (before_refs, after_refs): (Vec<&PreparedSide>, Vec<&PreparedSide>) = (before_sides.iter().collect(), after_sides.iter().collect());
    let (before_buckets, after_buckets) = futures::try_join!(
        lanes::side_buckets(original, before_conns, &before_refs),
        lanes::side_buckets(reached, after_conns, &after_refs)
    )?;
    let mut notes = Vec::new();
    let (mut tables, mut rows) = (0, 0);
    for (i, (pairing, expected, allowed)) in planned.iter().enumerate() {
        let sides = Sides { before: &before_sides[i], after: &after_sides[i], before_buckets: &before_buckets[i], after_buckets: &after_buckets[i] };
        let compared = compare_prepared(&mut *ctx.before, &mut *ctx.after, pairing, &sides, expected, allowed).await?;
        tables += 1;
        rows += compared.stats.before.rows;
        findings.extend(compared.findings);
        notes.extend(compared.notes);
    }
    let declared = if notes.is_empty() { String::new() } else { format!("; as declared: {}", notes.join("; ")) };
    let summary = format!("{tables} tables, {rows} rows compared by fingerprint, row by row where they differ{declared}");
    Ok(CheckResult::from_findings(CheckKind::Content, summary, findings, started.elapsed()))
}

/// What the scenario lets up do to one table: add or remove rows, change some columns
/// (indexes into the pairing's columns, with their names), and whether rows are paired by
/// a declared `match_by` key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    pub added: u64,
    pub removed: u64,
    pub changed: Vec<usize>,
    pub matched_by_key: bool,
}

impl Allowed {
    pub fn of(intent: &Intent, pairing: &TablePairing) -> Allowed {
        let names: Vec<String> = intent.changed(&pairing.table).iter().map(|d| d.value.clone()).collect();
        Allowed {
            added: intent.added(&pairing.table),
            removed: intent.removed(&pairing.table),
            changed: pairing.columns.iter().enumerate().filter(|(_, c)| names.contains(c)).map(|(i, _)| i).collect(),
            matched_by_key: intent.match_key(&pairing.table).is_some_and(|d| pairing.key == [d.value.clone()]),
        }
    }
}

/// What comparing one table found: its stats, the findings, and what was excused as declared.
pub struct Compared {
    pub stats: DiffStats,
    pub findings: Vec<Finding>,
    /// One line per excused change, with counts and examples, for the summary.
    pub notes: Vec<String>,
}

/// Diffs one table and turns its differences into findings. A changed row whose key is in
/// `expected_changes` (the migration was told to change it) is not a finding.
pub async fn compare_table(
    before: &mut PgConnection,
    after: &mut PgConnection,
    pairing: &TablePairing,
    expected_changes: &BTreeSet<&str>,
) -> Result<(DiffStats, Vec<Finding>), VerifyError> {
    let compared = compare_declared(before, after, pairing, expected_changes, &Allowed::default()).await?;
    Ok((compared.stats, compared.findings))
}

/// [`compare_table`], excusing what `declared` allows: exactly the declared rows added or
/// removed, values of the declared changed columns (counted, with examples). Rows whose
/// key changed while the count holds are re-keyed rows, not lost ones.
pub async fn compare_declared(
    before: &mut PgConnection,
    after: &mut PgConnection,
    pairing: &TablePairing,
    expected_changes: &BTreeSet<&str>,
    declared: &Allowed,
) -> Result<Compared, VerifyError> {
    let before_side = pairing.before.prepare(before).await?;
    let after_side = pairing.after.prepare(after).await?;
    let (before_buckets, after_buckets) = futures::try_join!(side_buckets(before, &before_side), side_buckets(after, &after_side))?;
    let sides = Sides { before: &before_side, after: &after_side, before_buckets: &before_buckets, after_buckets: &after_buckets };
    compare_prepared(before, after, pairing, &sides, expected_changes, declared).await
}

/// Both sides of one table's comparison, prepared, with their bucket fingerprints read.
pub struct Sides<'s> {
    pub before: &'s PreparedSide,
    pub after: &'s PreparedSide,
    pub before_buckets: &'s Buckets,
    pub after_buckets: &'s Buckets,
}

/// [`compare_declared`] from sides already prepared and fingerprinted.
pub async fn compare_prepared(
    before: &mut PgConnection,
    after: &mut PgConnection,
    pairing: &TablePairing,
    sides: &Sides<'_>,
    expected_changes: &BTreeSet<&str>,
    declared: &Allowed,
) -> Result<Compared, VerifyError> {
    let table = pairing.table.to_string();
    let mut by_problem: BTreeMap<Problem, Finding> = BTreeMap::new();
    let mut changed_as_declared = Finding::new(CheckKind::Content, Some(table.clone()), "");
    let stats = diff_buckets(before, sides.before, sides.before_buckets, after, sides.after, sides.after_buckets, |difference| {
        if let RowDifference::Changed { before, after } = &difference {
            if !after.is_quarantine && expected_changes.contains(before.key.as_str()) {
                return;
            }
            if !after.is_quarantine && !before.cast_failed && only_declared_differ(&declared.changed, before, after) {
                changed_as_declared.record_row(column_examples(&pairing.columns, before, after));
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
    let mut notes = Vec::new();
    if declared.matched_by_key {
        notes.push(format!("{table} paired by {} (`match_by`)", pairing.key.join(", ")));
    }
    if changed_as_declared.count > 0 {
        notes.push(changed_note(pairing, declared, &changed_as_declared));
    }
    excuse_row_counts(&table, declared, &mut by_problem, &mut notes);
    Ok(Compared { stats, findings: by_problem.into_values().collect(), notes })
}

/// True when every column that differs is a declared changed column.
fn only_declared_differ(declared: &[usize], before: &SideRow, after: &SideRow) -> bool {
    !declared.is_empty() && (0..before.cols.len()).filter(|&i| before.cols.get(i) != after.cols.get(i)).all(|i| declared.contains(&i))
}

/// `public.users.{email} changed in 240 rows (e.g. 'k': email 'a' → 'b')`.
fn changed_note(pairing: &TablePairing, declared: &Allowed, changed: &Finding) -> String {
    let columns: Vec<&str> = declared.changed.iter().map(|&i| pairing.columns[i].as_str()).collect();
    let examples: Vec<String> = changed
        .examples
        .iter()
        .take(EXAMPLES_IN_NOTE)
        .map(|e| format!("{}: {}{} → {}", e.key, e.column.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), e.before.as_deref().unwrap_or("NULL"), e.after.as_deref().unwrap_or("NULL")))
        .collect();
    format!("{}.{{{}}} changed in {} rows (e.g. {})", pairing.table, columns.join(", "), changed.count, examples.join("; "))
}

/// How many examples of a declared change the summary shows.
const EXAMPLES_IN_NOTE: usize = 3;

/// Rows lost and appeared, against the declared `rows_removed` and `rows_added`: exactly
/// the declared number is excused; as many rows lost as appeared beyond the declaration
/// are rows whose primary key changed, which is said so (with `match_by` as the remedy).
fn excuse_row_counts(table: &str, declared: &Allowed, by_problem: &mut BTreeMap<Problem, Finding>, notes: &mut Vec<String>) {
    let count = |p: Problem, m: &BTreeMap<Problem, Finding>| m.get(&p).map_or(0, |f| f.count);
    let (lost, appeared) = (count(Problem::Lost, &*by_problem), count(Problem::Appeared, &*by_problem));
    let uncastable_missing = by_problem.get(&Problem::UncastableNotQuarantined).is_some_and(|f| f.examples.iter().any(|e| e.after.is_none()));
    let rekeyed = lost.checked_sub(declared.removed).filter(|&n| n > 0 && Some(n) == appeared.checked_sub(declared.added));
    if let (Some(rekeyed), false, false) = (rekeyed, uncastable_missing, declared.matched_by_key) {
        let (lost_rows, appeared_rows) = (by_problem.remove(&Problem::Lost), by_problem.remove(&Problem::Appeared));
        let mut f = Finding::new(
            CheckKind::Content,
            Some(table.to_string()),
            format!("primary keys changed in {rekeyed} rows of {table}; rows cannot be paired (declare `match_by`)"),
        );
        for e in lost_rows.iter().chain(&appeared_rows).flat_map(|f| f.examples.iter().cloned()).take(super::finding::MAX_EXAMPLES) {
            f.record(e);
        }
        by_problem.insert(Problem::Lost, f.with_count(rekeyed));
        return;
    }
    for (problem, allowed, key, verb) in [(Problem::Appeared, declared.added, "rows_added", "added"), (Problem::Lost, declared.removed, "rows_removed", "removed")] {
        let found = count(problem, &*by_problem);
        if allowed == 0 {
            continue;
        }
        if found == allowed {
            by_problem.remove(&problem);
            notes.push(format!("{table}: {found} rows {verb}"));
        } else if let Some(f) = by_problem.get_mut(&problem) {
            f.message = format!("{} ({found} rows; `{key}` declares {allowed})", f.message);
        }
    }
}

/// A table whose every column up renamed or dropped: nothing can be compared.
fn no_common_columns(table: &TableName, before: &TableSchema) -> Finding {
    let columns: Vec<&str> = before.columns.iter().map(|c| c.name.as_str()).collect();
    let message = format!("no column of {table} survives up (renamed or dropped: {}): its values cannot be compared", columns.join(", "));
    Finding::new(CheckKind::Content, Some(table.to_string()), message).with_count(columns.len() as u64)
}

/// Each `changed_columns` or `match_by` declaration whose table or column is not there
/// both before and after up.
fn declared_columns_missing(intent: &Intent, before: &SchemaSnapshot, after: &SchemaSnapshot) -> Vec<Finding> {
    let declarations = intent.changed_columns.iter().map(|d| ("changed_columns", d)).chain(intent.match_by.iter().map(|d| ("match_by", d)));
    declarations
        .filter_map(|(key, d)| {
            let has = |snap: &SchemaSnapshot| snap.tables.get(&d.table).map(|t| t.column(&d.value).is_some());
            let problem = match (has(before), has(after)) {
                (Some(true), Some(true)) => return None,
                (None, _) => format!("there is no table {} before up", d.table),
                (_, None) => format!("there is no table {} after up", d.table),
                (Some(false), _) => format!("{} has no column `{}` before up", d.table, d.value),
                (_, Some(false)) => format!("{} has no column `{}` after up (dropped or renamed)", d.table, d.value),
            };
            let message = format!("`{key}` names `{}.{}` ({}), but {problem}", d.table, d.value, d.at);
            Some(Finding::new(CheckKind::Content, Some(d.table.to_string()), message).with_count(1))
        })
        .collect()
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
