//! Preflight: the data-quality findings, read from a classification
//! ([`super::classify`]) rather than scanned again; the policy decides the action per row.

use sqlx::PgConnection;

use crate::quote::{quote_ident, quote_literal};

use super::classify::{self, Store};
use super::error::EngineError;
use super::finding::{Action, RowFindingKind, RowFinding};
use super::plan::{Plan, Reference, TablePlan};
use crate::vocabulary::{Policies, Policy};
use super::sql::{column_list, pk_from_json, pk_json, safe_convert};

type Row = (serde_json::Value, Option<String>);

/// Every anomaly in the classified data, in a stable order.
pub async fn run(conn: &mut PgConnection, store: Store, plan: &Plan, policies: &Policies) -> Result<Vec<RowFinding>, EngineError> {
    let mut findings = Vec::new();
    findings.extend(invalid(conn, store, plan, policies.invalid).await?);
    findings.extend(collisions(conn, store, plan, policies.collision).await?);
    findings.extend(orphans(conn, store, plan, policies.orphan).await?);
    findings.extend(non_canonical(conn, store, plan).await?);
    Ok(findings)
}

/// Whether a finding can stop the run under `policies`; when not, [`blocking`] finds
/// nothing whatever the data.
pub fn can_block(policies: &Policies) -> bool {
    policies.invalid == Policy::Fail || policies.collision == Policy::Fail || policies.orphan != Policy::Quarantine
}

/// Only the findings whose policy can stop the run (`fail`, or `nullify` of a NOT NULL
/// reference): what deciding "blocked or not" needs.
pub async fn blocking(conn: &mut PgConnection, store: Store, plan: &Plan, policies: &Policies) -> Result<Vec<RowFinding>, EngineError> {
    let mut findings = Vec::new();
    if policies.invalid == Policy::Fail {
        findings.extend(invalid(conn, store, plan, policies.invalid).await?);
    }
    if policies.collision == Policy::Fail {
        findings.extend(collisions(conn, store, plan, policies.collision).await?);
    }
    if policies.orphan != Policy::Quarantine {
        findings.extend(orphans(conn, store, plan, policies.orphan).await?);
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

async fn fetch(conn: &mut PgConnection, sql: &str, plan: &Plan, store: Store) -> Result<Vec<Row>, EngineError> {
    sqlx::query_as(sql).bind(plan.conversion.validity_pattern()).bind(store.run()).fetch_all(conn).await.map_err(EngineError::query(sql))
}

fn finding(kind: RowFindingKind, table: &TablePlan, column: &str, (pk, value): Row, action: Action) -> RowFinding {
    RowFinding { kind, table: table.label(), pk, column: column.to_string(), value, related_table: None, related_pk: None, action }
}

/// The stored rows of one kind for one column of `table` (or `columns` of a reference),
/// in key order.
fn classified(store: Store, table: &TablePlan, column: &str, kind: &str, related: Option<&TablePlan>) -> String {
    let related = related.map(|r| format!(" AND related_table = {}", quote_literal(&r.label()))).unwrap_or_default();
    format!(
        "SELECT pk, value FROM {} WHERE run = $2 AND table_name = {} AND column_name = {} AND kind = '{kind}'{related} ORDER BY {}",
        store.relation(),
        quote_literal(&table.label()),
        quote_literal(column),
        pk_from_json(table, "pk")
    )
}

/// Values the conversion does not accept.
pub async fn invalid(conn: &mut PgConnection, store: Store, plan: &Plan, policy: Policy) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for table in &plan.tables {
        for column in &table.columns {
            for row in fetch(conn, &classified(store, table, &column.name, classify::INVALID, None), plan, store).await? {
                out.push(finding(RowFindingKind::Invalid, table, &column.name, row, action(policy)));
            }
        }
    }
    Ok(out)
}

/// Rows of a unique key whose converted values coincide although their texts differ.
/// Two canonical texts never coincide, so every such group holds a non-canonical row:
/// the candidates are the classified non-canonical rows and the rows whose key text is
/// the canonical text of one of them (found through the key's own index).
pub async fn collisions(conn: &mut PgConnection, store: Store, plan: &Plan, policy: Policy) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for key in &plan.key_constraints {
        let Some(table) = plan.table(&key.schema, &key.table) else { continue };
        let converted: Vec<&String> = key.columns.iter().filter(|c| plan.is_converted(&key.schema, &key.table, c)).collect();
        let Some(first) = converted.first() else { continue };
        let group = |alias: &str| -> Vec<String> {
            key.columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let col = format!("{alias}.{}", quote_ident(c));
                    let value = if converted.contains(&c) { safe_convert(&plan.conversion, &col, 1) } else { col };
                    format!("{value} AS pgr_g{i}")
                })
                .collect()
        };
        let canonical: Vec<String> = key
            .columns
            .iter()
            .map(|c| {
                let col = format!("n.{}", quote_ident(c));
                if converted.contains(&c) { format!("({})::text", safe_convert(&plan.conversion, &col, 1)) } else { col }
            })
            .collect();
        let valid: Vec<String> = converted.iter().map(|c| super::sql::matches(&format!("n.{}", quote_ident(c)), "$1")).collect();
        let names: Vec<String> = converted.iter().map(|c| quote_literal(c)).collect();
        let groups: Vec<String> = (0..key.columns.len()).map(|i| format!("pgr_g{i}")).collect();
        let sql = format!(
            "WITH keys AS (SELECT DISTINCT pk FROM {rel} WHERE run = $2 AND table_name = {label} AND kind = '{nc}' AND column_name IN ({names})),
                  n AS MATERIALIZED (SELECT t.* FROM {tbl} t WHERE ({pk_cols}) IN (SELECT {typed} FROM keys k)),
                  v AS MATERIALIZED (SELECT n.* FROM n WHERE {valid}),
                  candidates AS (
                    SELECT {pk_n} AS pk, n.{col}::text AS value, {group_n} FROM v n
                    UNION
                    SELECT {pk_t}, t.{col}::text, {group_t} FROM {tbl} t WHERE ({key_t}) IN (SELECT {canonical} FROM v n))
             SELECT pk, value FROM (SELECT pk, value, count(*) OVER (PARTITION BY {groups}) AS pgr_n FROM candidates) s
             WHERE pgr_n > 1 ORDER BY {order}",
            rel = store.relation(),
            label = quote_literal(&table.label()),
            nc = classify::NON_CANONICAL,
            names = names.join(", "),
            tbl = table.qualified(),
            pk_cols = column_list(Some("t"), &table.pk_names()),
            typed = pk_from_json(table, "k.pk"),
            valid = valid.join(" AND "),
            pk_n = pk_json("n", table),
            pk_t = pk_json("t", table),
            col = quote_ident(first),
            group_n = group("n").join(", "),
            group_t = group("t").join(", "),
            key_t = column_list(Some("t"), &key.columns.iter().map(String::as_str).collect::<Vec<_>>()),
            canonical = canonical.join(", "),
            groups = groups.join(", "),
            order = pk_from_json(table, "pk"),
        );
        for row in fetch(conn, &sql, plan, store).await? {
            out.push(finding(RowFindingKind::Collision, table, first, row, action(policy)));
        }
    }
    Ok(out)
}

