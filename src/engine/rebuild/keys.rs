//! The primary key of a planned table in both shapes: as the original table holds it and
//! as the new table does (converted columns converted), read from a row or from a key
//! recorded as JSON in the change log.

use crate::quote::{quote_ident, quote_literal};

use super::super::plan::{Plan, TablePlan};

fn is_converted(table: &TablePlan, column: &str) -> bool {
    table.columns.iter().any(|c| c.name == column)
}

/// `(alias."a", ...)` converted to the new table's key, e.g. `((t."id")::uuid)`.
pub fn new_key_of_row(plan: &Plan, table: &TablePlan, alias: &str) -> String {
    let parts: Vec<String> = table
        .pk_names()
        .iter()
        .map(|c| {
            let expr = format!("{alias}.{}", quote_ident(c));
            if is_converted(table, c) { plan.conversion.convert_sql(&expr) } else { expr }
        })
        .collect();
    format!("({})", parts.join(", "))
}

/// `(alias."a", ...)`.
pub fn key_of_row(table: &TablePlan, alias: &str) -> String {
    format!("({})", super::super::sql::column_list(Some(alias), &table.pk_names()))
}

/// The new table's key from an original key recorded as JSON, as a select list: converted
/// only when the conversion accepts it, else NULL (such a key has no row in the new table).
pub fn new_key_from_old_json(plan: &Plan, table: &TablePlan, json: &str) -> String {
    let pattern = quote_literal(&plan.conversion.validity_pattern());
    let parts: Vec<String> = table
        .primary_key
        .iter()
        .map(|(name, ty)| {
            let value = format!("({json} ->> {})::{ty}", quote_literal(name));
            if is_converted(table, name) {
                format!("(CASE WHEN {} THEN {} END)", super::super::sql::matches(&value, &pattern), plan.conversion.convert_sql(&value))
            } else {
                value
            }
        })
        .collect();
    parts.join(", ")
}

/// The original table's key from an original key recorded as JSON, as a select list.
pub fn old_key_from_old_json(table: &TablePlan, json: &str) -> String {
    super::super::sql::pk_from_json(table, json)
}

/// The new table's key from a key the reverse log recorded (already converted), as a
/// select list.
pub fn new_key_from_new_json(plan: &Plan, table: &TablePlan, json: &str) -> String {
    let parts: Vec<String> = table
        .primary_key
        .iter()
        .map(|(name, ty)| {
            let ty = if is_converted(table, name) { plan.conversion.target_type() } else { ty.as_str() };
            format!("({json} ->> {})::{ty}", quote_literal(name))
        })
        .collect();
    parts.join(", ")
}

/// `jsonb_build_object('a', ROW."a", ...)`: how a trigger records the key of `NEW`/`OLD`.
pub fn json_of(table: &TablePlan, row: &str) -> String {
    let parts: Vec<String> = table.pk_names().iter().map(|c| format!("{}, {row}.{}", quote_literal(c), quote_ident(c))).collect();
    format!("jsonb_build_object({})", parts.join(", "))
}
