//! Check: after down, every user table's data is byte-identical to before (as text, all
//! columns, compared as multisets) and the schema is identical: columns, types,
//! nullability, defaults, constraints with their validated state, indexes, views and every
//! other object of [`super::schema_objects`]; the summary names the kinds not compared.

use std::time::Instant;

use super::diff::diff_buckets;
use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::pairing::{pair_table, CastMode};
use super::row_examples::{RowCollector, RowTexts};
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
        let mut rows_differing = RowCollector::new(CheckKind::RollbackIdentity, table, &ROW_TEXTS, &pairing.columns, &pairing.key);
        let (before_buckets, after_buckets) = futures::try_join!(
            ctx.original.side_buckets(&mut *ctx.before, &before_side),
            ctx.reached.side_buckets(&mut *ctx.after, &after_side)
        )?;
        let stats = diff_buckets(&mut *ctx.before, &before_side, &before_buckets, &mut *ctx.after, &after_side, &after_buckets, |d| {
            rows_differing.push(d)
        })
        .await?;
        rows += stats.before.rows;
        findings.extend(rows_differing.findings());
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

/// Rows compared as text: a row whose key changed is paired with its original by its
/// other columns, so it reads as `id: 'A0EE…' → 'a0ee…'`.
const ROW_TEXTS: RowTexts = RowTexts {
    differ: "differ from the original",
    missing: "rows of the original are missing after rollback",
    extra: "rows after rollback that the original does not have",
};

fn schema_finding(change: &SchemaChange) -> Finding {
    let table = Some(change.table.clone());
    let message = format!("schema differs after rollback: {} {}", change.object, change.change);
    let mut f = Finding::new(CheckKind::RollbackIdentity, table, message);
    f.record(Example { column: None, key: change.object.clone(), before: change.before.clone(), after: change.after.clone() });
    f
}
