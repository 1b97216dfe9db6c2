//! Preflight: the data-quality checks that run before anything changes. Each check is a
//! read-only query returning offending rows; the policy decides the action per row.

use sqlx::PgConnection;

use crate::quote::quote_ident;

use super::error::EngineError;
use super::finding::{Action, RowFindingKind, RowFinding};
use super::plan::{Enforcement, Plan, Reference, TablePlan};
use crate::vocabulary::{Policies, Policy};
use super::sql::{pk_json, safe_convert};

type Row = (serde_json::Value, Option<String>);

/// Every anomaly in the data as it is now, in a stable order.
pub async fn run(conn: &mut PgConnection, plan: &Plan, policies: &Policies) -> Result<Vec<RowFinding>, EngineError> {
    let mut findings = Vec::new();
    findings.extend(invalid(conn, plan, policies.invalid).await?);
    findings.extend(collisions(conn, plan, policies.collision).await?);
    findings.extend(orphans(conn, plan, policies.orphan).await?);
    findings.extend(non_canonical(conn, plan).await?);
    Ok(findings)
}

/// Only the checks whose policy can stop the run (`fail`, or `nullify` of a NOT NULL
/// reference): what deciding "blocked or not" needs, without the informational checks
/// (non-canonical values) or checks whose rows would only be quarantined.
pub async fn blocking(conn: &mut PgConnection, plan: &Plan, policies: &Policies) -> Result<Vec<RowFinding>, EngineError> {
    let mut findings = Vec::new();
    if policies.invalid == Policy::Fail {
        findings.extend(invalid(conn, plan, policies.invalid).await?);
    }
    if policies.collision == Policy::Fail {
        findings.extend(collisions(conn, plan, policies.collision).await?);
    }
    if policies.orphan != Policy::Quarantine {
        findings.extend(orphans(conn, plan, policies.orphan).await?);
    }
    Ok(findings)
}

fn action(policy: Policy) -> Action {
    match policy {
        Policy::Fail => Action::Fail,
        Policy::Quarantine => Action::Quarantine,
        Policy::Nullify => Action::Nullify,
    }
}

async fn fetch(conn: &mut PgConnection, sql: &str, plan: &Plan) -> Result<Vec<Row>, EngineError> {
    sqlx::query_as(sql).bind(plan.conversion.validity_pattern()).fetch_all(conn).await.map_err(EngineError::query(sql))
}

fn finding(kind: RowFindingKind, table: &TablePlan, column: &str, (pk, value): Row, action: Action) -> RowFinding {
    RowFinding { kind, table: table.label(), pk, column: column.to_string(), value, related_table: None, related_pk: None, action }
}

/// Values the conversion does not accept.
pub async fn invalid(conn: &mut PgConnection, plan: &Plan, policy: Policy) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for table in &plan.tables {
        for column in &table.columns {
            let col = format!("t.{}", quote_ident(&column.name));
            let sql = format!(
                "SELECT {}, {col}::text FROM {} t WHERE {col} IS NOT NULL AND {col} !~ $1 ORDER BY 1::text",
                pk_json("t", table),
                table.qualified()
            );
            for row in fetch(conn, &sql, plan).await? {
                out.push(finding(RowFindingKind::Invalid, table, &column.name, row, action(policy)));
            }
        }
    }
    Ok(out)
}

/// Rows of a unique key whose converted values coincide although their texts differ.
pub async fn collisions(conn: &mut PgConnection, plan: &Plan, policy: Policy) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for key in &plan.key_constraints {
        let Some(table) = plan.table(&key.schema, &key.table) else { continue };
        let converted: Vec<&String> = key.columns.iter().filter(|c| plan.is_converted(&key.schema, &key.table, c)).collect();
        let Some(first) = converted.first() else { continue };
        let group: Vec<String> = key
            .columns
            .iter()
            .map(|c| {
                let col = format!("t.{}", quote_ident(c));
                if converted.contains(&c) { safe_convert(&plan.conversion, &col, 1) } else { col }
            })
            .collect();
        let all_valid: Vec<String> = converted.iter().map(|c| format!("t.{} ~ $1", quote_ident(c))).collect();
        let sql = format!(
            "SELECT pk, value FROM (SELECT {pk} AS pk, t.{col}::text AS value, count(*) OVER (PARTITION BY {group}) AS n
             FROM {tbl} t WHERE {valid}) s WHERE n > 1 ORDER BY 1::text",
            pk = pk_json("t", table),
            col = quote_ident(first),
            group = group.join(", "),
            tbl = table.qualified(),
            valid = all_valid.join(" AND "),
        );
        for row in fetch(conn, &sql, plan).await? {
            out.push(finding(RowFindingKind::Collision, table, first, row, action(policy)));
        }
    }
    Ok(out)
}

