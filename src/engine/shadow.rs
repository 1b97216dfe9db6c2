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

/// Drops every trigger of the engine and their functions: the end of a run (rollback or
/// cleanup).
pub fn drop_all_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    let mut s = vec![
        drop_trigger_sql(table),
        format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(DELETE_TRIGGER), table.qualified()),
        format!("DROP FUNCTION IF EXISTS {}()", function(plan, table)),
        format!("DROP FUNCTION IF EXISTS {}()", deleted_function(plan, table)),
    ];
    s.extend(drop_change_log_sql(plan, table));
    s
}

/// Records the key of every row inserted, deleted, or updated in a converted or key
/// column in `pgrehearse_engine.changed_row`, so the stored classification
/// ([`super::classify`]) is brought up to date by re-checking only those rows.
const CHANGE_TRIGGER: &str = "pgr_changed";

fn changed_function(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(ENGINE_SCHEMA, &format!("changed_{}", plan.table_number(&table.schema, &table.name)))
}

/// Statements that (re)install the change log of `table`.
pub fn change_log_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    let key = |row: &str| {
        let parts: Vec<String> = table.pk_names().iter().map(|c| format!("{}, {row}.{}", quote_literal(c), quote_ident(c))).collect();
        format!("INSERT INTO {ENGINE_SCHEMA}.changed_row (table_name, pk) VALUES ({}, jsonb_build_object({}));", quote_literal(&table.label()), parts.join(", "))
    };
    let mut watched: Vec<String> = table.pk_names().iter().map(|c| quote_ident(c)).collect();
    for column in &table.columns {
        let c = quote_ident(&column.name);
        if !watched.contains(&c) {
            watched.push(c);
        }
    }
    let changed = changed_function(plan, table);
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION {changed}() RETURNS trigger LANGUAGE plpgsql AS $pgr$\nBEGIN\nIF TG_OP <> 'INSERT' THEN {} END IF;\nIF TG_OP <> 'DELETE' THEN {} END IF;\nRETURN NULL;\nEND\n$pgr$",
            key("OLD"),
            key("NEW")
        ),
        format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(CHANGE_TRIGGER), table.qualified()),
        format!(
            "CREATE TRIGGER {} AFTER INSERT OR UPDATE OF {} OR DELETE ON {} FOR EACH ROW EXECUTE FUNCTION {changed}()",
            quote_ident(CHANGE_TRIGGER),
            watched.join(", "),
            table.qualified()
        ),
    ]
}

/// Drops the change log of `table`: once the policies are applied nothing reads it.
pub fn drop_change_log_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    vec![
        format!("DROP TRIGGER IF EXISTS {} ON {}", quote_ident(CHANGE_TRIGGER), table.qualified()),
        format!("DROP FUNCTION IF EXISTS {}()", changed_function(plan, table)),
    ]
}

/// Records each deleted row's original key in `pgrehearse_engine.deleted_row`, so
/// `validate` can tell an application's delete from a lost row.
const DELETE_TRIGGER: &str = "pgr_deleted";

fn deleted_function(plan: &Plan, table: &TablePlan) -> String {
    quote_qualified(ENGINE_SCHEMA, &format!("deleted_{}", plan.table_number(&table.schema, &table.name)))
}

/// Installs the delete log and the change log on every table, in their own committed
/// transaction before the classification scan and the backup snapshot, so every
/// backed-up row that later disappears is accounted for and every row written after the
/// scan is re-checked.
pub async fn install_delete_log(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    let statements: Vec<String> = plan.tables.iter().flat_map(|t| [delete_log_sql(plan, t, Direction::Forward), change_log_sql(plan, t)].concat()).collect();
    transaction::run(conn, &statements, retry, None).await?;
    Ok(())
}

/// Drops the change logs (after the policies are applied), in one short transaction.
pub async fn drop_change_logs(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    let statements: Vec<String> = plan.tables.iter().flat_map(|t| drop_change_log_sql(plan, t)).collect();
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
