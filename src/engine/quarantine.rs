//! Applies the policies inside one transaction: moves quarantined rows (and, cascading,
//! every row that references them or that an `ON DELETE CASCADE` would take, in any
//! table) into `migration_quarantine`, nullifies orphans, and records the reason for each
//! row in `pgrehearse_engine.quarantine_reason`.

use std::collections::BTreeSet;

use sqlx::{Executor, PgConnection};

use crate::quote::{quote_ident, quote_literal, quote_qualified};

use super::bookkeeping::QUARANTINE_SCHEMA;
use super::error::EngineError;
use super::finding::{Action, RowFinding, RowFindingKind};
use super::fk_actions;
use super::plan::{names, Plan, TablePlan};
use super::classify::Store;
use super::convert_method::ConvertMethod;
use super::preflight;
use crate::vocabulary::Policies;
use super::sql::{pk_from_json, pk_json};

/// The quarantine table of `table`: same name (schema-qualified outside `public`), exactly
/// the same columns and types.
pub fn quarantine_table(table: &TablePlan) -> String {
    quote_qualified(QUARANTINE_SCHEMA, &names::copy_of(&table.schema, &table.name))
}

/// The quarantine table's columns (the source table's original columns, without the
/// engine's shadow columns), as `alias."a", alias."b"` in table order.
pub async fn columns(conn: &mut PgConnection, table: &TablePlan, alias: &str) -> Result<String, EngineError> {
    let names = column_names(conn, table).await?;
    Ok(super::sql::column_list(Some(alias), &names.iter().map(String::as_str).collect::<Vec<_>>()))
}

pub async fn column_names(conn: &mut PgConnection, table: &TablePlan) -> Result<Vec<String>, EngineError> {
    let sql = "SELECT coalesce(array_agg(attname::text ORDER BY attnum), '{}') FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped";
    sqlx::query_scalar(sql).bind(quarantine_table(table)).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))
}

/// Creates the quarantine schema and one table per planned table (`LIKE` copies the
/// columns with their types and nothing else the verifier would mistake for data).
pub async fn prepare(conn: &mut PgConnection, plan: &Plan) -> Result<(), EngineError> {
    let mut sql = format!("CREATE SCHEMA IF NOT EXISTS {};", quote_ident(QUARANTINE_SCHEMA));
    for table in &plan.tables {
        sql.push_str(&format!("CREATE TABLE IF NOT EXISTS {} (LIKE {});", quarantine_table(table), table.qualified()));
    }
    conn.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    Ok(())
}

/// Applies `policies` to the data as it is inside the caller's transaction. Returns every
/// row touched, cascades included. Blocking findings are returned without changes.
/// Rows are first copied into quarantine (cascading through every reference), then
/// deleted children first, so no foreign key ever sees a parent vanish under a child.
/// The findings come from `store`, which the caller has brought up to date.
pub async fn apply(tx: &mut PgConnection, run: i64, store: Store, plan: &Plan, policies: &Policies) -> Result<Vec<RowFinding>, EngineError> {
    // The cascade reads this run's stored classification (see `cascade`).
    debug_assert_eq!(store, Store::Run(run));
    let mut first = preflight::invalid(tx, store, plan, policies.invalid).await?;
    first.extend(preflight::collisions(tx, store, plan, policies.collision).await?);
    if first.iter().any(RowFinding::blocks) {
        return Ok(first);
    }
    let mut touched = Vec::new();
    copy_rows(tx, run, plan, &first).await?;
    touched.extend(first);
    touched.extend(cascade_closure(tx, run, plan, None).await?);
    if refuse(tx, run, plan, &mut touched).await? {
        return Ok(touched);
    }
    delete_copied(tx, plan).await?;
    let orphans = preflight::orphans(tx, store, plan, policies.orphan).await?;
    let orphans = still_live(tx, plan, orphans).await?;
    if orphans.iter().any(RowFinding::blocks) {
        touched.extend(orphans);
        return Ok(touched);
    }
    copy_rows(tx, run, plan, &orphans).await?;
    let grown = orphans.iter().filter(|f| f.action == Action::Quarantine).map(|f| f.table.clone()).collect();
    touched.extend(cascade_closure(tx, run, plan, Some(grown)).await?);
    if refuse(tx, run, plan, &mut touched).await? {
        return Ok(touched);
    }
    delete_copied(tx, plan).await?;
    nullify(tx, run, plan, &orphans).await?;
    touched.extend(orphans);
    Ok(touched)
}

