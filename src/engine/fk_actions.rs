//! The foreign-key actions that deleting quarantined rows would fire, on any column and in
//! any schema, followed transitively. Rows an `ON DELETE CASCADE` would take are first
//! copied to quarantine with their reason (tables outside the plan get a quarantine table
//! too, recorded in `pgrehearse_engine.cascaded_table` so rollback restores them); any
//! other action that would fire (SET NULL, SET DEFAULT, or a RESTRICT / NO ACTION that
//! would fail the delete), or a cascade into a table without a primary key, is refused,
//! naming the constraint. No delete of the engine's ever changes a row it has not kept.

use sqlx::{Executor, PgConnection};

use crate::quote::quote_literal;

use super::error::EngineError;
use super::finding::{Action, RowFinding, RowFindingKind};
use super::plan::{Plan, TablePlan};
use super::quarantine::{columns, holds_rows, not_yet_copied, quarantine_table};
use super::sql::{column_list, pk_json};

/// A foreign key referencing a table whose rows the engine deletes.
struct Referencing {
    constraint: String,
    /// `pg_constraint.confdeltype`: a no action, r restrict, c cascade, n set null, d set default.
    on_delete: char,
    /// The child table, its primary key read from the catalog (empty without one).
    child: TablePlan,
    child_columns: Vec<String>,
    parent_columns: Vec<String>,
}

impl Referencing {
    fn action_sql(&self) -> &'static str {
        match self.on_delete {
            'c' => "CASCADE",
            'n' => "SET NULL",
            'd' => "SET DEFAULT",
            'r' => "RESTRICT",
            _ => "NO ACTION",
        }
    }

    /// Child rows (alias `c`) that reference a row of the parent's quarantine table.
    fn points_into(&self, parent: &TablePlan) -> String {
        let c = column_list(Some("c"), &self.child_columns.iter().map(String::as_str).collect::<Vec<_>>());
        let p = column_list(Some("p"), &self.parent_columns.iter().map(String::as_str).collect::<Vec<_>>());
        format!("({c}) IN (SELECT {p} FROM {} p)", quarantine_table(parent))
    }

    /// Child rows not already kept in the child's quarantine table (if it has one).
    fn not_kept(&self, kept: bool) -> String {
        if kept && !self.child.primary_key.is_empty() {
            not_yet_copied(&self.child, "c")
        } else {
            "true".into()
        }
    }
}

type ReferencingRow = (String, String, String, String, Vec<String>, Vec<String>, Vec<String>, Vec<String>);

/// Every foreign key whose parent is `parent` (top-level constraints only: a partitioned
/// table's per-partition copies fire with it).
async fn referencing(tx: &mut PgConnection, parent: &TablePlan) -> Result<Vec<Referencing>, EngineError> {
    let sql = "SELECT k.conname::text, k.confdeltype::text, n.nspname::text, c.relname::text,
           ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.ord),
           ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.ord),
           ARRAY(SELECT a.attname::text FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = u.num
                 WHERE p.conrelid = k.conrelid AND p.contype = 'p' ORDER BY u.ord),
           ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = u.num
                 WHERE p.conrelid = k.conrelid AND p.contype = 'p' ORDER BY u.ord)
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE k.contype = 'f' AND k.confrelid = $1::regclass AND k.conparentid = 0
         ORDER BY n.nspname, c.relname, k.conname";
    let rows: Vec<ReferencingRow> = sqlx::query_as(sql).bind(parent.qualified()).fetch_all(&mut *tx).await.map_err(EngineError::query(sql))?;
    Ok(rows
        .into_iter()
        .map(|(constraint, on_delete, schema, name, child_columns, parent_columns, pk, pk_types)| Referencing {
            constraint,
            on_delete: on_delete.chars().next().unwrap_or('a'),
            child: TablePlan { schema, name, primary_key: pk.into_iter().zip(pk_types).collect(), columns: Vec::new() },
            child_columns,
            parent_columns,
        })
        .collect())
}

/// Tables outside the plan that hold quarantined rows of this run, in the order reached
/// (parents before children): rollback restores them in this order.
pub async fn cascaded_tables(conn: &mut PgConnection, run: i64) -> Result<Vec<TablePlan>, EngineError> {
    let sql = "SELECT to_regclass('pgrehearse_engine.cascaded_table') IS NOT NULL";
    if !sqlx::query_scalar::<_, bool>(sql).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))? {
        return Ok(Vec::new());
    }
    let sql = "SELECT plan FROM pgrehearse_engine.cascaded_table WHERE run = $1 ORDER BY position";
    let rows: Vec<serde_json::Value> = sqlx::query_scalar(sql).bind(run).fetch_all(&mut *conn).await.map_err(EngineError::query(sql))?;
    Ok(rows.into_iter().map(serde_json::from_value).collect::<Result<_, _>>()?)
}

/// Every table whose quarantine table holds rows the engine deletes: the plan's, then the
/// cascaded ones.
async fn deleting_from(tx: &mut PgConnection, run: i64, plan: &Plan) -> Result<Vec<TablePlan>, EngineError> {
    let mut tables = plan.tables.clone();
    tables.extend(cascaded_tables(tx, run).await?);
    Ok(tables)
}

