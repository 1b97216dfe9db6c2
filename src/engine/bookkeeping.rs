//! The engine's own objects in the database: its log, its stored plan and its quarantine
//! reasons (schema `pgrehearse_engine`), the backup (`migration_backup`) and the
//! quarantined rows (`migration_quarantine`). A verifier comparing schemas must skip
//! everything in [`bookkeeping_schemas`].

use sqlx::{Executor, PgConnection};

use crate::quote::quote_ident;

use super::error::EngineError;
use super::plan::Plan;

pub const ENGINE_SCHEMA: &str = "pgrehearse_engine";
pub const BACKUP_SCHEMA: &str = "migration_backup";
pub const QUARANTINE_SCHEMA: &str = "migration_quarantine";
pub const BOOKKEEPING_SCHEMAS: [&str; 3] = [ENGINE_SCHEMA, BACKUP_SCHEMA, QUARANTINE_SCHEMA];

/// Every schema the engine creates; nothing of the engine lives outside them except the
/// helper columns, indexes and triggers it adds to migrated tables while a run is open.
pub fn bookkeeping_schemas() -> &'static [&'static str] {
    &BOOKKEEPING_SCHEMAS
}

const CREATE: &str = "
CREATE SCHEMA IF NOT EXISTS pgrehearse_engine;
CREATE TABLE IF NOT EXISTS pgrehearse_engine.migration_log (
    id bigserial PRIMARY KEY,
    run bigint NOT NULL,
    step text NOT NULL,
    table_name text,
    batch integer,
    status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    rows bigint,
    checkpoint text[],
    lock_held_ms double precision,
    message text
);
CREATE TABLE IF NOT EXISTS pgrehearse_engine.migration_state (
    run bigint PRIMARY KEY,
    plan jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS pgrehearse_engine.quarantine_reason (
    run bigint NOT NULL,
    table_name text NOT NULL,
    pk jsonb NOT NULL,
    column_name text NOT NULL,
    kind text NOT NULL,
    action text NOT NULL,
    value text,
    related_table text,
    related_pk jsonb
);
CREATE TABLE IF NOT EXISTS pgrehearse_engine.cascaded_table (
    run bigint NOT NULL,
    position bigserial,
    plan jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS pgrehearse_engine.table_count (
    run bigint NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    rows bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS pgrehearse_engine.changed_row (
    table_name text NOT NULL,
    pk jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS pgrehearse_engine.deleted_row (
    table_name text NOT NULL,
    pk jsonb NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT clock_timestamp()
);";

/// Creates the engine schema and its tables if missing (idempotent, so a resumed run
/// can call it again).
pub async fn ensure(conn: &mut PgConnection) -> Result<(), EngineError> {
    conn.execute(CREATE).await.map_err(EngineError::query(CREATE))?;
    Ok(())
}

/// Whether the engine schema exists at all.
pub async fn exists(conn: &mut PgConnection) -> Result<bool, EngineError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)";
    sqlx::query_scalar(sql).bind(ENGINE_SCHEMA).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// `cleanup` completed the run: it is closed, the migration is done.
const CLEANED_UP: &str = "EXISTS (SELECT 1 FROM pgrehearse_engine.migration_log l WHERE l.run = s.run AND l.step = 'cleanup' AND l.status = 'completed')";

/// The open run and its stored plan, if any (a run `cleanup` completed is closed).
pub async fn open_run(conn: &mut PgConnection) -> Result<Option<(i64, Plan)>, EngineError> {
    if !exists(conn).await? {
        return Ok(None);
    }
    let sql = format!("SELECT run, plan FROM pgrehearse_engine.migration_state s WHERE NOT {CLEANED_UP} ORDER BY run DESC LIMIT 1");
    let sql = sql.as_str();
    let row: Option<(i64, serde_json::Value)> = sqlx::query_as(sql).fetch_optional(conn).await.map_err(EngineError::query(sql))?;
    match row {
        Some((run, plan)) => Ok(Some((run, serde_json::from_value(plan)?))),
        None => Ok(None),
    }
}

/// How the open run converts (or converted), as its stored plan says; `None` when no run
/// is open. The report names it, since `--convert auto` decides only once it has planned.
pub async fn open_method(conn: &mut PgConnection) -> Result<Option<super::convert_method::ConvertMethod>, EngineError> {
    Ok(open_run(conn).await?.map(|(_, plan)| plan.method))
}

/// The last run, when `cleanup` completed it: the migration is done and every step says so.
pub async fn completed_run(conn: &mut PgConnection) -> Result<Option<i64>, EngineError> {
    if !exists(conn).await? {
        return Ok(None);
    }
    let sql = format!("SELECT run FROM pgrehearse_engine.migration_state s WHERE {CLEANED_UP} ORDER BY run DESC LIMIT 1");
    sqlx::query_scalar(&sql).fetch_optional(conn).await.map_err(EngineError::query(&sql))
}

/// What every step says once `cleanup` has completed `run`.
pub fn completed_note(run: i64) -> String {
    format!(
        "run {run}: the migration is complete (cleanup removed the original columns and the backup, so there is nothing to roll back or redo; \
         the quarantined rows and their reasons stay in {QUARANTINE_SCHEMA} and {ENGINE_SCHEMA})"
    )
}

/// Stores `plan` as a new open run and returns its number.
pub async fn start_run(conn: &mut PgConnection, plan: &Plan) -> Result<i64, EngineError> {
    let sql = "INSERT INTO pgrehearse_engine.migration_state (run, plan)
               SELECT coalesce(greatest((SELECT max(run) FROM pgrehearse_engine.migration_log), (SELECT max(run) FROM pgrehearse_engine.migration_state)), 0) + 1, $1 RETURNING run";
    let plan = serde_json::to_value(plan)?;
    sqlx::query_scalar(sql).bind(plan).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// Drops every bookkeeping schema (the log, the stored plan, the quarantine, the backup):
/// the end of a completed rollback, which leaves the database as it was before the run.
pub fn remove_sql() -> String {
    BOOKKEEPING_SCHEMAS.iter().map(|s| format!("DROP SCHEMA IF EXISTS {} CASCADE", quote_ident(s))).collect::<Vec<_>>().join("; ")
}
