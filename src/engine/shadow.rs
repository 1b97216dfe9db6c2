//! The shadow columns and the trigger that keeps them in sync, so the application can keep
//! reading and writing the original columns while `convert` runs: every insert, and every
//! update of a converted column, fills the new column in the same statement. After the
//! swap the same trigger runs the other way, keeping the original column filled for rows
//! written after the swap, so a rollback after completion loses no write either.

use sqlx::PgConnection;

use crate::quote::{quote_ident, quote_qualified};

use super::bookkeeping::ENGINE_SCHEMA;
use super::error::EngineError;
use super::plan::{names, Plan, TablePlan};
use super::transaction::{self, LockRetry};

/// Which way the trigger copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Original column → new column (during `convert`).
    Forward,
    /// New column → original column (after the swap, until `cleanup`).
    Reverse,
}

fn function(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(ENGINE_SCHEMA, &names::sync_function(plan.table_number(&table.schema, &table.name)))
}

/// Statements that (re)install the trigger on `table` in `direction`.
pub fn install_sql(plan: &Plan, table: &TablePlan, direction: Direction) -> Vec<String> {
    let mut assignments = String::new();
    let mut watched = Vec::new();
    for column in &table.columns {
        let (target, source, expr) = match direction {
            Direction::Forward => {
                let source = format!("NEW.{}", quote_ident(&column.name));
                (names::shadow(column), column.name.clone(), plan.conversion.convert_sql(&source))
            }
            Direction::Reverse => {
                let source = format!("NEW.{}", quote_ident(&column.name));
                (names::original(column), column.name.clone(), plan.conversion.revert_sql(&source, &column.data_type))
            }
        };
        assignments.push_str(&format!("NEW.{} := {expr};\n", quote_ident(&target)));
        watched.push(quote_ident(&source));
    }
    let function = function(plan, table);
    vec![
        format!("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $pgr$\nBEGIN\n{assignments}RETURN NEW;\nEND\n$pgr$"),
        drop_trigger_sql(table),
        format!(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE OF {} ON {} FOR EACH ROW EXECUTE FUNCTION {function}()",
            quote_ident(names::sync_trigger()),
            watched.join(", "),
            table.qualified()
        ),
    ]
}

pub fn drop_trigger_sql(table: &TablePlan) -> String {
    format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(names::sync_trigger()), table.qualified())
}

pub fn drop_function_sql(plan: &Plan, table: &TablePlan) -> String {
    format!("DROP FUNCTION IF EXISTS {}()", function(plan, table))
}

/// Adds the nullable shadow columns (a catalog-only change) and the forward trigger, one
/// short transaction per table. Idempotent, so a resumed run repeats it safely.
pub async fn install(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    for table in &plan.tables {
        let mut statements = Vec::new();
        for column in &table.columns {
            statements.push(format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                table.qualified(),
                quote_ident(&names::shadow(column)),
                plan.conversion.target_type()
            ));
        }
        statements.extend(install_sql(plan, table, Direction::Forward));
        transaction::run(conn, &statements, retry, None).await?;
    }
    Ok(())
}