/// One pass: copies into quarantine every row an `ON DELETE CASCADE` would take with a
/// quarantined row, recording its reason. Returns the rows copied (none: the closure is
/// complete). Children without a primary key are left for [`refusals`].
pub async fn quarantine_cascades(tx: &mut PgConnection, run: i64, plan: &Plan) -> Result<Vec<RowFinding>, EngineError> {
    let mut moved = Vec::new();
    let mut tables = deleting_from(tx, run, plan).await?;
    let mut i = 0;
    while i < tables.len() {
        let parent = tables[i].clone();
        i += 1;
        if !holds_rows(tx, &parent).await? {
            continue;
        }
        for fk in referencing(tx, &parent).await? {
            if fk.on_delete != 'c' || fk.child.primary_key.is_empty() {
                continue;
            }
            if !tables.iter().any(|t| t.schema == fk.child.schema && t.name == fk.child.name) {
                if !reaches_any(tx, &fk, &parent).await? {
                    continue;
                }
                start_quarantine(tx, run, &fk.child).await?;
                tables.push(fk.child.clone());
            }
            moved.extend(copy_cascaded(tx, run, &fk, &parent).await?);
        }
    }
    Ok(moved)
}

async fn reaches_any(tx: &mut PgConnection, fk: &Referencing, parent: &TablePlan) -> Result<bool, EngineError> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {} c WHERE {})", fk.child.qualified(), fk.points_into(parent));
    sqlx::query_scalar(&sql).fetch_one(&mut *tx).await.map_err(EngineError::query(&sql))
}

/// Creates the quarantine table of a table outside the plan and records it for rollback.
async fn start_quarantine(tx: &mut PgConnection, run: i64, table: &TablePlan) -> Result<(), EngineError> {
    let sql = format!("CREATE TABLE IF NOT EXISTS {} (LIKE {})", quarantine_table(table), table.qualified());
    tx.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    let sql = "INSERT INTO pgrehearse_engine.cascaded_table (run, plan) VALUES ($1, $2)";
    sqlx::query(sql).bind(run).bind(serde_json::to_value(table)?).execute(&mut *tx).await.map_err(EngineError::query(sql))?;
    Ok(())
}

async fn copy_cascaded(tx: &mut PgConnection, run: i64, fk: &Referencing, parent: &TablePlan) -> Result<Vec<RowFinding>, EngineError> {
    let child = &fk.child;
    let m = column_list(Some("m"), &fk.child_columns.iter().map(String::as_str).collect::<Vec<_>>());
    let p = column_list(Some("p"), &fk.parent_columns.iter().map(String::as_str).collect::<Vec<_>>());
    let values: Vec<String> = fk.child_columns.iter().map(|x| format!("m.{}::text", crate::quote::quote_ident(x))).collect();
    let sql = format!(
        "WITH moved AS (INSERT INTO {qc} SELECT {cols} FROM {ct} c WHERE {into} AND {fresh} RETURNING *)
         INSERT INTO pgrehearse_engine.quarantine_reason (run, table_name, pk, column_name, kind, action, value, related_table, related_pk)
         SELECT $1, {label}, {pk_m}, {col}, 'cascade', 'quarantine', concat_ws(',', {values}), {plabel},
                (SELECT {pk_p} FROM {qp} p WHERE ({p}) = ({m}) LIMIT 1)
         FROM moved m RETURNING pk, value, related_pk",
        qc = quarantine_table(child),
        cols = columns(tx, child, "c").await?,
        ct = child.qualified(),
        into = fk.points_into(parent),
        fresh = not_yet_copied(child, "c"),
        label = quote_literal(&child.label()),
        pk_m = pk_json("m", child),
        col = quote_literal(&fk.child_columns.join(",")),
        values = values.join(", "),
        plabel = quote_literal(&parent.label()),
        pk_p = pk_json("p", parent),
        qp = quarantine_table(parent),
    );
    let rows: Vec<(serde_json::Value, Option<String>, Option<serde_json::Value>)> =
        sqlx::query_as(&sql).bind(run).fetch_all(&mut *tx).await.map_err(EngineError::query(&sql))?;
    Ok(rows
        .into_iter()
        .map(|(pk, value, related_pk)| RowFinding {
            kind: RowFindingKind::Cascade,
            table: child.label(),
            pk,
            column: fk.child_columns.join(","),
            value,
            related_table: Some(parent.label()),
            related_pk,
            action: Action::Quarantine,
        })
        .collect())
}

/// Once the closure is complete: every foreign key that deleting the quarantined rows
/// would still fire on a row the engine has not kept, as a blocking finding naming the
/// constraint, its action and how many rows it would reach.
pub async fn refusals(tx: &mut PgConnection, run: i64, plan: &Plan) -> Result<Vec<RowFinding>, EngineError> {
    let tables = deleting_from(tx, run, plan).await?;
    let mut refused = Vec::new();
    for parent in &tables {
        if !holds_rows(tx, parent).await? {
            continue;
        }
        for fk in referencing(tx, parent).await? {
            let kept = tables.iter().any(|t| t.schema == fk.child.schema && t.name == fk.child.name);
            let sql = format!("SELECT count(*) FROM {} c WHERE {} AND {}", fk.child.qualified(), fk.points_into(parent), fk.not_kept(kept));
            let reached: i64 = sqlx::query_scalar(&sql).fetch_one(&mut *tx).await.map_err(EngineError::query(&sql))?;
            if reached == 0 {
                continue;
            }
            let why = if fk.on_delete == 'c' { "its table has no primary key to quarantine the rows by" } else { "the engine only follows ON DELETE CASCADE" };
            refused.push(RowFinding {
                kind: RowFindingKind::Cascade,
                table: fk.child.label(),
                pk: serde_json::json!({}),
                column: fk.child_columns.join(","),
                value: Some(format!(
                    "constraint {} (ON DELETE {}) would change {reached} rows of {} when rows of {} are quarantined, and {why}; change the constraint or the policy",
                    fk.constraint,
                    fk.action_sql(),
                    fk.child.label(),
                    parent.label()
                )),
                related_table: Some(parent.label()),
                related_pk: None,
                action: Action::Fail,
            });
        }
    }
    Ok(refused)
}
