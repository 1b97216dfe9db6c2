//! Check: after down, every user table's data is byte-identical to before (as text, all
//! columns, compared as multisets) and the schema is identical: columns, types,
//! nullability, defaults, constraints with their validated state, indexes, views and every
//! other object of [`super::schema_objects`]; the summary names the kinds not compared.

use std::collections::BTreeMap;
use std::time::Instant;

use super::content::changed_columns;
use super::diff::{diff, RowDifference};
use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::pairing::{pair_table, CastMode};
use super::schema_diff::{diff as schema_diff, SchemaChange};
use super::context::Context;

/// Compares the original state (before up) with the state after up and down. Quarantine and
/// bookkeeping tables named in `scope` are left out: the scenario decides whether they
/// may remain; anything else left behind is a schema finding.
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let before_snap = ctx.scope.visible_without_quarantine(&ctx.original.schema);
    let after_snap = ctx.scope.visible_without_quarantine(&ctx.reached.schema);
    let changes = schema_diff(&before_snap, &after_snap);
    let mut findings: Vec<Finding> = changes.iter().map(schema_finding).collect();
    let mut rows = 0;
    for (table, before_schema) in &before_snap.tables {
        let Some(after_schema) = after_snap.tables.get(table) else { continue };
        // Same columns and the same fingerprint in both states: the rows are the same.
        let prints = (ctx.original.fingerprints.get(table), ctx.reached.fingerprints.get(table));
        if let (true, (Some(before_print), Some(after_print))) = (before_schema == after_schema, prints) {
            if before_print == after_print {
                rows += before_print.rows;
                continue;
            }
        }
        let pairing = match pair_table(table, before_schema, after_schema, &[], CastMode::RawText) {
            Ok(p) => p,
            Err(super::error::VerifyError::NoCommonColumns { .. }) => continue,
            Err(e) => return Err(e),
        };
        let before_side = pairing.before.prepare(&mut *ctx.before).await?;
        let after_side = pairing.after.prepare(&mut *ctx.after).await?;
        let mut by_kind: BTreeMap<&'static str, Finding> = BTreeMap::new();
        let name = table.to_string();
        let stats = diff(&mut *ctx.before, &before_side, &mut *ctx.after, &after_side, |d| {
            let (message, example) = describe(&pairing.columns, d);
            by_kind
                .entry(message)
                .or_insert_with(|| Finding::new(CheckKind::RollbackIdentity, Some(name.clone()), message))
                .record(example);
        })
        .await?;
        rows += stats.before.rows;
        findings.extend(by_kind.into_values());
    }
    let summary = format!(
        "{} tables, {} rows and {} other schema objects compared with the original; not compared: {}",
        before_snap.tables.len(),
        rows,
        before_snap.objects.len(),
        super::schema_objects::NOT_COMPARED.join(", ")
    );
    Ok(CheckResult::from_findings(CheckKind::RollbackIdentity, summary, findings, started.elapsed()))
}

fn describe(columns: &[String], d: RowDifference) -> (&'static str, Example) {
    match d {
        RowDifference::Changed { before, after } => {
            let (b, a) = changed_columns(columns, &before, &after);
            (
                "rows differ from the original after rollback (compared as text)",
                Example { key: before.key, before: Some(b), after: Some(a) },
            )
        }
        RowDifference::Missing { before } => (
            "rows of the original are missing after rollback",
            Example { key: before.key, before: Some(before.row), after: None },
        ),
        RowDifference::Extra { after } => (
            "rows after rollback that the original does not have",
            Example { key: after.key, before: None, after: Some(after.row) },
        ),
    }
}

fn schema_finding(change: &SchemaChange) -> Finding {
    let table = Some(change.table.clone());
    let message = format!("schema differs after rollback: {} {}", change.object, change.change);
    let mut f = Finding::new(CheckKind::RollbackIdentity, table, message);
    f.record(Example { key: change.object.clone(), before: change.before.clone(), after: change.after.clone() });
    f
}
