//! Check: for every table, the rows after up plus the rows set aside in quarantine equal
//! the rows before. Nothing is lost, nothing is invented.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::context::Context;
use super::state::DatabaseState;
use crate::vocabulary::TableName;

/// Row counts of one table, for the check and for the report's table of counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableCounts {
    pub table: String,
    pub before: i64,
    /// `None` when the table no longer exists after up.
    pub after: Option<i64>,
    pub quarantined: i64,
}

impl TableCounts {
    /// Rows before minus rows after and in quarantine: what up removed (negative: added).
    pub fn difference(&self) -> i64 {
        self.before - self.after.unwrap_or(0) - self.quarantined
    }

    pub fn is_conserved(&self) -> bool {
        self.difference() == 0
    }
}

/// Counts every user table before and after (with its quarantine tables) and reports
/// each table whose rows do not add up, once the rows the scenario declares added or
/// removed (`[expect] rows_added`, `rows_removed`) are counted; the counts stay in
/// `ctx.table_counts`.
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let counts = count_tables(ctx).await?;
    let mut findings = Vec::new();
    let mut declared = Vec::new();
    for c in &counts {
        let table = TableName::parse(&c.table);
        let (added, removed) = (ctx.intent.added(&table), ctx.intent.removed(&table));
        if added > 0 || removed > 0 {
            declared.push(format!("{} +{added} -{removed}", c.table));
        }
        if c.difference() != removed as i64 - added as i64 {
            let at = ctx.intent.counted_tables().into_iter().find(|(t, _)| **t == table).map(|(_, at)| at.to_string());
            findings.push(finding(c, added, removed, at.as_deref()));
        }
    }
    for (table, at) in ctx.intent.counted_tables() {
        if !counts.iter().any(|c| c.table == table.to_string()) {
            let message = format!("`rows_added`/`rows_removed` name {table} ({at}), but there is no such table before or after up");
            findings.push(Finding::new(CheckKind::Conservation, Some(table.to_string()), message).with_count(1));
        }
    }
    let total: i64 = counts.iter().map(|c| c.before).sum();
    let as_declared = if declared.is_empty() { String::new() } else { format!("; rows declared added/removed: {}", declared.join(", ")) };
    let summary = format!("{} tables, {} rows before{as_declared}", counts.len(), total);
    ctx.table_counts = counts;
    Ok(CheckResult::from_findings(CheckKind::Conservation, summary, findings, started.elapsed()))
}

/// Row counts of every user table of the original, in name order, from the states'
/// fingerprints (counted only for a table the state could not fingerprint), then of each
/// table up created that a row-count declaration names (0 rows before).
pub async fn count_tables(ctx: &mut Context<'_>) -> Result<Vec<TableCounts>, VerifyError> {
    let before_snap = ctx.scope.visible(&ctx.original.schema);
    let after_snap = ctx.scope.visible(&ctx.reached.schema);
    let mut counts = Vec::new();
    for (table, _) in ctx.scope.source_tables(&before_snap) {
        let before_rows = rows(&mut *ctx.before, ctx.original, table).await?;
        let after_rows = match after_snap.tables.contains_key(table) {
            true => Some(rows(&mut *ctx.after, ctx.reached, table).await?),
            false => None,
        };
        let mut quarantined = 0;
        for (q, _) in ctx.scope.quarantine_for(&after_snap, table) {
            quarantined += rows(&mut *ctx.after, ctx.reached, &q).await?;
        }
        counts.push(TableCounts { table: table.to_string(), before: before_rows, after: after_rows, quarantined });
    }
    for (table, _) in ctx.intent.counted_tables() {
        if !before_snap.tables.contains_key(table) && after_snap.tables.contains_key(table) {
            let after_rows = rows(&mut *ctx.after, ctx.reached, table).await?;
            counts.push(TableCounts { table: table.to_string(), before: 0, after: Some(after_rows), quarantined: 0 });
        }
    }
    Ok(counts)
}

async fn rows(conn: &mut PgConnection, state: &DatabaseState, table: &TableName) -> Result<i64, VerifyError> {
    match state.fingerprints.get(table) {
        Some(print) => Ok(print.rows),
        None => count(conn, table).await,
    }
}

async fn count(conn: &mut PgConnection, table: &TableName) -> Result<i64, VerifyError> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {}", table.quoted()))
        .fetch_one(conn)
        .await
        .map_err(VerifyError::query(format!("count rows of {table}")))
}

/// `added`/`removed` are the rows the scenario declares, written at `at`.
fn finding(c: &TableCounts, added: u64, removed: u64, at: Option<&str>) -> Finding {
    let after = c.after.unwrap_or(0);
    let difference = c.difference();
    let counts = format!("{} before, {after} after, {} in quarantine", c.before, c.quarantined);
    let at = at.unwrap_or("the scenario");
    let message = match c.after {
        None => format!("table is gone after up: {} rows before, {} in quarantine", c.before, c.quarantined),
        Some(_) if added > 0 && removed == 0 => format!("up added {} rows, but `rows_added` declares {added} ({at}): {counts}", -difference),
        Some(_) if removed > 0 && added == 0 => format!("up removed {difference} rows, but `rows_removed` declares {removed} ({at}): {counts}"),
        Some(_) if added > 0 => format!("rows do not add up to the declared `rows_added` = {added} and `rows_removed` = {removed} ({at}): {counts}"),
        Some(_) if difference > 0 => format!("{difference} rows lost: {counts}"),
        Some(_) => format!("{} rows too many: {counts}", -difference),
    };
    let mut f = Finding::new(CheckKind::Conservation, Some(c.table.clone()), message);
    f.record(Example {
        column: None,
        key: "row count".to_string(),
        before: Some(c.before.to_string()),
        after: Some(format!("{after} + {} quarantined", c.quarantined)),
    });
    f.with_count((difference - (removed as i64 - added as i64)).unsigned_abs())
}
