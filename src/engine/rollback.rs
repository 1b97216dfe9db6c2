//! Rollback from any state: after any step, after a crash in the middle of one, after
//! completion. Every part is idempotent and decided from the catalog, so an interrupted
//! rollback is finished by running it again. The original columns never left their
//! tables (only their names changed), so their bytes, their position and their
//! constraints come back exactly; rows moved or nullified come back from the quarantine
//! tables and the backup.

use sqlx::{Connection, Executor, PgConnection};

use crate::quote::{quote_ident, quote_literal};

use super::backup::backup_table;
use super::bookkeeping::{self, BACKUP_SCHEMA, QUARANTINE_SCHEMA};
use super::convert_method::ConvertMethod;
use super::rebuild;
use super::ddl;
use super::error::EngineError;
use super::log;
use super::fk_actions;
use super::plan::{names, Plan, TablePlan};
use super::quarantine::quarantine_table;
use super::shadow;
use super::sql::pk_json;
use super::transaction::{self, LockRetry, Logged};

/// Whether the swap has happened: the root's original column carries its `__pgr_old` name
/// (rebuilding: the root's original table its retired name).
pub async fn is_swapped(conn: &mut PgConnection, plan: &Plan) -> Result<bool, EngineError> {
    if plan.method == ConvertMethod::Rebuild {
        return rebuild::is_swapped(conn, plan).await;
    }
    let Some(root) = plan.table(&plan.root.schema, &plan.root.table) else { return Ok(false) };
    let Some(column) = root.columns.iter().find(|c| c.name == plan.root.column) else { return Ok(false) };
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped)";
    sqlx::query_scalar(sql).bind(root.qualified()).bind(names::original(column)).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// The reverse of [`super::swap::swap_sql`], in one transaction.
pub fn swap_back_sql(plan: &Plan) -> Vec<String> {
    let tables: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    let mut s = vec![format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tables.join(", "))];
    s.extend(plan.views.iter().rev().map(ddl::drop_view));
    s.extend(plan.tables.iter().flat_map(|t| shadow::drop_all_sql(plan, t)));
    s.extend(plan.foreign_keys.iter().map(ddl::drop_constraint));
    s.extend(plan.key_constraints.iter().map(ddl::drop_constraint));
    for (n, index) in plan.indexes.iter().enumerate() {
        s.push(ddl::drop_index(&index.schema, &index.name));
        s.push(ddl::rename_index(&index.schema, &names::retired_index(n), &index.name));
    }
    for table in &plan.tables {
        let t = table.qualified();
        for c in &table.columns {
            let col = quote_ident(&c.name);
            s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"));
            s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL"));
            s.push(format!("ALTER TABLE {t} RENAME COLUMN {col} TO {}", quote_ident(&names::shadow(c))));
            s.push(format!("ALTER TABLE {t} RENAME COLUMN {} TO {col}", quote_ident(&names::original(c))));
            if let Some(default) = &c.default {
                s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {default}"));
            }
            if c.not_null {
                s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"));
            }
        }
    }
    s.extend(plan.key_constraints.iter().map(ddl::add_constraint));
    s.extend(plan.foreign_keys.iter().map(ddl::add_foreign_key_not_valid));
    s.extend(plan.views.iter().map(ddl::create_view));
    s
}

/// Removes the shadow columns (with the indexes and checks built on them), the triggers
/// and their functions.
pub fn remove_helpers_sql(plan: &Plan) -> Vec<String> {
    let mut s = Vec::new();
    for table in &plan.tables {
        s.extend(shadow::drop_all_sql(plan, table));
        for c in &table.columns {
            s.push(format!("ALTER TABLE {} DROP COLUMN IF EXISTS {}", table.qualified(), quote_ident(&names::shadow(c))));
        }
    }
    s
}

/// Rolls the open run back completely and closes it.
pub async fn run(conn: &mut PgConnection, run: i64, plan: &Plan, retry: &LockRetry) -> Result<Vec<String>, EngineError> {
    if log::is_completed(conn, run, "cleanup", None).await? {
        return Err(EngineError::BackupRemoved);
    }
    let mut done = Vec::new();
    if plan.method == ConvertMethod::Rebuild {
        done.extend(rebuild::rollback(conn, run, plan, retry).await?);
    } else if is_swapped(conn, plan).await? {
        let logged = Logged { run, step: "rollback-swap", table: None, message: None };
        let held = transaction::run(conn, &swap_back_sql(plan), retry, Some(logged)).await?;
        done.push(format!("swapped back the original columns (exclusive lock held {held:.1?})"));
        for fk in plan.foreign_keys.iter().filter(|f| f.validated) {
            transaction::run(conn, &[ddl::validate_constraint(fk)], retry, None).await?;
        }
    }
    transaction::run(conn, &remove_helpers_sql(plan), retry, None).await?;
    done.push("removed shadow columns, helper indexes and triggers".into());
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    let restored = restore_rows(&mut tx, run, plan).await?;
    done.push(format!("restored {} quarantined rows and {} nullified references", restored.0, restored.1));
    done.push(format!("dropped the engine's bookkeeping ({}); nothing of run {run} is left open", bookkeeping::bookkeeping_schemas().join(", ")));
    // Restored and committed together with dropping every bookkeeping object: a completed
    // rollback leaves the database exactly as it was before the run, log included.
    let drop = bookkeeping::remove_sql();
    tx.execute(drop.as_str()).await.map_err(EngineError::query(&drop))?;
    tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    Ok(done)
}