/// The findings whose row is not already in quarantine (an orphan can also be the child
/// of a quarantined row through another reference, and then it has moved with it).
async fn still_live(tx: &mut PgConnection, plan: &Plan, findings: Vec<RowFinding>) -> Result<Vec<RowFinding>, EngineError> {
    let mut kept = Vec::new();
    for table in &plan.tables {
        let mine: Vec<RowFinding> = findings.iter().filter(|f| f.table == table.label()).cloned().collect();
        if mine.is_empty() {
            continue;
        }
        let keys: Vec<serde_json::Value> = mine.iter().map(|f| f.pk.clone()).collect();
        let sql = format!("SELECT coalesce(array_agg({}), '{{}}') FROM {} x WHERE {} = ANY($1::jsonb[])", pk_json("x", table), quarantine_table(table), pk_json("x", table));
        let moved: Vec<serde_json::Value> = sqlx::query_scalar(&sql).bind(keys).fetch_one(&mut *tx).await.map_err(EngineError::query(&sql))?;
        kept.extend(mine.into_iter().filter(|f| !moved.contains(&f.pk)));
    }
    Ok(kept)
}

/// Whether `table`'s quarantine table holds any row: when it holds none, nothing can
/// reference a quarantined row of it, and no scan of its children is needed.
pub(super) async fn holds_rows(tx: &mut PgConnection, table: &TablePlan) -> Result<bool, EngineError> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quarantine_table(table));
    sqlx::query_scalar(&sql).fetch_one(&mut *tx).await.map_err(EngineError::query(&sql))
}

/// Copies every row a delete of the quarantined rows would take with it: through the
/// plan's references, then through every `ON DELETE CASCADE` in the database, until
/// nothing more moves. `grown`: the tables whose quarantine grew since the last closure
/// (`None`: treat every table as grown).
async fn cascade_closure(tx: &mut PgConnection, run: i64, plan: &Plan, mut grown: Option<BTreeSet<String>>) -> Result<Vec<RowFinding>, EngineError> {
    let mut all = Vec::new();
    loop {
        // The plan's references to their fixpoint, then the database's cascades once:
        // only rows those move can give the references more to follow.
        all.extend(cascade(tx, run, plan, grown).await?);
        let actions = fk_actions::quarantine_cascades(tx, run, plan).await?;
        if actions.is_empty() {
            return Ok(all);
        }
        grown = Some(actions.iter().map(|f| f.table.clone()).collect());
        all.extend(actions);
    }
}

/// Adds a blocking finding for every foreign-key action the deletes would still fire;
/// true when there is one (the caller's transaction is then rolled back).
async fn refuse(tx: &mut PgConnection, run: i64, plan: &Plan, touched: &mut Vec<RowFinding>) -> Result<bool, EngineError> {
    let refused = fk_actions::refusals(tx, run, plan).await?;
    let any = !refused.is_empty();
    touched.extend(refused);
    Ok(any)
}

/// `(alias."a", alias."b")`: the primary key as a row, which indexes can serve.
fn pk_tuple(alias: &str, table: &TablePlan) -> String {
    format!("({})", super::sql::column_list(Some(alias), &table.pk_names()))
}

/// Row `alias` of `table` is one of the keys bound as `$1` (JSON objects, `jsonb[]`),
/// matched by the key's own columns so that the key index finds the rows (a JSON key built
/// per row would scan the table).
fn keyed_by(table: &TablePlan, alias: &str) -> String {
    format!("{} IN (SELECT {} FROM unnest($1::jsonb[]) u(k))", pk_tuple(alias, table), pk_from_json(table, "u.k"))
}

/// `NOT EXISTS` a copy of row `alias` in the quarantine table of `table`.
pub(super) fn not_yet_copied(table: &TablePlan, alias: &str) -> String {
    format!("NOT EXISTS (SELECT 1 FROM {} x WHERE {} = {})", quarantine_table(table), pk_tuple("x", table), pk_tuple(alias, table))
}

