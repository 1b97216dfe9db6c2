//! A classification carried from one run to a later run on the same data. A rehearsal
//! that has proved its rollback restored every row (rollback identity) runs up again on
//! data the first up already classified: it keeps the first run's classification in a
//! table of its own ([`carry`]) and lets the second run copy it ([`restore`]) instead of
//! scanning every table again. The copy is kept with the plan it holds for, and is used
//! only by a run that plans the same tables, columns, references and conversion. That
//! the rows are unchanged since is the caller's promise, not something the engine checks.

use sqlx::{Connection, Executor, PgConnection};

use crate::quote::{quote_literal, quote_qualified};

use super::bookkeeping;
use super::classify;
use super::error::EngineError;
use super::log::{self, LogRecord};
use super::plan::Plan;

/// The table [`carry`] writes in the caller's schema.
pub const CARRIED_TABLE: &str = "carried_classification";

/// What the classification depends on besides the rows: a run planned with the same
/// signature classifies the same rows the same way.
fn signature(plan: &Plan) -> Result<String, EngineError> {
    Ok(serde_json::to_string(&(&plan.conversion, &plan.tables, &plan.references))?)
}

/// Copies the open run's classification into `schema` (replacing an earlier copy), with the
/// plan it holds for. Returns the values copied, or `None` when no open run has classified
/// its data.
pub async fn carry(conn: &mut PgConnection, schema: &str) -> Result<Option<u64>, EngineError> {
    let Some((run, plan)) = bookkeeping::open_run(conn).await? else { return Ok(None) };
    if !log::is_completed(conn, run, "classify", None).await? {
        return Ok(None);
    }
    let table = quote_qualified(schema, CARRIED_TABLE);
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    let create = format!(
        "DROP TABLE IF EXISTS {table};
         CREATE TABLE {table} (table_name text NOT NULL, pk jsonb NOT NULL, column_name text NOT NULL, kind text NOT NULL, value text, related_table text);
         COMMENT ON TABLE {table} IS {}",
        quote_literal(&signature(&plan)?)
    );
    tx.execute(create.as_str()).await.map_err(EngineError::query(&create))?;
    let copy = format!(
        "INSERT INTO {table} SELECT table_name, pk, column_name, kind, value, related_table FROM {} WHERE run = $1",
        classify::Store::Run(run).relation()
    );
    let copied = sqlx::query(&copy).bind(run).execute(&mut *tx).await.map_err(EngineError::query(&copy))?.rows_affected();
    tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    Ok(Some(copied))
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// The carried values are this run's classification.
    Reused { values: u64 },
    /// Nothing is carried in the schema.
    Missing,
    /// The carried classification holds for another plan.
    OtherPlan,
    /// This run had classified its data already (a resumed run).
    AlreadyClassified,
    /// This run had begun to classify its data (a resumed run): it finishes by scanning.
    Begun,
}

/// How the note of a reused classification begins.
pub const REUSED_NOTE: &str = "classification reused from";

impl Restored {
    /// A note for the step's report.
    pub fn note(&self, schema: &str) -> String {
        let table = format!("{schema}.{CARRIED_TABLE}");
        match self {
            Restored::Reused { values } => format!("{REUSED_NOTE} {table} ({values} values), carried from an earlier run on the same data"),
            Restored::Missing => format!("no classification carried in {table}: every table classified"),
            Restored::OtherPlan => format!("the classification carried in {table} is for another plan: every table classified"),
            Restored::AlreadyClassified => "this run had classified its data already".to_string(),
            Restored::Begun => format!("this run had begun to classify its data: {table} not used, the rest classified"),
        }
    }
}

/// Makes the classification carried in `schema` the classification of `run`, with the
/// log records a scan would have written, in one transaction, when it holds for `plan`.
pub async fn restore(conn: &mut PgConnection, schema: &str, run: i64, plan: &Plan) -> Result<Restored, EngineError> {
    if log::is_completed(conn, run, "classify", None).await? {
        return Ok(Restored::AlreadyClassified);
    }
    let sql = "SELECT EXISTS (SELECT 1 FROM pgrehearse_engine.migration_log WHERE run = $1 AND step IN ('classify-table', 'classify-orphans'))";
    let begun: bool = sqlx::query_scalar(sql).bind(run).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))?;
    if begun {
        return Ok(Restored::Begun);
    }
    let table = quote_qualified(schema, CARRIED_TABLE);
    let sql = "SELECT obj_description(to_regclass($1), 'pg_class')";
    let carried: Option<String> = sqlx::query_scalar(sql).bind(&table).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))?;
    match carried {
        None => return Ok(Restored::Missing),
        Some(carried) if carried != signature(plan)? => return Ok(Restored::OtherPlan),
        Some(_) => {}
    }
    classify::ensure_store(conn).await?;
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    let copy = format!(
        "INSERT INTO {} (run, table_name, pk, column_name, kind, value, related_table)
         SELECT $1, table_name, pk, column_name, kind, value, related_table FROM {table}",
        classify::Store::Run(run).relation()
    );
    let values = sqlx::query(&copy).bind(run).execute(&mut *tx).await.map_err(EngineError::query(&copy))?.rows_affected();
    let message = format!("carried from {schema}.{CARRIED_TABLE}");
    let counted = format!("SELECT count(*) FROM {table} WHERE table_name = $1 AND kind IN ('{}', '{}')", classify::INVALID, classify::NON_CANONICAL);
    for t in &plan.tables {
        let rows: i64 = sqlx::query_scalar(&counted).bind(t.label()).fetch_one(&mut *tx).await.map_err(EngineError::query(&counted))?;
        log::record(&mut tx, run, "classify-table", Some(&t.label()), &LogRecord { rows: Some(rows), message: Some(message.clone()), ..Default::default() }).await?;
    }
    let orphans = format!(
        "SELECT count(*) FROM {table} WHERE kind = '{}' AND table_name = $1 AND column_name = $2 AND related_table = $3",
        classify::ORPHAN
    );
    let mut found = 0;
    for reference in classify::unenforced(plan) {
        let rows: i64 = sqlx::query_scalar(&orphans)
            .bind(format!("{}.{}", reference.child_schema, reference.child_table))
            .bind(reference.child_columns.join(","))
            .bind(format!("{}.{}", reference.parent_schema, reference.parent_table))
            .fetch_one(&mut *tx)
            .await
            .map_err(EngineError::query(&orphans))?;
        found += rows;
        log::record(&mut tx, run, "classify-orphans", Some(&reference.label()), &LogRecord { rows: Some(rows), message: Some(message.clone()), ..Default::default() }).await?;
    }
    log::record(&mut tx, run, "classify", None, &LogRecord { rows: Some(found), message: Some(format!("orphans found; {message}")), ..Default::default() }).await?;
    tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    Ok(Restored::Reused { values })
}
