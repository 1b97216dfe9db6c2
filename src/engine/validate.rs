//! The validate step: checks, as data, that the converted database is what the plan
//! promised: the new types, every value equal to its original under the conversion, no
//! row lost (each is live or quarantined), and every reference resolving. In place the
//! originals are the columns kept beside the new ones and the backup; after a rebuild
//! they are the retired original tables ([`super::rebuild::content_checks`]).

use futures::FutureExt;
use serde::Serialize;
use sqlx::PgConnection;

use crate::quote::quote_ident;

use super::backup::backup_table;
use super::convert_method::ConvertMethod;
use super::rebuild;
use super::error::EngineError;
use super::sessions;
use super::plan::{names, Enforcement, Plan, Reference, TablePlan};
use crate::parallel::Job as ParallelJob;
use super::quarantine::quarantine_table;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// The one `bigint` a counting query returns.
pub(super) async fn scalar(conn: &mut PgConnection, sql: &str) -> Result<i64, EngineError> {
    sqlx::query_scalar(sql).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// The key columns of `table` under the names that hold their original values.
fn original_pk(table: &TablePlan, alias: &str) -> String {
    let cols: Vec<String> = table
        .pk_names()
        .iter()
        .map(|pk| match table.columns.iter().find(|c| c.name == *pk) {
            Some(c) => format!("{alias}.{}", quote_ident(&names::original(c))),
            None => format!("{alias}.{}", quote_ident(pk)),
        })
        .collect();
    format!("({})", cols.join(", "))
}

fn plain_pk(table: &TablePlan, alias: &str) -> String {
    format!("({})", super::sql::column_list(Some(alias), &table.pk_names()))
}

/// What `validate` checks on one session: a table's own checks, or that an unenforced
/// reference resolves (a scan of its child table).
enum Job<'a> {
    Table(&'a TablePlan),
    Reference(&'a Reference, &'a TablePlan, &'a TablePlan),
}

/// Every check: the tables' own ones and the unenforced references', shared out between
/// `conn` and, when given, `second` (they only read), the largest first, and never two
/// scans of one table at once (two sessions, each with its parallel workers, scanning the
/// same table took 1.0 s where one after the other took 0.4 s here); then the counts of
/// the tables outside the plan. Reported in the plan's order.
pub async fn run(conn: &mut PgConnection, second: Option<&mut PgConnection>, run: i64, plan: &Plan) -> Result<Vec<Check>, EngineError> {
    let sized = sessions::table_rows(&mut *conn, plan).await?;
    let rows_of = |table: &TablePlan| sized.iter().find(|(t, _)| t.label() == table.label()).map_or(0, |(_, rows)| *rows);
    let mut jobs: Vec<ParallelJob<Job<'_>>> = plan.tables.iter().map(|table| ParallelJob::new(table.label(), true, rows_of(table), Job::Table(table))).collect();
    for r in plan.references.iter().filter(|r| r.enforcement != Enforcement::Validated) {
        let (Some(child), Some(parent)) = (plan.table(&r.child_schema, &r.child_table), plan.table(&r.parent_schema, &r.parent_table)) else { continue };
        jobs.push(ParallelJob::new(child.label(), true, rows_of(child), Job::Reference(r, child, parent)));
    }
    let mut per_table = sessions::run(&mut *conn, second, jobs, |conn, job| {
        async move {
            let result = match job {
                Job::Table(table) => table_checks(&mut *conn, plan, table).await,
                Job::Reference(r, child, parent) => resolves(&mut *conn, r, child, parent).await.map(|check| vec![check]),
            };
            (conn, result)
        }
        .boxed()
    })
    .await?;
    // The results come in the jobs' order: the tables', then the references'.
    let references = per_table.split_off(plan.tables.len());
    let mut checks: Vec<Check> = per_table.into_iter().flatten().collect();
    checks.extend(outside_plan(conn, run).await?);
    checks.extend(references.into_iter().flatten());
    Ok(checks)
}

/// Every child row of the unenforced reference `r` with its columns set finds its parent.
async fn resolves(conn: &mut PgConnection, r: &Reference, child: &TablePlan, parent: &TablePlan) -> Result<Check, EngineError> {
    let c = super::sql::column_list(Some("c"), &r.child_columns.iter().map(String::as_str).collect::<Vec<_>>());
    let p = super::sql::column_list(Some("p"), &r.parent_columns.iter().map(String::as_str).collect::<Vec<_>>());
    let present: Vec<String> = r.child_columns.iter().map(|x| format!("c.{} IS NOT NULL", quote_ident(x))).collect();
    let sql = format!(
        "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE ({p}) = ({c}))",
        child.qualified(),
        present.join(" AND "),
        parent.qualified()
    );
    let orphans = scalar(conn, &sql).await?;
    Ok(Check {
        name: format!("{}.{} references resolve in {}", child.label(), r.child_columns.join(","), parent.label()),
        ok: orphans == 0,
        detail: format!("{orphans} orphans"),
    })
}

/// The checks of one table: its converted columns' types and values, and no row lost.
async fn table_checks(conn: &mut PgConnection, plan: &Plan, table: &TablePlan) -> Result<Vec<Check>, EngineError> {
    let mut checks = Vec::new();
    for c in &table.columns {
        let ty_sql = "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped";
        let ty: Option<String> = sqlx::query_scalar(ty_sql).bind(table.qualified()).bind(&c.name).fetch_optional(&mut *conn).await.map_err(EngineError::query(ty_sql))?;
        let target = plan.conversion.target_type();
        checks.push(Check {
            name: format!("type of {}.{}", table.label(), c.name),
            ok: ty.as_deref() == Some(target),
            detail: format!("{} (expected {target})", ty.unwrap_or_else(|| "missing".into())),
        });
    }
    match plan.method {
        ConvertMethod::InPlace => checks.extend(in_place_content_checks(conn, plan, table).await?),
        ConvertMethod::Rebuild => checks.extend(rebuild::content_checks(conn, plan, table).await?),
    }
    Ok(checks)
}

/// Each converted column equal to its original (kept beside it) converted, and every
/// backed-up row live, quarantined or deleted by the application.
async fn in_place_content_checks(conn: &mut PgConnection, plan: &Plan, table: &TablePlan) -> Result<Vec<Check>, EngineError> {
    let mut checks = Vec::new();
    for c in &table.columns {
        let col = quote_ident(&c.name);
        let original = quote_ident(&names::original(c));
        let sql = format!("SELECT count(*) FROM {} t WHERE t.{col} IS DISTINCT FROM {}", table.qualified(), plan.conversion.convert_sql(&format!("t.{original}")));
        let differ = scalar(conn, &sql).await?;
        checks.push(Check { name: format!("values of {}.{} equal their originals converted", table.label(), c.name), ok: differ == 0, detail: format!("{differ} rows differ") });
    }
    let lost_sql = format!(
        "SELECT count(*) FROM {b} b WHERE NOT EXISTS (SELECT 1 FROM {t} t WHERE {tk} = {bk}) AND NOT EXISTS (SELECT 1 FROM {q} q WHERE {qk} = {bk})
         AND NOT EXISTS (SELECT 1 FROM pgrehearse_engine.deleted_row d WHERE d.table_name = {label} AND d.pk = {bj})",
        b = backup_table(table),
        t = table.qualified(),
        q = quarantine_table(table),
        tk = original_pk(table, "t"),
        bk = plain_pk(table, "b"),
        qk = plain_pk(table, "q"),
        label = crate::quote::quote_literal(&table.label()),
        bj = super::sql::pk_json("b", table),
    );
    let lost = scalar(conn, &lost_sql).await?;
    checks.push(Check { name: format!("every backed-up row of {} is live, quarantined or deleted by the application", table.label()), ok: lost == 0, detail: format!("{lost} rows missing") });
    Ok(checks)
}

/// Every table outside the plan has at least the rows it had at the backup, counting those
/// a cascade moved to quarantine: a row lost anywhere in the database is a failed check.
/// (Outside the plan the engine logs no deletes, so an application deleting rows there
/// while the run is open also fails it; inserts can hide a loss of as many rows.)
async fn outside_plan(conn: &mut PgConnection, run: i64) -> Result<Vec<Check>, EngineError> {
    let sql = "SELECT schema_name, table_name, rows FROM pgrehearse_engine.table_count WHERE run = $1 ORDER BY 1, 2";
    let counted: Vec<(String, String, i64)> = sqlx::query_as(sql).bind(run).fetch_all(&mut *conn).await.map_err(EngineError::query(sql))?;
    let mut checks = Vec::new();
    for (schema, name, rows) in counted {
        let table = TablePlan { schema, name, primary_key: Vec::new(), columns: Vec::new() };
        let mut now = scalar(conn, &format!("SELECT count(*) FROM {}", table.qualified())).await?;
        if quarantine_exists(conn, &table).await? {
            now += scalar(conn, &format!("SELECT count(*) FROM {}", quarantine_table(&table))).await?;
        }
        if now < rows {
            checks.push(Check {
                name: format!("every row of {} (outside the plan) is live or quarantined", table.label()),
                ok: false,
                detail: format!("{} rows missing: {rows} at the backup, {now} live or quarantined now", rows - now),
            });
        }
    }
    if checks.is_empty() {
        checks.push(Check { name: "every row of the tables outside the plan is live or quarantined".into(), ok: true, detail: "no row missing".into() });
    }
    Ok(checks)
}

async fn quarantine_exists(conn: &mut PgConnection, table: &TablePlan) -> Result<bool, EngineError> {
    let sql = format!("SELECT to_regclass({}) IS NOT NULL", crate::quote::quote_literal(&quarantine_table(table)));
    sqlx::query_scalar(&sql).fetch_one(conn).await.map_err(EngineError::query(&sql))
}
