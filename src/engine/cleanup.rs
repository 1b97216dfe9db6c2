//! The cleanup step: drops the original columns (or, rebuilt, the original tables), the
//! reverse-sync triggers and the backup.
//! Quarantined rows and their reasons stay: nothing is ever thrown away. After this,
//! rollback refuses, because the original bytes are gone.

use sqlx::PgConnection;

use crate::quote::quote_ident;

use super::bookkeeping::BACKUP_SCHEMA;
use super::convert_method::ConvertMethod;
use super::error::EngineError;
use super::plan::{names, Plan};
use super::shadow;
use super::transaction::{self, LockRetry, Logged};

pub fn cleanup_sql(plan: &Plan) -> Vec<String> {
    // Rebuilt: the retired original tables go first (their delete-log triggers use the
    // functions dropped below).
    let mut s = if plan.method == ConvertMethod::Rebuild { super::rebuild::cleanup_sql(plan) } else { Vec::new() };
    for table in &plan.tables {
        s.extend(shadow::drop_all_sql(plan, table));
        for c in &table.columns {
            s.push(format!("ALTER TABLE {} DROP COLUMN IF EXISTS {}", table.qualified(), quote_ident(&names::original(c))));
        }
    }
    s.push(format!("DROP SCHEMA IF EXISTS {} CASCADE", quote_ident(BACKUP_SCHEMA)));
    s
}

pub async fn run(conn: &mut PgConnection, run: i64, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    let logged = Logged { run, step: "cleanup", table: None, message: Some("original columns and backup removed; quarantine kept".into()) };
    transaction::run(conn, &cleanup_sql(plan), retry, Some(logged)).await?;
    Ok(())
}
