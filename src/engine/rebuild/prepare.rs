//! `rebuild-prepare`: one transaction per planned table creates the new table (`LIKE` the
//! original: columns in order, defaults, CHECK and NOT NULL constraints, generated
//! columns, identity columns, storage, comments; no index), converts its columns, gives it the original's
//! owner, grants, comment and options, and records the original's indexes, owned
//! sequences and identity sequences, so every later step, a resume and a rollback work from that record.
//! Autovacuum stays off the new table until the swap gives it the original's settings.

use sqlx::{Acquire, Connection, Executor, PgConnection};

use crate::quote::{quote_ident, quote_qualified};

use super::super::bookkeeping::ENGINE_SCHEMA;
use super::super::error::EngineError;
use super::super::log::{self, LogRecord};
use super::super::plan::{Plan, TablePlan};
use super::super::planner::PlanError;
use super::super::transaction::LockRetry;
use super::{catalog, names};

pub const CREATE_TABLES: &str = "CREATE TABLE IF NOT EXISTS pgrehearse_engine.rebuild_index (
    table_name text NOT NULL, number int NOT NULL, name text NOT NULL, create_sql text NOT NULL, constraint_sql text,
    PRIMARY KEY (table_name, number));
    CREATE TABLE IF NOT EXISTS pgrehearse_engine.rebuild_sequence (table_name text NOT NULL, sequence text NOT NULL, column_name text NOT NULL);
    CREATE TABLE IF NOT EXISTS pgrehearse_engine.rebuild_identity (table_name text NOT NULL, number int NOT NULL, schema_name text NOT NULL,
        original text NOT NULL, new text NOT NULL)";

pub fn new_table(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(&table.schema, &names::new_table(plan.table_number(&table.schema, &table.name)))
}

/// The original table after the swap: renamed and moved to the engine's schema, so the
/// user's schema holds only what it held before (with its indexes and retired identity
/// sequences, which move with it).
pub fn old_table(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(ENGINE_SCHEMA, &names::old_table(plan.table_number(&table.schema, &table.name)))
}

/// The original table under its retired name but still in its own schema: inside the
/// swap between its rename and its move to the engine's schema, and inside a rollback
/// between its move back and its rename back.
pub fn old_table_in_place(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(&table.schema, &names::old_table(plan.table_number(&table.schema, &table.name)))
}

/// The statements that create the empty new table with converted columns.
pub fn create_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    let new = new_table(plan, table);
    let mut s = vec![format!(
        "CREATE TABLE {new} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION)",
        table.qualified()
    )];
    for c in &table.columns {
        let col = quote_ident(&c.name);
        if c.default.is_some() {
            s.push(format!("ALTER TABLE {new} ALTER COLUMN {col} DROP DEFAULT"));
        }
        s.push(format!("ALTER TABLE {new} ALTER COLUMN {col} TYPE {} USING {}", plan.conversion.target_type(), plan.conversion.convert_sql(&col)));
        if let Some(default) = &c.default {
            s.push(format!("ALTER TABLE {new} ALTER COLUMN {col} SET DEFAULT {}", plan.conversion.convert_sql(default)));
        }
    }
    s
}

