//! The shadow columns and the trigger that keeps them in sync, so the application can keep
//! reading and writing the original columns while `convert` runs: every insert, and every
//! update of a converted column, fills the new column in the same statement. After the
//! swap the same trigger runs the other way, keeping the original column filled for rows
//! written after the swap, so a rollback after completion loses no write either.

use sqlx::PgConnection;

use crate::quote::{quote_ident, quote_literal, quote_qualified};

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

/// Statements that (re)install the trigger recording deleted rows' original keys.
pub fn delete_log_sql(plan: &Plan, table: &TablePlan, direction: Direction) -> Vec<String> {
    let deleted = deleted_function(plan, table);
    let old_pk: Vec<String> = table
        .primary_key
        .iter()
        .map(|(name, _)| {
            let holder = match (direction, table.columns.iter().find(|c| &c.name == name)) {
                (Direction::Reverse, Some(c)) => names::original(c),
                _ => name.clone(),
            };
            format!("{}, OLD.{}", quote_literal(name), quote_ident(&holder))
        })
        .collect();
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION {deleted}() RETURNS trigger LANGUAGE plpgsql AS $pgr$\nBEGIN\nINSERT INTO {ENGINE_SCHEMA}.deleted_row (table_name, pk) VALUES ({}, jsonb_build_object({}));\nRETURN OLD;\nEND\n$pgr$",
            quote_literal(&table.label()),
            old_pk.join(", ")
        ),
        format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(DELETE_TRIGGER), table.qualified()),
        format!("CREATE TRIGGER {} AFTER DELETE ON {} FOR EACH ROW EXECUTE FUNCTION {deleted}()", quote_ident(DELETE_TRIGGER), table.qualified()),
    ]
}

/// Drops the sync trigger (the delete log stays until the run ends, so deletes across
/// the swap are recorded too).
pub fn drop_trigger_sql(table: &TablePlan) -> String {
    format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(names::sync_trigger()), table.qualified())
}

/// Drops both triggers and their functions: the end of a run (rollback or cleanup).
pub fn drop_all_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    vec![
        drop_trigger_sql(table),
        format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(DELETE_TRIGGER), table.qualified()),
        format!("DROP FUNCTION IF EXISTS {}()", function(plan, table)),
        format!("DROP FUNCTION IF EXISTS {}()", deleted_function(plan, table)),
    ]
}

/// Records each deleted row's original key in `pgrehearse_engine.deleted_row`, so
/// `validate` can tell an application's delete from a lost row.
const DELETE_TRIGGER: &str = "pgr_deleted";

fn deleted_function(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(ENGINE_SCHEMA, &format!("deleted_{}", plan.table_number(&table.schema, &table.name)))
}

/// Installs the delete log on every table, in its own committed transaction before the
/// backup snapshot is taken, so every backed-up row that later disappears is accounted for.
pub async fn install_delete_log(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    let statements: Vec<String> = plan.tables.iter().flat_map(|t| delete_log_sql(plan, t, Direction::Forward)).collect();
    transaction::run(conn, &statements, retry, None).await?;
    Ok(())
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
