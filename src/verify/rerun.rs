//! Check: up run again (after down, or on a fresh clone of the seeded database when there
//! is no down) succeeds and gives the same result as the first up, compared by schema
//! snapshot and per-table fingerprints of the two after-states. Columns the scenario
//! declares volatile (`[expect] volatile_columns`) are left out of the fingerprints.

use std::time::{Duration, Instant};

use sqlx::PgConnection;

use super::error::VerifyError;
use super::fingerprint::fingerprint_columns;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::schema_diff::diff as schema_diff;
use super::state::DatabaseState;
use super::up_runs;
use crate::migration::MigrationFailure;
use crate::vocabulary::Intent;

/// Where the second up ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// On the work database, after down.
    AfterDown,
    /// On a new clone of the seeded database: the migration has no down to undo the first.
    FreshClone,
}

impl On {
    fn words(self) -> &'static str {
        match self {
            On::AfterDown => "after down",
            On::FreshClone => "on a fresh clone of the seeded database",
        }
    }
}

/// `state` with the tables that have volatile columns fingerprinted without them, read on
/// `conn`, the database the state was read from.
pub async fn comparable(conn: &mut PgConnection, mut state: DatabaseState, intent: &Intent) -> Result<DatabaseState, VerifyError> {
    for (table, schema) in &state.schema.tables {
        let volatile = intent.volatile(table);
        if volatile.is_empty() {
            continue;
        }
        let kept: Vec<(String, String)> = schema
            .columns
            .iter()
            .filter(|c| !volatile.iter().any(|v| v.value == c.name))
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect();
        // Read without the volatile columns, the print no longer matches the stored buckets.
        state.buckets.remove(table);
        match fingerprint_columns(conn, table, &kept).await? {
            Some(print) => state.fingerprints.insert(table.clone(), print),
            None => state.fingerprints.remove(table),
        };
    }
    Ok(state)
}

/// Compares the state after the first up with the state after the second; `second` is
/// the failure of the second up, if it failed (then there is no second state).
pub fn check(first: &DatabaseState, second: Result<&DatabaseState, &MigrationFailure>, duration: Duration) -> CheckResult {
    check_declared(first, second, duration, &Intent::default(), On::AfterDown)
}

/// [`check`], with the scenario's declarations: each volatile column must exist after up.
/// Both states come from [`comparable`].
pub fn check_declared(first: &DatabaseState, second: Result<&DatabaseState, &MigrationFailure>, duration: Duration, intent: &Intent, on: On) -> CheckResult {
    let started = Instant::now();
    let second = match second {
        Ok(state) => state,
        Err(failure) => {
            let finding = up_runs::failed(failure, &format!("up failed when run again {}", on.words()));
            let finding = Finding { check: CheckKind::Rerun, ..finding };
            return CheckResult::from_findings(CheckKind::Rerun, "second up failed", vec![finding], duration + started.elapsed());
        }
    };
    let mut findings: Vec<Finding> = missing_volatile(first, intent);
    findings.extend(schema_diff(&first.schema, &second.schema).into_iter().map(|c| {
        let mut f = Finding::new(CheckKind::Rerun, Some(c.table.clone()), format!("schema after the second up differs: {} {}", c.object, c.change));
        f.record(Example { column: None, key: c.object, before: c.before, after: c.after });
        f
    }));
    for (table, print) in &first.fingerprints {
        let other = second.fingerprints.get(table);
        if other != Some(print) {
            let mut f = Finding::new(CheckKind::Rerun, Some(table.to_string()), "data after the second up differs from the first up");
            f.record(Example {
                column: None,
                key: "fingerprint (rows, hash)".to_string(),
                before: Some(format!("{} rows, {}", print.rows, print.hash)),
                after: other.map(|o| format!("{} rows, {}", o.rows, o.hash)),
            });
            findings.push(f);
        }
    }
    let ignored: Vec<String> = intent.volatile_columns.iter().map(|v| format!("{}.{}", v.table, v.value)).collect();
    let ignoring = if ignored.is_empty() { String::new() } else { format!(", ignoring the volatile columns {}", ignored.join(", ")) };
    let fresh = if on == On::FreshClone { format!(" (run {})", on.words()) } else { String::new() };
    let summary = format!("{} tables compared between the first and the second up{fresh}{ignoring}", first.fingerprints.len());
    CheckResult::from_findings(CheckKind::Rerun, summary, findings, duration + started.elapsed())
}

/// A declared volatile column that the state up reached does not have.
fn missing_volatile(first: &DatabaseState, intent: &Intent) -> Vec<Finding> {
    intent
        .volatile_columns
        .iter()
        .filter(|v| first.schema.tables.get(&v.table).and_then(|t| t.column(&v.value)).is_none())
        .map(|v| {
            let whose = if first.schema.tables.contains_key(&v.table) { format!("{} has no column `{}`", v.table, v.value) } else { format!("there is no table {}", v.table) };
            Finding::new(CheckKind::Rerun, Some(v.table.to_string()), format!("`volatile_columns` names `{}.{}` ({}), but after up {whose}", v.table, v.value, v.at)).with_count(1)
        })
        .collect()
}