/// Prepares every planned table not yet prepared in this run.
pub async fn run(conn: &mut PgConnection, run: i64, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    conn.execute(CREATE_TABLES).await.map_err(EngineError::query(CREATE_TABLES))?;
    for table in &plan.tables {
        if log::is_completed(conn, run, "rebuild-prepare", Some(&table.label())).await? {
            continue;
        }
        let n = plan.table_number(&table.schema, &table.name);
        let new = new_table(plan, table);
        let mut tx = Connection::begin(&mut *conn).await.map_err(EngineError::query("BEGIN"))?;
        let set = retry.set_local_sql();
        tx.execute(set.as_str()).await.map_err(EngineError::query(&set))?;
        let mut statements = create_sql(plan, table);
        for statement in &statements {
            tx.execute(statement.as_str()).await.map_err(EngineError::query(statement))?;
        }
        statements = catalog::carried_sql(&mut tx, &table.qualified(), &new).await?;
        statements.push(catalog::pause_autovacuum_sql(&new));
        for statement in &statements {
            tx.execute(statement.as_str()).await.map_err(EngineError::query(statement))?;
        }
        for (k, index) in catalog::indexes(&mut tx, &table.qualified()).await?.into_iter().enumerate() {
            let Some(tail) = &index.tail else {
                let what = format!("the definition of index {} could not be read (`{}`)", quote_ident(&index.name), index.definition);
                return Err(PlanError::CannotRebuild { table: table.label(), what }.into());
            };
            let temp = quote_ident(&names::new_index(n, k as i32));
            let create = format!("CREATE {}INDEX {temp} ON {new} USING {tail}", if index.is_unique { "UNIQUE " } else { "" });
            let constraint = match index.constraint_kind.as_str() {
                "p" | "u" => {
                    let kind = if index.constraint_kind == "p" { "PRIMARY KEY" } else { "UNIQUE" };
                    let deferral = match (index.deferrable, index.deferred) {
                        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
                        (true, false) => " DEFERRABLE",
                        _ => "",
                    };
                    Some(format!("ALTER TABLE {new} ADD CONSTRAINT {temp} {kind} USING INDEX {temp}{deferral}"))
                }
                _ => None,
            };
            let sql = "INSERT INTO pgrehearse_engine.rebuild_index (table_name, number, name, create_sql, constraint_sql) VALUES ($1, $2, $3, $4, $5)";
            sqlx::query(sql).bind(table.label()).bind(k as i32).bind(&index.name).bind(create).bind(constraint).execute(&mut *tx).await.map_err(EngineError::query(sql))?;
        }
        for (sequence, column) in catalog::owned_sequences(&mut tx, &table.qualified()).await? {
            let sql = "INSERT INTO pgrehearse_engine.rebuild_sequence (table_name, sequence, column_name) VALUES ($1, $2, $3)";
            sqlx::query(sql).bind(table.label()).bind(sequence).bind(column).execute(&mut *tx).await.map_err(EngineError::query(sql))?;
        }
        for (k, (schema, original, new_sequence)) in catalog::identity_sequences(&mut tx, &table.qualified(), &new).await?.into_iter().enumerate() {
            let sql = "INSERT INTO pgrehearse_engine.rebuild_identity (table_name, number, schema_name, original, new) VALUES ($1, $2, $3, $4, $5)";
            sqlx::query(sql).bind(table.label()).bind(k as i32).bind(schema).bind(original).bind(new_sequence).execute(&mut *tx).await.map_err(EngineError::query(sql))?;
        }
        log::record(tx.acquire().await.map_err(EngineError::query("acquire"))?, run, "rebuild-prepare", Some(&table.label()), &LogRecord::default()).await?;
        tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    }
    Ok(())
}

/// One recorded index: (number, original name, CREATE INDEX on the new table, constraint).
pub type RecordedIndex = (i32, String, String, Option<String>);

pub async fn recorded_indexes(conn: &mut PgConnection, table: &TablePlan) -> Result<Vec<RecordedIndex>, EngineError> {
    let sql = "SELECT number, name, create_sql, constraint_sql FROM pgrehearse_engine.rebuild_index WHERE table_name = $1 ORDER BY number";
    sqlx::query_as(sql).bind(table.label()).fetch_all(conn).await.map_err(EngineError::query(sql))
}

pub async fn recorded_sequences(conn: &mut PgConnection, table: &TablePlan) -> Result<Vec<(String, String)>, EngineError> {
    let sql = "SELECT sequence, column_name FROM pgrehearse_engine.rebuild_sequence WHERE table_name = $1 ORDER BY sequence";
    sqlx::query_as(sql).bind(table.label()).fetch_all(conn).await.map_err(EngineError::query(sql))
}

/// One identity column's sequences: (number, schema, the original's, the new table's).
pub type RecordedIdentity = (i32, String, String, String);

pub async fn recorded_identities(conn: &mut PgConnection, table: &TablePlan) -> Result<Vec<RecordedIdentity>, EngineError> {
    let sql = "SELECT number, schema_name, original, new FROM pgrehearse_engine.rebuild_identity WHERE table_name = $1 ORDER BY number";
    sqlx::query_as(sql).bind(table.label()).fetch_all(conn).await.map_err(EngineError::query(sql))
}