/// Moves the rows of `table`'s quarantine table back. Generated columns are left to the
/// server to compute again (it refuses a value for them); identity columns keep their
/// values (`OVERRIDING SYSTEM VALUE`).
async fn restore_quarantined(tx: &mut PgConnection, table: &TablePlan) -> Result<i64, EngineError> {
    let q = quarantine_table(table);
    let exists = format!("SELECT to_regclass({}) IS NOT NULL", quote_literal(&q));
    let present: bool = sqlx::query_scalar(&exists).fetch_one(&mut *tx).await.map_err(EngineError::query(&exists))?;
    if !present {
        return Ok(0);
    }
    let sql = "SELECT coalesce(array_agg(attname::text), '{}') FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated <> ''";
    let generated: Vec<String> = sqlx::query_scalar(sql).bind(table.qualified()).fetch_one(&mut *tx).await.map_err(EngineError::query(sql))?;
    let names = super::quarantine::column_names(tx, table).await?;
    let names: Vec<&str> = names.iter().map(String::as_str).filter(|n| !generated.iter().any(|g| g == n)).collect();
    let (bare, cols) = (super::sql::column_list(None, &names), super::sql::column_list(Some("back"), &names));
    let sql = format!("WITH back AS (DELETE FROM {q} RETURNING *) INSERT INTO {} ({bare}) OVERRIDING SYSTEM VALUE SELECT {cols} FROM back", table.qualified());
    Ok(sqlx::query(&sql).execute(&mut *tx).await.map_err(EngineError::query(&sql))?.rows_affected() as i64)
}

async fn schema_exists(tx: &mut PgConnection, schema: &str) -> Result<bool, EngineError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)";
    sqlx::query_scalar(sql).bind(schema).fetch_one(tx).await.map_err(EngineError::query(sql))
}

/// Puts quarantined rows back (parents first) and restores nullified references from the
/// backup. Returns (rows restored, references restored).
async fn restore_rows(tx: &mut PgConnection, run: i64, plan: &Plan) -> Result<(i64, i64), EngineError> {
    let mut rows = 0;
    // Orphans of a NOT VALID foreign key existed before it was added and cannot be written
    // back while it exists: lift it for the restore and add it back as it was.
    let not_valid: Vec<_> = plan.foreign_keys.iter().filter(|f| !f.validated).collect();
    for fk in &not_valid {
        let sql = ddl::drop_constraint(fk);
        tx.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    }
    if schema_exists(tx, QUARANTINE_SCHEMA).await? {
        // The plan's tables parents first, then the tables cascades reached, in the order
        // reached (each after the table whose rows took it there).
        let mut tables = plan.tables.clone();
        tables.extend(fk_actions::cascaded_tables(tx, run).await?);
        for table in &tables {
            rows += restore_quarantined(tx, table).await?;
        }
    }
    let mut references = 0;
    if schema_exists(tx, BACKUP_SCHEMA).await? {
        let sql = "SELECT table_name, pk, column_name FROM pgrehearse_engine.quarantine_reason WHERE run = $1 AND action = 'nullify'";
        let nullified: Vec<(String, serde_json::Value, String)> = sqlx::query_as(sql).bind(run).fetch_all(&mut *tx).await.map_err(EngineError::query(sql))?;
        for (label, pk, columns) in nullified {
            let Some(table) = plan.tables.iter().find(|t| t.label() == label) else { continue };
            let sets: Vec<String> = columns.split(',').map(|c| format!("{0} = b.{0}", quote_ident(c))).collect();
            let sql = format!(
                "UPDATE {} t SET {} FROM {} b WHERE {} = $1 AND {} = $1",
                table.qualified(),
                sets.join(", "),
                backup_table(table),
                pk_json("t", table),
                pk_json("b", table)
            );
            references += sqlx::query(&sql).bind(&pk).execute(&mut *tx).await.map_err(EngineError::query(&sql))?.rows_affected() as i64;
        }
    }
    for fk in &not_valid {
        let sql = ddl::add_foreign_key_not_valid(fk);
        tx.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    }
    Ok((rows, references))
}
