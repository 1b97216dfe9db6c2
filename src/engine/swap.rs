//! The swap: everything slow happens before it (indexes built `CONCURRENTLY`, NOT NULL
//! proven by a validated CHECK), so the one transaction holding ACCESS EXCLUSIVE only
//! renames columns and attaches ready-made objects: PERF_NOTES measured 0.14 s instead
//! of 6.1 s. Foreign keys come back `NOT VALID` and are validated afterwards under a
//! lock that lets writes through.

use std::time::Duration;

use sqlx::{Executor, PgConnection};

use crate::quote::{quote_ident, quote_qualified};

use super::ddl;
use super::error::EngineError;
use super::plan::{names, Plan};
use super::shadow::{self, Direction};
use super::transaction::{self, LockRetry, Logged};

/// Builds what the swap attaches. Idempotent: an interrupted run repeats it.
pub async fn prepare(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    for table in &plan.tables {
        for column in table.columns.iter().filter(|c| c.not_null) {
            let check = names::not_null_check(column);
            let exists_sql = "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2)";
            let exists: bool = sqlx::query_scalar(exists_sql).bind(table.qualified()).bind(&check).fetch_one(&mut *conn).await.map_err(EngineError::query(exists_sql))?;
            if !exists {
                let add = format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                    table.qualified(),
                    quote_ident(&check),
                    quote_ident(&names::shadow(column))
                );
                transaction::run(conn, &[add], retry, None).await?;
            }
            let validate = format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", table.qualified(), quote_ident(&check));
            transaction::run(conn, &[validate], retry, None).await?;
        }
    }
    for (number, key) in plan.key_constraints.iter().enumerate() {
        build_concurrently(conn, &key.schema, &names::key_index(number), &ddl::create_key_index(plan, number, key)).await?;
    }
    for (number, index) in plan.indexes.iter().enumerate() {
        build_concurrently(conn, &index.schema, &names::mirror_index(number), &ddl::create_mirror_index(plan, number, index)).await?;
    }
    Ok(())
}

async fn build_concurrently(conn: &mut PgConnection, schema: &str, name: &str, create: &str) -> Result<(), EngineError> {
    let sql = ddl::invalid_index_query();
    let invalid: bool = sqlx::query_scalar(sql).bind(schema).bind(name).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))?;
    if invalid {
        let drop = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote_qualified(schema, name));
        conn.execute(drop.as_str()).await.map_err(EngineError::query(&drop))?;
    }
    conn.execute(create).await.map_err(EngineError::query(create))?;
    Ok(())
}

/// The statements of the swap transaction, in order.
pub fn swap_sql(plan: &Plan) -> Vec<String> {
    let tables: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    let mut s = vec![format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tables.join(", "))];
    s.extend(plan.views.iter().rev().map(ddl::drop_view));
    s.extend(plan.tables.iter().map(shadow::drop_trigger_sql));
    s.extend(plan.foreign_keys.iter().map(ddl::drop_constraint));
    s.extend(plan.key_constraints.iter().map(ddl::drop_constraint));
    for table in &plan.tables {
        let t = table.qualified();
        for c in &table.columns {
            let col = quote_ident(&c.name);
            if c.default.is_some() {
                s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"));
            }
            s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL"));
            s.push(format!("ALTER TABLE {t} RENAME COLUMN {col} TO {}", quote_ident(&names::original(c))));
            s.push(format!("ALTER TABLE {t} RENAME COLUMN {} TO {col}", quote_ident(&names::shadow(c))));
            if let Some(default) = &c.default {
                s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {}", plan.conversion.convert_sql(default)));
            }
            if c.not_null {
                s.push(format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"));
                s.push(format!("ALTER TABLE {t} DROP CONSTRAINT {}", quote_ident(&names::not_null_check(c))));
            }
        }
    }
    s.extend(plan.key_constraints.iter().enumerate().map(|(n, k)| ddl::attach_key_index(n, k)));
    for (n, index) in plan.indexes.iter().enumerate() {
        s.push(ddl::rename_index(&index.schema, &index.name, &names::retired_index(n)));
        s.push(ddl::rename_index(&index.schema, &names::mirror_index(n), &index.name));
    }
    s.extend(plan.foreign_keys.iter().map(ddl::add_foreign_key_not_valid));
    s.extend(plan.views.iter().map(ddl::create_view));
    for table in &plan.tables {
        s.extend(shadow::install_sql(plan, table, Direction::Reverse));
        s.extend(shadow::delete_log_sql(plan, table, Direction::Reverse));
    }
    s
}

/// Runs the swap transaction and logs how long it held ACCESS EXCLUSIVE.
pub async fn swap(conn: &mut PgConnection, run: i64, plan: &Plan, retry: &LockRetry) -> Result<Duration, EngineError> {
    let logged = Logged { run, step: "swap", table: None, message: Some("access exclusive lock held for the whole swap transaction".into()) };
    let held = transaction::run(conn, &swap_sql(plan), retry, Some(logged)).await?;
    tracing::info!("swap held ACCESS EXCLUSIVE for {held:?}");
    Ok(held)
}

/// Validates the foreign keys that were validated before the migration (SHARE UPDATE
/// EXCLUSIVE: reads and writes continue). Ones that were NOT VALID stay NOT VALID.
pub async fn validate_foreign_keys(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    for fk in plan.foreign_keys.iter().filter(|f| f.validated) {
        transaction::run(conn, &[ddl::validate_constraint(fk)], retry, None).await?;
    }
    Ok(())
}
