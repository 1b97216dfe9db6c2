//! Check: the rows the migration quarantined, nulled or rejected are exactly the expected
//! ones (the dataset's ground truth): no misses, no false positives. For a migration
//! without ground truth (bring your own), the set-aside rows are reported, not scored.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, CheckStatus, Example, Finding};
use super::context::Context;
use crate::quote::quote_ident;

/// One row a migration set aside. `key` is the row's primary key as text (columns joined
/// with `|`), in the source table's original type, so it compares with ground truth.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SetAside {
    /// The source table, `schema.table`.
    pub table: String,
    pub key: String,
    /// `quarantined`, `nulled` or `rejected`.
    pub action: String,
    /// Why, when the migration says (a `reason` column in quarantine); not compared.
    pub reason: Option<String>,
}

impl SetAside {
    fn identity(&self) -> (&str, &str, &str) {
        (&self.table, &self.key, &self.action)
    }
}

/// Column names that hold the reason a row was quarantined, in order of preference.
const REASON_COLUMNS: &[&str] = &["reason", "quarantine_reason", "_reason"];

/// Reads every quarantined row of `after`. The key columns are the source table's primary
/// key in the `before` database (the quarantine table may have none).
pub async fn read_quarantined(ctx: &mut Context<'_>) -> Result<Vec<SetAside>, VerifyError> {
    let scope = ctx.scope;
    let before_snap = scope.visible(&ctx.original.schema);
    let after_snap = scope.visible(&ctx.reached.schema);
    let mut set = Vec::new();
    for (source, schema) in scope.source_tables(&before_snap) {
        for (q, q_schema) in scope.quarantine_for(&after_snap, source) {
            let key_cols = if schema.primary_key.is_empty() {
                schema.columns.iter().map(|c| c.name.clone()).collect()
            } else {
                schema.primary_key.clone()
            };
            let missing: Vec<&str> = key_cols.iter().filter(|c| q_schema.column(c).is_none()).map(String::as_str).collect();
            if !missing.is_empty() {
                let message = format!(
                    "quarantine table {q} has no column {} of {source}'s key after up (dropped or renamed): its rows cannot be matched to the rows set aside",
                    missing.join(", ")
                );
                ctx.unreadable_quarantine.push(Finding::new(CheckKind::Anomalies, Some(q.to_string()), message).with_count(1));
                continue;
            }
            let key: Vec<String> = key_cols.iter().map(|c| format!("{}::text", quote_ident(c))).collect();
            let reason = REASON_COLUMNS
                .iter()
                .find(|r| q_schema.column(r).is_some())
                .map(|r| format!("{}::text", quote_ident(r)));
            let sql = format!(
                "SELECT concat_ws('|', {}) AS k, {} AS reason FROM {} ORDER BY 1",
                key.join(", "),
                reason.as_deref().unwrap_or("NULL::text"),
                q.quoted()
            );
            let rows = sqlx::query(&sql)
                .fetch_all(&mut *ctx.after)
                .await
                .map_err(VerifyError::query(format!("read quarantine table {q}")))?;
            set.extend(rows.iter().map(|r| SetAside {
                table: source.to_string(),
                key: r.get("k"),
                action: "quarantined".into(),
                reason: r.get("reason"),
            }));
        }
    }
    set.sort();
    Ok(set)
}

/// Scores the rows the phase found set aside against the expected ones.
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let mut result = score(ctx.expected_set_aside.as_deref(), &ctx.set_aside);
    if !ctx.unreadable_quarantine.is_empty() {
        result.findings.splice(0..0, ctx.unreadable_quarantine.iter().cloned());
        result.status = CheckStatus::Fail;
    }
    Ok(result)
}

/// Scores `actual` against `expected`; with `expected = None` reports `actual` as a table
/// (status skip: nothing to score against).
pub fn score(expected: Option<&[SetAside]>, actual: &[SetAside]) -> CheckResult {
    let started = Instant::now();
    let Some(expected) = expected else {
        return CheckResult::skip(
            CheckKind::Anomalies,
            format!("{} rows set aside; no ground truth to score them against", actual.len()),
        );
    };
    let want: BTreeSet<_> = expected.iter().map(SetAside::identity).collect();
    let got: BTreeSet<_> = actual.iter().map(SetAside::identity).collect();
    let mut findings = BTreeMap::new();
    for (table, key, action) in want.difference(&got) {
        findings
            .entry(("miss", *table))
            .or_insert_with(|| {
                Finding::new(
                    CheckKind::Anomalies,
                    Some(table.to_string()),
                    "expected anomalies the migration did not set aside (misses)",
                )
            })
            .record(Example { column: None, key: key.to_string(), before: Some(format!("expected {action}")), after: None });
    }
    for (table, key, action) in got.difference(&want) {
        findings
            .entry(("false positive", *table))
            .or_insert_with(|| {
                Finding::new(
                    CheckKind::Anomalies,
                    Some(table.to_string()),
                    "rows set aside that are not expected anomalies (false positives)",
                )
            })
            .record(Example { column: None, key: key.to_string(), before: None, after: Some(action.to_string()) });
    }
    let summary =
        format!("{} expected, {} set aside, {} matched", want.len(), got.len(), want.intersection(&got).count());
    CheckResult::from_findings(CheckKind::Anomalies, summary, findings.into_values().collect(), started.elapsed())
}

/// Set-aside rows counted by reason (`unknown` when none is given), for the report.
pub fn by_reason(actual: &[SetAside]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for row in actual {
        *counts.entry(row.reason.clone().unwrap_or_else(|| "unknown".to_string())).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::CheckStatus;

    fn row(table: &str, key: &str) -> SetAside {
        SetAside {
            table: table.into(),
            key: key.into(),
            action: "quarantined".into(),
            reason: Some("invalid uuid".into()),
        }
    }

    #[test]
    fn misses_and_false_positives_are_separate_findings() {
        let expected = vec![row("public.users", "a"), row("public.users", "b")];
        let actual = vec![row("public.users", "b"), row("public.users", "c")];
        let result = score(Some(&expected), &actual);
        assert_eq!(result.status, CheckStatus::Fail);
        assert_eq!(result.findings.len(), 2);
        let keys: Vec<&str> = result.findings.iter().map(|f| f.examples[0].key.as_str()).collect();
        assert!(keys.contains(&"a") && keys.contains(&"c"), "{keys:?}");
        assert_eq!(score(Some(&expected), &expected).status, CheckStatus::Pass);
        assert_eq!(score(None, &actual).status, CheckStatus::Skip);
        assert_eq!(by_reason(&actual).get("invalid uuid"), Some(&(actual.len() as u64)));
    }
}
