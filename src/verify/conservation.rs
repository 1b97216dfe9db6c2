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
    pub fn is_conserved(&self) -> bool {
        self.after.unwrap_or(0) + self.quarantined == self.before
    }
}

/// Counts every user table before and after (with its quarantine tables) and reports
/// each table whose rows do not add up; the counts stay in `ctx.table_counts`.
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let counts = count_tables(ctx).await?;
    let findings: Vec<Finding> = counts.iter().filter(|c| !c.is_conserved()).map(finding).collect();
    let total: i64 = counts.iter().map(|c| c.before).sum();
    let summary = format!("{} tables, {} rows before", counts.len(), total);
    ctx.table_counts = counts;
    Ok(CheckResult::from_findings(CheckKind::Conservation, summary, findings, started.elapsed()))
}

/// Row counts of every user table of the original, in name order, from the states'
/// fingerprints (counted only for a table the state could not fingerprint).
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

fn finding(c: &TableCounts) -> Finding {
    let after = c.after.unwrap_or(0);
    let difference = c.before - after - c.quarantined;
    let message = match c.after {
        None => format!("table is gone after up: {} rows before, {} in quarantine", c.before, c.quarantined),
        Some(_) if difference > 0 => {
            format!("{difference} rows lost: {} before, {after} after, {} in quarantine", c.before, c.quarantined)
        }
        Some(_) => format!(
            "{} rows too many: {} before, {after} after, {} in quarantine",
            -difference, c.before, c.quarantined
        ),
    };
    let mut f = Finding::new(CheckKind::Conservation, Some(c.table.clone()), message);
    f.record(Example {
        column: None,
        key: "row count".to_string(),
        before: Some(c.before.to_string()),
        after: Some(format!("{after} + {} quarantined", c.quarantined)),
    });
    f.with_count(difference.unsigned_abs())
}
