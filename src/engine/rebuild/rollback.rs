//! Rollback of a rebuild, from any state. Before the swap: the new tables and the
//! forward triggers are dropped; the original tables were never changed by the copy.
//! After it: one transaction swaps back by rename, first copying into the original
//! tables every row the application wrote after the swap (from the reverse log; a
//! converted value it did not change keeps its original bytes). Foreign keys come back
//! `NOT VALID` and are validated afterwards. Every part is idempotent.

use sqlx::PgConnection;

use crate::quote::quote_ident;

use super::super::ddl;
use super::super::error::EngineError;
use super::super::plan::{Plan, TablePlan};
use super::super::transaction::{self, LockRetry, Logged};
use super::change_log::{self, written_after_swap_sql};
use super::keys::{key_of_row, new_key_of_row};
use super::prepare::{new_table, old_table, old_table_in_place, recorded_identities, recorded_indexes, recorded_sequences};
use super::swap::{hand_over_sequence, moved_foreign_keys};
use super::{catalog, is_swapped, names};

/// Copies the rows written after the swap back into the original table of `table`.
fn copy_back_sql(plan: &Plan, table: &TablePlan, columns: &[String]) -> Vec<String> {
    let old = old_table(plan, table);
    let prev = quote_ident(&format!("pgr_prev_{}", plan.table_number(&table.schema, &table.name)));
    let keys = written_after_swap_sql(plan, table);
    let values: Vec<String> = columns
        .iter()
        .map(|c| {
            let col = quote_ident(c);
            match table.columns.iter().find(|k| &k.name == c) {
                Some(k) => format!(
                    "CASE WHEN {} IS NOT DISTINCT FROM n.{col} THEN p.{col} ELSE {} END",
                    plan.conversion.convert_sql(&format!("p.{col}")),
                    plan.conversion.revert_sql(&format!("n.{col}"), &k.data_type)
                ),
                None => format!("n.{col}"),
            }
        })
        .collect();
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    vec![
        format!("CREATE TEMP TABLE {prev} ON COMMIT DROP AS SELECT * FROM {old} o WHERE {} IN ({keys})", new_key_of_row(plan, table, "o")),
        format!("DELETE FROM {old} o WHERE {} IN ({keys})", new_key_of_row(plan, table, "o")),
        format!(
            "INSERT INTO {old} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {} n LEFT JOIN {prev} p ON {} = {} WHERE {} IN ({keys})",
            super::super::sql::column_list(None, &names),
            values.join(", "),
            table.qualified(),
            new_key_of_row(plan, table, "p"),
            key_of_row(table, "n"),
            key_of_row(table, "n"),
        ),
    ]
}

async fn swap_back_sql(conn: &mut PgConnection, plan: &Plan) -> Result<Vec<String>, EngineError> {
    let mut locked: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    locked.extend(plan.tables.iter().map(|t| old_table(plan, t)));
    let mut s = vec![format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", locked.join(", "))];
    for table in &plan.tables {
        let columns = catalog::writable_columns(conn, &old_table(plan, table)).await?;
        s.extend(copy_back_sql(plan, table, &columns));
        s.push(change_log::drop_trigger_sql(&table.qualified()));
    }
    s.extend(plan.rebuild.views.iter().rev().map(ddl::drop_view));
    s.extend(moved_foreign_keys(plan).map(ddl::drop_constraint));
    for table in &plan.tables {
        let n = plan.table_number(&table.schema, &table.name);
        // Back into the user's schema first, with its indexes and retired identity
        // sequences (before the serial sequences become its own again, so they stay put).
        s.push(format!("ALTER TABLE {} SET SCHEMA {}", old_table(plan, table), quote_ident(&table.schema)));
        let old = old_table_in_place(plan, table);
        for (sequence, column) in recorded_sequences(conn, table).await? {
            s.push(format!("ALTER SEQUENCE {sequence} OWNED BY {old}.{}", quote_ident(&column)));
        }
        for (k, schema, original, new) in recorded_identities(conn, table).await? {
            // The new table's sequence has the original name now; the original's is retired.
            s.extend(hand_over_sequence(&schema, &original, &names::old_sequence(n, k), &new));
        }
        s.push(format!("DROP TABLE {}", table.qualified()));
        s.push(format!("ALTER TABLE {old} RENAME TO {}", quote_ident(&table.name)));
        for (k, name, _, _) in recorded_indexes(conn, table).await? {
            s.push(ddl::rename_index(&table.schema, &names::old_index(n, k), &name));
        }
    }
    s.extend(moved_foreign_keys(plan).map(ddl::add_foreign_key_not_valid));
    s.extend(plan.rebuild.views.iter().map(ddl::create_view));
    Ok(s)
}

/// Undoes the rebuild's part of the run; the caller then removes the engine's other
/// helpers and restores quarantined rows as for any run.
pub async fn run(conn: &mut PgConnection, run: i64, plan: &Plan, retry: &LockRetry) -> Result<Vec<String>, EngineError> {
    let mut done = Vec::new();
    if is_swapped(conn, plan).await? {
        let logged = Logged { run, step: "rollback-swap", table: None, message: None };
        let statements = swap_back_sql(conn, plan).await?;
        let held = transaction::run(conn, &statements, retry, Some(logged)).await?;
        done.push(format!("swapped back the original tables, with the rows written since the swap (exclusive lock held {held:.1?})"));
    }
    let mut s = Vec::new();
    for table in &plan.tables {
        s.push(change_log::drop_trigger_sql(&table.qualified()));
        s.push(format!("DROP TABLE IF EXISTS {}", new_table(plan, table)));
        s.extend(change_log::drop_functions_sql(plan, table));
    }
    transaction::run(conn, &s, retry, None).await?;
    // Also after a rollback interrupted between its swap back and this validation.
    for fk in moved_foreign_keys(plan).filter(|f| f.validated) {
        transaction::run(conn, &[ddl::validate_constraint(fk)], retry, None).await?;
    }
    done.push("dropped the new tables and the change-log triggers".into());
    Ok(done)
}