/// Whether parent row `p` is the one child row `c` points at: the same text, or (for a
/// single column) the same value after conversion.
pub fn matches(plan: &Plan, reference: &Reference, p: &str, c: &str) -> String {
    let pcols: Vec<String> = reference.parent_columns.iter().map(|x| format!("{p}.{}", quote_ident(x))).collect();
    let ccols: Vec<String> = reference.child_columns.iter().map(|x| format!("{c}.{}", quote_ident(x))).collect();
    if pcols.len() == 1 {
        format!(
            "({} = {} OR {} = {})",
            pcols[0],
            ccols[0],
            safe_convert(&plan.conversion, &pcols[0], 1),
            safe_convert(&plan.conversion, &ccols[0], 1)
        )
    } else {
        format!("({}) = ({})", pcols.join(", "), ccols.join(", "))
    }
}

/// Whether child row `c` points at any row of `parents` (a table or subquery), written
/// so Postgres can hash both comparisons instead of testing every pair.
pub fn points_into(plan: &Plan, reference: &Reference, c: &str, parents: &str) -> String {
    let pcols: Vec<String> = reference.parent_columns.iter().map(|x| format!("p.{}", quote_ident(x))).collect();
    let ccols: Vec<String> = reference.child_columns.iter().map(|x| format!("{c}.{}", quote_ident(x))).collect();
    if pcols.len() == 1 {
        format!(
            "({cc} IN (SELECT {pc} FROM {parents} p) OR {sc} IN (SELECT {sp} FROM {parents} p))",
            cc = ccols[0],
            pc = pcols[0],
            sc = safe_convert(&plan.conversion, &ccols[0], 1),
            sp = safe_convert(&plan.conversion, &pcols[0], 1),
        )
    } else {
        format!("({}) IN (SELECT {} FROM {parents} p)", ccols.join(", "), pcols.join(", "))
    }
}

/// Whether child row `c` points at no row of `parents`, as anti-joins Postgres can hash.
pub fn points_nowhere(plan: &Plan, reference: &Reference, c: &str, parents: &str) -> String {
    let pcols: Vec<String> = reference.parent_columns.iter().map(|x| format!("p.{}", quote_ident(x))).collect();
    let ccols: Vec<String> = reference.child_columns.iter().map(|x| format!("{c}.{}", quote_ident(x))).collect();
    let exact = format!("NOT EXISTS (SELECT 1 FROM {parents} p WHERE ({}) = ({}))", pcols.join(", "), ccols.join(", "));
    if pcols.len() == 1 {
        format!(
            "{exact} AND NOT EXISTS (SELECT 1 FROM {parents} p WHERE {} = {})",
            safe_convert(&plan.conversion, &pcols[0], 1),
            safe_convert(&plan.conversion, &ccols[0], 1)
        )
    } else {
        exact
    }
}

/// Child rows of references the database does not (fully) enforce that point nowhere.
/// Values the conversion rejects are reported as invalid instead.
pub async fn orphans(conn: &mut PgConnection, plan: &Plan, policy: Policy) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for reference in plan.references.iter().filter(|r| r.enforcement != Enforcement::Validated) {
        let (Some(child), Some(parent)) = (plan.table(&reference.child_schema, &reference.child_table), plan.table(&reference.parent_schema, &reference.parent_table)) else {
            continue;
        };
        let present: Vec<String> = reference.child_columns.iter().map(|x| format!("c.{} IS NOT NULL", quote_ident(x))).collect();
        let valid: Vec<String> = reference
            .child_columns
            .iter()
            .filter(|x| plan.is_converted(&child.schema, &child.name, x))
            .map(|x| format!("c.{} ~ $1", quote_ident(x)))
            .collect();
        let sql = format!(
            "SELECT {pk}, concat_ws(',', {cols}) FROM {ct} c WHERE {present} AND {valid}
             AND {nowhere} ORDER BY 1::text",
            pk = pk_json("c", child),
            cols = super::sql::column_list(Some("c"), &reference.child_columns.iter().map(String::as_str).collect::<Vec<_>>()),
            ct = child.qualified(),
            present = present.join(" AND "),
            valid = if valid.is_empty() { "true".to_string() } else { valid.join(" AND ") },
            nowhere = points_nowhere(plan, reference, "c", &parent.qualified()),
        );
        let act = match policy {
            Policy::Nullify if !reference.nullable => Action::Fail,
            other => action(other),
        };
        for row in fetch(conn, &sql, plan).await? {
            let mut f = finding(RowFindingKind::Orphan, child, &reference.child_columns.join(","), row, act);
            f.related_table = Some(format!("{}.{}", parent.schema, parent.name));
            out.push(f);
        }
    }
    Ok(out)
}

/// Valid values not in the canonical text form of the target type.
pub async fn non_canonical(conn: &mut PgConnection, plan: &Plan) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for table in &plan.tables {
        for column in &table.columns {
            let col = format!("t.{}", quote_ident(&column.name));
            let sql = format!(
                "SELECT {}, {col}::text FROM {} t WHERE {col} ~ $1 AND ({})::text <> {col}::text ORDER BY 1::text",
                pk_json("t", table),
                table.qualified(),
                safe_convert(&plan.conversion, &col, 1)
            );
            for row in fetch(conn, &sql, plan).await? {
                out.push(finding(RowFindingKind::NonCanonical, table, &column.name, row, Action::Convert));
            }
        }
    }
    Ok(out)
}