/// Finding the parent each moved child row points at, among the rows of `parents` (a
/// table): a CTE body (name it `parents`) that reads each parent once with its key as
/// JSON (`pgr_pk`) and, for one column, its value as stored and converted; and the
/// lookup, for row `m` (whose converted value is `m.pgr_conv`, see [`child_converted`]),
/// of the first parent with the same text or, for one column, the same converted value.
/// Converting each parent once, not once per child row, keeps this linear: per pair it
/// ran the regex and the cast (5 s at 10M rows).
pub fn parent_lookup(plan: &Plan, reference: &Reference, parent: &TablePlan, parents: &str) -> (String, String) {
    let pcols: Vec<String> = reference.parent_columns.iter().map(|x| quote_ident(x)).collect();
    let ccols: Vec<String> = reference.child_columns.iter().map(|x| format!("m.{}", quote_ident(x))).collect();
    let pk = pk_json("p", parent);
    if pcols.len() == 1 {
        let cte = format!("SELECT {pk} AS pgr_pk, p.{0} AS pgr_raw, {1} AS pgr_conv FROM {parents} p", pcols[0], safe_convert(&plan.conversion, &format!("p.{}", pcols[0]), 1));
        let lookup = format!("(SELECT x.pgr_pk FROM parents x WHERE x.pgr_raw = {} OR x.pgr_conv = m.pgr_conv LIMIT 1)", ccols[0]);
        (cte, lookup)
    } else {
        let listed: Vec<String> = pcols.iter().enumerate().map(|(i, c)| format!("p.{c} AS pgr_p{i}")).collect();
        let cte = format!("SELECT {pk} AS pgr_pk, {} FROM {parents} p", listed.join(", "));
        let xs: Vec<String> = (0..pcols.len()).map(|i| format!("x.pgr_p{i}")).collect();
        let lookup = format!("(SELECT x.pgr_pk FROM parents x WHERE ({}) = ({}) LIMIT 1)", xs.join(", "), ccols.join(", "));
        (cte, lookup)
    }
}

