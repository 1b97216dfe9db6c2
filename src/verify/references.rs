//! Check: after up, every declared or FK relation holds (no child row points at a missing
//! parent), both sides of each relation have the same type, and no FK is left NOT VALID.
//! A relation whose column up dropped or renamed is a finding naming the column.

use std::time::Instant;

use sqlx::{PgConnection, Row};

use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding, MAX_EXAMPLES};
use super::context::Context;
use super::schema_snapshot::SchemaSnapshot;
use crate::vocabulary::{Relation, TableName};
use crate::quote::quote_ident;

/// Checks every FK of the state up reached and every declared relation.
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let snap = ctx.scope.visible(&ctx.reached.schema);
    let mut relations = snap.foreign_keys.clone();
    relations.retain(|r| snap.tables.contains_key(&r.child) && !ctx.scope.is_quarantine(&r.child));
    relations.extend(ctx.declared.iter().cloned());
    let mut findings = Vec::new();
    for relation in &relations {
        if let Some(missing) = missing_columns(relation, &snap) {
            findings.push(missing);
            continue;
        }
        let same_types = check_types(relation, &snap, &mut findings);
        if relation.constraint.is_some() && !relation.validated {
            findings.push(
                Finding::new(
                    CheckKind::References,
                    Some(relation.child.to_string()),
                    format!("foreign key left NOT VALID after up: {}", relation.describe()),
                )
                .with_count(1),
            );
        }
        if let Some(f) = orphans(&mut *ctx.after, relation, same_types).await? {
            findings.push(f);
        }
    }
    let summary = format!("{} relations checked ({} declared)", relations.len(), ctx.declared.len());
    Ok(CheckResult::from_findings(CheckKind::References, summary, findings, started.elapsed()))
}

/// A finding naming each table or column of the relation that is not there after up
/// (dropped or renamed): the relation cannot be checked, and up broke what it relies on.
fn missing_columns(relation: &Relation, snap: &SchemaSnapshot) -> Option<Finding> {
    let sides = [(&relation.child, &relation.child_columns), (&relation.parent, &relation.parent_columns)];
    let mut missing = Vec::new();
    for (table, columns) in sides {
        match snap.tables.get(table) {
            None => missing.push(format!("table {table}")),
            Some(schema) => missing.extend(columns.iter().filter(|c| schema.column(c).is_none()).map(|c| format!("column {table}.{c}"))),
        }
    }
    if missing.is_empty() {
        return None;
    }
    let message = format!("{} no longer exists after up (dropped or renamed): {} cannot be checked", missing.join(" and "), relation.describe());
    let mut f = Finding::new(CheckKind::References, Some(relation.child.to_string()), message);
    for what in missing {
        f.record(Example { column: None, key: what, before: Some("exists".into()), after: Some("(missing)".into()) });
    }
    Some(f)
}

/// Adds a finding when the two sides' types differ (or a column is missing); returns
/// whether they match, which decides how the orphan query compares them.
fn check_types(relation: &Relation, snap: &SchemaSnapshot, findings: &mut Vec<Finding>) -> bool {
    let type_of = |t: &TableName, c: &str| snap.tables.get(t).and_then(|s| s.column(c)).map(|c| c.data_type.clone());
    let mut all_same = true;
    let mut finding = Finding::new(
        CheckKind::References,
        Some(relation.child.to_string()),
        format!("the two sides of {} have different types", relation.describe()),
    );
    for (cc, pc) in relation.child_columns.iter().zip(&relation.parent_columns) {
        let (ct, pt) = (type_of(&relation.child, cc), type_of(&relation.parent, pc));
        if ct.is_none() || ct != pt {
            all_same = false;
            finding.record(Example {
                column: None,
                key: format!("{cc} -> {pc}"),
                before: ct.or(Some("(missing)".into())),
                after: pt.or(Some("(missing)".into())),
            });
        }
    }
    if !all_same {
        findings.push(finding);
    }
    all_same
}

/// Child rows whose non-null reference has no parent (MATCH SIMPLE semantics). When the
/// types differ, compares as text so the query can still run.
async fn orphans(
    conn: &mut PgConnection,
    relation: &Relation,
    same_types: bool,
) -> Result<Option<Finding>, VerifyError> {
    let cast = if same_types { "" } else { "::text" };
    let pairs: Vec<(String, String)> = relation
        .child_columns
        .iter()
        .zip(&relation.parent_columns)
        .map(|(c, p)| (quote_ident(c), quote_ident(p)))
        .collect();
    let not_null: Vec<String> = pairs.iter().map(|(c, _)| format!("c.{c} IS NOT NULL")).collect();
    let join: Vec<String> = pairs.iter().map(|(c, p)| format!("p.{p}{cast} = c.{c}{cast}")).collect();
    let key: Vec<String> = pairs.iter().map(|(c, _)| format!("c.{c}::text")).collect();
    let sql = format!(
        "SELECT concat_ws('|', {key}) AS k, count(*) OVER () AS total FROM {child} AS c \
         WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE {join}) ORDER BY 1 LIMIT {MAX_EXAMPLES}",
        key = key.join(", "),
        child = relation.child.quoted(),
        not_null = not_null.join(" AND "),
        parent = relation.parent.quoted(),
        join = join.join(" AND "),
    );
    let rows = sqlx::query(&sql)
        .fetch_all(conn)
        .await
        .map_err(VerifyError::query(format!("look for orphans of {}", relation.describe())))?;
    let Some(first) = rows.first() else { return Ok(None) };
    let total: i64 = first.get("total");
    let mut f = Finding::new(
        CheckKind::References,
        Some(relation.child.to_string()),
        format!("rows reference a missing parent: {}", relation.describe()),
    );
    for row in &rows {
        f.record(Example { column: None, key: row.get("k"), before: None, after: Some(format!("no row in {}", relation.parent)) });
    }
    Ok(Some(f.with_count(total as u64)))
}
