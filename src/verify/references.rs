//! Check: after up, every declared or FK relation holds (no child row points at a missing
//! parent), both sides of each relation have the same type, and no FK is left NOT VALID.

use std::time::Instant;

use sqlx::{PgConnection, Row};

use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding, MAX_EXAMPLES};
use super::schema_snapshot::{snapshot, SchemaSnapshot};
use super::scope::Scope;
use crate::vocabulary::{Relation, TableName};
use crate::quote::quote_ident;

const FOREIGN_KEYS_SQL: &str = "
SELECT con.conname, cn.nspname AS child_schema, c.relname AS child_table,
       pn.nspname AS parent_schema, p.relname AS parent_table, con.convalidated,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS child_columns,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_columns
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_class p ON p.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE con.contype = 'f' AND cn.nspname <> ALL($1)
 ORDER BY cn.nspname, c.relname, con.conname";

/// Reads the FKs of the database `conn` is connected to (outside system schemas).
pub async fn foreign_keys(conn: &mut PgConnection) -> Result<Vec<Relation>, VerifyError> {
    let system: Vec<String> = super::schema_snapshot::SYSTEM_SCHEMAS.iter().map(|s| s.to_string()).collect();
    let rows = sqlx::query(FOREIGN_KEYS_SQL)
        .bind(&system)
        .fetch_all(conn)
        .await
        .map_err(VerifyError::query("read foreign keys"))?;
    Ok(rows
        .iter()
        .map(|r| Relation {
            constraint: Some(r.get("conname")),
            child: TableName::new(r.get::<String, _>("child_schema"), r.get::<String, _>("child_table")),
            child_columns: r.get("child_columns"),
            parent: TableName::new(r.get::<String, _>("parent_schema"), r.get::<String, _>("parent_table")),
            parent_columns: r.get("parent_columns"),
            validated: r.get("convalidated"),
        })
        .collect())
}

/// Checks every FK of `after` and every relation in `declared`.
pub async fn check(after: &mut PgConnection, declared: &[Relation], scope: &Scope) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let snap = snapshot(after, &scope.snapshot_options()).await?;
    let mut relations = foreign_keys(after).await?;
    relations.retain(|r| snap.tables.contains_key(&r.child) && !scope.is_quarantine(&r.child));
    relations.extend(declared.iter().cloned());
    let mut findings = Vec::new();
    for relation in &relations {
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
        if let Some(f) = orphans(after, relation, same_types).await? {
            findings.push(f);
        }
    }
    let summary = format!("{} relations checked ({} declared)", relations.len(), declared.len());
    Ok(CheckResult::from_findings(CheckKind::References, summary, findings, started.elapsed()))
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
        f.record(Example { key: row.get("k"), before: None, after: Some(format!("no row in {}", relation.parent)) });
    }
    Ok(Some(f.with_count(total as u64)))
}
