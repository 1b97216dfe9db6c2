//! The checks of `validate` that differ after a rebuild: the original rows live in the
//! retired original table and the backup, not in columns beside the new ones, so rows
//! are matched by their key converted. Rows the application wrote after the swap (in the
//! reverse log) are its own and not compared.

use crate::quote::{quote_ident, quote_literal};

use super::super::plan::{Plan, TablePlan};
use super::change_log::{Direction, TABLE};
use super::keys::{key_of_row, new_key_from_new_json, new_key_of_row, new_key_of_row_guarded};
use super::prepare::old_table;

fn written_after_swap(plan: &Plan, table: &TablePlan) -> String {
    format!(
        "SELECT {} FROM {TABLE} l WHERE l.table_name = {} AND l.direction = {}",
        new_key_from_new_json(plan, table, "l.pk"),
        quote_literal(&table.label()),
        quote_literal(Direction::Reverse.name())
    )
}

/// Counts rows whose `column` differs from its original converted.
pub fn values_differ_sql(plan: &Plan, table: &TablePlan, column: &str) -> String {
    let col = quote_ident(column);
    format!(
        "SELECT count(*) FROM {old} o JOIN {new} t ON {tk} = {ok} WHERE t.{col} IS DISTINCT FROM {converted} AND {tk} NOT IN ({after})",
        old = old_table(plan, table),
        new = table.qualified(),
        tk = key_of_row(table, "t"),
        ok = new_key_of_row(plan, table, "o"),
        converted = plan.conversion.convert_sql(&format!("o.{col}")),
        after = written_after_swap(plan, table),
    )
}

/// Counts backed-up rows that are neither live (by converted key), quarantined, deleted
/// by the application before the swap, nor written by it after the swap.
pub fn lost_sql(plan: &Plan, table: &TablePlan, backup: &str, quarantine: &str) -> String {
    format!(
        "SELECT count(*) FROM {backup} b WHERE NOT EXISTS (SELECT 1 FROM {t} t WHERE {tk} = {bk})
           AND NOT EXISTS (SELECT 1 FROM {quarantine} q WHERE {qk} = {plain})
           AND NOT EXISTS (SELECT 1 FROM pgrehearse_engine.deleted_row d WHERE d.table_name = {label} AND d.pk = {bj})
           AND NOT coalesce({bk} IN ({after}), false)",
        t = table.qualified(),
        tk = key_of_row(table, "t"),
        bk = new_key_of_row_guarded(plan, table, "b"),
        qk = key_of_row(table, "q"),
        plain = key_of_row(table, "b"),
        label = quote_literal(&table.label()),
        bj = super::super::sql::pk_json("b", table),
        after = written_after_swap(plan, table),
    )
}