/// The converted value of a moved child row's reference (alias `m`), for
/// [`parent_lookup`]: NULL for a reference of several columns.
pub fn child_converted(plan: &Plan, reference: &Reference, m: &str) -> String {
    match reference.child_columns.as_slice() {
        [one] => safe_convert(&plan.conversion, &format!("{m}.{}", quote_ident(one)), 1),
        _ => "NULL".to_string(),
    }
}

/// Whether row `c` of `child` points at any row of `parents` (a table or subquery),
/// written so Postgres hashes every comparison instead of testing every pair. `store`
/// holds the child's classification, up to date (`$2` is its run).
pub fn points_into(plan: &Plan, reference: &Reference, child: &TablePlan, c: &str, parents: &str, store: Store) -> String {
    let pcols: Vec<String> = reference.parent_columns.iter().map(|x| format!("p.{}", quote_ident(x))).collect();
    let ccols: Vec<String> = reference.child_columns.iter().map(|x| format!("{c}.{}", quote_ident(x))).collect();
    if pcols.len() != 1 {
        return format!("({}) IN (SELECT {} FROM {parents} p)", ccols.join(", "), pcols.join(", "));
    }
    let (cc, pc) = (&ccols[0], &pcols[0]);
    let converted = format!("{} IN (SELECT {} FROM {parents} p)", safe_convert(&plan.conversion, cc, 1), safe_convert(&plan.conversion, pc, 1));
    // Narrowed first by the conversion's match key, so the regex and the cast run only
    // on the few child values that can match (AND evaluates left to right).
    let converted = match (plan.conversion.match_key_sql(cc), plan.conversion.match_key_sql(pc)) {
        (Some(kc), Some(kp)) => format!("({kc} IN (SELECT {kp} FROM {parents} p) AND {converted})"),
        _ => converted,
    };
    // A child value the classification did not store as invalid or non-canonical converts
    // to its own text, so it matches a parent exactly when it equals the parent's converted
    // text: one hash lookup. The match key and the cast above run only on the stored ones,
    // found by key (no expression over every child row).
    let converted = if child.primary_key.is_empty() || !plan.is_converted(&child.schema, &child.name, &reference.child_columns[0]) {
        converted
    } else {
        format!(
            "{cc}::text IN (SELECT ({})::text FROM {parents} p)
             OR ({} IN (SELECT {} FROM {} x WHERE x.run = $2 AND x.table_name = {} AND x.column_name = {} AND x.kind IN ('{}', '{}')) AND {converted})",
            safe_convert(&plan.conversion, pc, 1),
            format_args!("({})", column_list(Some(c), &child.pk_names())),
            pk_from_json(child, "x.pk"),
            store.relation(),
            quote_literal(&child.label()),
            quote_literal(&reference.child_columns[0]),
            classify::INVALID,
            classify::NON_CANONICAL,
        )
    };
    format!("({cc} IN (SELECT {pc} FROM {parents} p) OR {converted})")
}

/// Child rows of references the database does not (fully) enforce that point nowhere.
/// Values the conversion rejects are reported as invalid instead.
pub async fn orphans(conn: &mut PgConnection, store: Store, plan: &Plan, policy: Policy) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for reference in plan.references.iter().filter(|r| r.enforcement != super::plan::Enforcement::Validated) {
        let (Some(child), Some(parent)) = (plan.table(&reference.child_schema, &reference.child_table), plan.table(&reference.parent_schema, &reference.parent_table)) else {
            continue;
        };
        let columns = reference.child_columns.join(",");
        let sql = classified(store, child, &columns, classify::ORPHAN, Some(parent));
        let act = match policy {
            Policy::Nullify if !reference.nullable => Action::Fail,
            other => action(other),
        };
        for row in fetch(conn, &sql, plan, store).await? {
            let mut f = finding(RowFindingKind::Orphan, child, &columns, row, act);
            f.related_table = Some(parent.label());
            out.push(f);
        }
    }
    Ok(out)
}

/// Valid values not in the canonical text form of the target type.
pub async fn non_canonical(conn: &mut PgConnection, store: Store, plan: &Plan) -> Result<Vec<RowFinding>, EngineError> {
    let mut out = Vec::new();
    for table in &plan.tables {
        for column in &table.columns {
            for row in fetch(conn, &classified(store, table, &column.name, classify::NON_CANONICAL, None), plan, store).await? {
                out.push(finding(RowFindingKind::NonCanonical, table, &column.name, row, Action::Convert));
            }
        }
    }
    Ok(out)
}