/// Records why each of `findings` is touched: one statement for all of them (arrays
/// unnested), not one per row.
async fn record_reasons(tx: &mut PgConnection, run: i64, findings: &[&RowFinding]) -> Result<(), EngineError> {
    if findings.is_empty() {
        return Ok(());
    }
    let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut kinds = Vec::new();
    let mut actions = Vec::new();
    for f in findings {
        kinds.push(name(serde_json::to_value(f.kind)?));
        actions.push(name(serde_json::to_value(f.action)?));
    }
    let sql = "INSERT INTO pgrehearse_engine.quarantine_reason (run, table_name, pk, column_name, kind, action, value, related_table, related_pk)
               SELECT $1, * FROM unnest($2::text[], $3::jsonb[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])";
    sqlx::query(sql)
        .bind(run)
        .bind(findings.iter().map(|f| f.table.clone()).collect::<Vec<_>>())
        .bind(findings.iter().map(|f| f.pk.clone()).collect::<Vec<_>>())
        .bind(findings.iter().map(|f| f.column.clone()).collect::<Vec<_>>())
        .bind(kinds)
        .bind(actions)
        .bind(findings.iter().map(|f| f.value.clone()).collect::<Vec<_>>())
        .bind(findings.iter().map(|f| f.related_table.clone()).collect::<Vec<_>>())
        .bind(findings.iter().map(|f| f.related_pk.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(EngineError::query(sql))?;
    Ok(())
}

async fn copy_rows(tx: &mut PgConnection, run: i64, plan: &Plan, findings: &[RowFinding]) -> Result<(), EngineError> {
    let chosen: Vec<&RowFinding> = findings.iter().filter(|f| f.action == Action::Quarantine).collect();
    record_reasons(tx, run, &chosen).await?;
    for table in &plan.tables {
        let keys: Vec<serde_json::Value> = chosen.iter().filter(|f| f.table == table.label()).map(|f| f.pk.clone()).collect();
        if keys.is_empty() {
            continue;
        }
        let sql = format!(
            "INSERT INTO {q} SELECT {cols} FROM {src} t WHERE {keyed} AND {fresh}",
            src = table.qualified(),
            keyed = keyed_by(table, "t"),
            cols = columns(tx, table, "t").await?,
            q = quarantine_table(table),
            fresh = not_yet_copied(table, "t"),
        );
        sqlx::query(&sql).bind(keys).execute(&mut *tx).await.map_err(EngineError::query(&sql))?;
    }
    Ok(())
}

/// Deletes the copied rows from the live tables, children first.
async fn delete_copied(tx: &mut PgConnection, plan: &Plan) -> Result<(), EngineError> {
    for table in plan.tables.iter().rev() {
        let sql = format!(
            "DELETE FROM {} t WHERE EXISTS (SELECT 1 FROM {} x WHERE {} = {})",
            table.qualified(),
            quarantine_table(table),
            pk_tuple("x", table),
            pk_tuple("t", table)
        );
        sqlx::query(&sql).execute(&mut *tx).await.map_err(EngineError::query(&sql))?;
    }
    Ok(())
}

/// Copies rows referencing quarantined rows until nothing more is copied. A reference is
/// scanned only if its parent's quarantine grew since it was last followed (`grown`, then
/// the pass before; `None`: every parent), since the children of the rows already there
/// are copied: the large child tables are not read once more per level of the cascade.
async fn cascade(tx: &mut PgConnection, run: i64, plan: &Plan, mut grown: Option<BTreeSet<String>>) -> Result<Vec<RowFinding>, EngineError> {
    let mut all = Vec::new();
    loop {
        let mut grew = BTreeSet::new();
        for reference in &plan.references {
            let (Some(child), Some(parent)) = (plan.table(&reference.child_schema, &reference.child_table), plan.table(&reference.parent_schema, &reference.parent_table)) else {
                continue;
            };
            if grown.as_ref().is_some_and(|g| !g.contains(&parent.label())) || !holds_rows(tx, parent).await? {
                continue;
            }
            let cols = reference.child_columns.join(",");
            let values: Vec<String> = reference.child_columns.iter().map(|c| format!("m.{}::text", quote_ident(c))).collect();
            let (parents_cte, lookup) = preflight::parent_lookup(plan, reference, parent, &quarantine_table(parent));
            let sql = format!(
                "WITH moved AS (INSERT INTO {qc} SELECT {cols_c} FROM {ct} c WHERE {m_c} AND {fresh} RETURNING *),
                      parents AS MATERIALIZED ({parents_cte})
                 INSERT INTO pgrehearse_engine.quarantine_reason (run, table_name, pk, column_name, kind, action, value, related_table, related_pk)
                 SELECT $2, {label}, {pk_m}, {col}, 'cascade', 'quarantine', concat_ws(',', {values}), {plabel}, {lookup}
                 FROM (SELECT moved.*, {m_conv} AS pgr_conv FROM moved) m RETURNING pk, value, related_pk",
                ct = child.qualified(),
                cols_c = columns(tx, child, "c").await?,
                fresh = not_yet_copied(child, "c"),
                qc = quarantine_table(child),
                m_c = preflight::points_into(plan, reference, child, "c", &quarantine_table(parent), Store::Run(run)),
                parents_cte = parents_cte,
                lookup = lookup,
                m_conv = preflight::child_converted(plan, reference, "moved"),
                label = quote_literal(&child.label()),
                plabel = quote_literal(&parent.label()),
                pk_m = pk_json("m", child),
                col = quote_literal(&cols),
                values = values.join(", "),
            );
            let rows: Vec<(serde_json::Value, Option<String>, Option<serde_json::Value>)> = sqlx::query_as(&sql)
                .bind(plan.conversion.validity_pattern())
                .bind(run)
                .fetch_all(&mut *tx)
                .await
                .map_err(EngineError::query(&sql))?;
            if !rows.is_empty() {
                grew.insert(child.label());
            }
            all.extend(rows.into_iter().map(|(pk, value, related_pk)| RowFinding {
                kind: RowFindingKind::Cascade,
                table: child.label(),
                pk,
                column: cols.clone(),
                value,
                related_table: Some(parent.label()),
                related_pk,
                action: Action::Quarantine,
            }));
        }
        if grew.is_empty() {
            return Ok(all);
        }
        grown = Some(grew);
    }
}

async fn nullify(tx: &mut PgConnection, run: i64, plan: &Plan, findings: &[RowFinding]) -> Result<(), EngineError> {
    let chosen: Vec<&RowFinding> = findings.iter().filter(|f| f.action == Action::Nullify).collect();
    record_reasons(tx, run, &chosen).await?;
    if plan.method == ConvertMethod::Rebuild {
        // A rebuild's backup tables are empty (the original tables are the backup): the
        // rows about to change are copied in first, once each, for the rollback.
        for table in &plan.tables {
            let keys: Vec<serde_json::Value> = chosen.iter().filter(|f| f.table == table.label()).map(|f| f.pk.clone()).collect();
            if keys.is_empty() {
                continue;
            }
            let sql = format!(
                "INSERT INTO {b} SELECT * FROM {t} t WHERE {keyed} AND NOT EXISTS (SELECT 1 FROM {b} x WHERE {xk} = {pk})",
                b = super::backup::backup_table(table),
                t = table.qualified(),
                keyed = keyed_by(table, "t"),
                pk = pk_tuple("t", table),
                xk = pk_tuple("x", table),
            );
            sqlx::query(&sql).bind(keys).execute(&mut *tx).await.map_err(EngineError::query(&sql))?;
        }
    }
    // One UPDATE per table and reference, its rows found through the key index (a key
    // compared as JSON built per row would scan the whole table once per orphan).
    let mut by_reference: std::collections::BTreeMap<(&str, &str), Vec<serde_json::Value>> = Default::default();
    for f in &chosen {
        by_reference.entry((f.table.as_str(), f.column.as_str())).or_default().push(f.pk.clone());
    }
    for ((label, columns), keys) in by_reference {
        let Some(table) = plan.tables.iter().find(|t| t.label() == label) else { continue };
        let sets: Vec<String> = columns.split(',').map(|c| format!("{} = NULL", quote_ident(c))).collect();
        let sql = format!("UPDATE {} t SET {} WHERE {}", table.qualified(), sets.join(", "), keyed_by(table, "t"));
        sqlx::query(&sql).bind(keys).execute(&mut *tx).await.map_err(EngineError::query(&sql))?;
    }
    Ok(())
}
