//! DDL statements for the swap and its reverse, generated from the plan. Pure: the
//! statements are unit-tested as text and executed by [`super::swap`] and [`super::rollback`].

use crate::quote::{quote_ident, quote_qualified};

use super::facts::{ConstraintFacts, IndexFacts, ViewFacts};
use super::plan::{names, Plan};

/// `pg_get_constraintdef` output without a trailing ` NOT VALID`, so the engine can add
/// the constraint `NOT VALID` itself and validate it when the original was validated.
pub fn definition_without_not_valid(definition: &str) -> &str {
    definition.strip_suffix(" NOT VALID").unwrap_or(definition)
}

/// Maps a column of `table` to the name it has before the swap: converted columns are
/// still called by their shadow name.
fn pre_swap_name(plan: &Plan, schema: &str, table: &str, column: &str) -> String {
    plan.table(schema, table)
        .and_then(|t| t.columns.iter().find(|c| c.name == column))
        .map(names::shadow)
        .unwrap_or_else(|| column.to_string())
}

pub fn drop_constraint(c: &ConstraintFacts) -> String {
    format!("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", quote_qualified(&c.schema, &c.table), quote_ident(&c.name))
}

/// The foreign key re-added `NOT VALID`: a catalog change that checks no existing row.
pub fn add_foreign_key_not_valid(c: &ConstraintFacts) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID",
        quote_qualified(&c.schema, &c.table),
        quote_ident(&c.name),
        definition_without_not_valid(&c.definition)
    )
}

pub fn validate_constraint(c: &ConstraintFacts) -> String {
    format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", quote_qualified(&c.schema, &c.table), quote_ident(&c.name))
}

/// The unique index that will back key constraint `number`, built before the swap.
pub fn create_key_index(plan: &Plan, number: usize, c: &ConstraintFacts) -> String {
    let columns: Vec<String> = c.columns.iter().map(|col| quote_ident(&pre_swap_name(plan, &c.schema, &c.table, col))).collect();
    format!(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})",
        quote_ident(&names::key_index(number)),
        quote_qualified(&c.schema, &c.table),
        columns.join(", ")
    )
}

/// Turns the pre-built index into the original constraint, under its original name.
pub fn attach_key_index(number: usize, c: &ConstraintFacts) -> String {
    let kind = if c.kind == 'p' { "PRIMARY KEY" } else { "UNIQUE" };
    let deferral = match (c.deferrable, c.deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        _ => "",
    };
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {kind} USING INDEX {}{deferral}",
        quote_qualified(&c.schema, &c.table),
        quote_ident(&c.name),
        quote_ident(&names::key_index(number))
    )
}

/// The original key constraint from its definition (rollback; builds the index).
pub fn add_constraint(c: &ConstraintFacts) -> String {
    format!("ALTER TABLE {} ADD CONSTRAINT {} {}", quote_qualified(&c.schema, &c.table), quote_ident(&c.name), c.definition)
}

/// A copy of a plain index over the new columns, with the same method, order and predicate.
pub fn create_mirror_index(plan: &Plan, number: usize, index: &IndexFacts) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| {
            let column = k.column.as_deref().unwrap_or_default();
            let mut key = quote_ident(&pre_swap_name(plan, &index.schema, &index.table, column));
            if k.descending {
                key.push_str(" DESC");
            }
            if k.nulls_first != k.descending {
                key.push_str(if k.nulls_first { " NULLS FIRST" } else { " NULLS LAST" });
            }
            key
        })
        .collect();
    let predicate = index.predicate.as_ref().map(|p| format!(" WHERE {p}")).unwrap_or_default();
    format!(
        "CREATE {}INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {} ({}){predicate}",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&names::mirror_index(number)),
        quote_qualified(&index.schema, &index.table),
        quote_ident(&index.method),
        keys.join(", ")
    )
}

pub fn rename_index(schema: &str, from: &str, to: &str) -> String {
    format!("ALTER INDEX {} RENAME TO {}", quote_qualified(schema, from), quote_ident(to))
}

pub fn drop_view(v: &ViewFacts) -> String {
    format!("DROP VIEW IF EXISTS {}", quote_qualified(&v.schema, &v.name))
}

pub fn create_view(v: &ViewFacts) -> String {
    format!("CREATE VIEW {} AS {}", quote_qualified(&v.schema, &v.name), v.definition.trim_end().trim_end_matches(';'))
}

/// Whether an index build left behind by an interrupted `CREATE INDEX CONCURRENTLY` is
/// invalid and must be dropped before it is built again.
pub fn invalid_index_query() -> &'static str {
    "SELECT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
     WHERE n.nspname = $1 AND i.relname = $2 AND NOT x.indisvalid)"
}

pub fn drop_index(schema: &str, name: &str) -> String {
    format!("DROP INDEX IF EXISTS {}", quote_qualified(schema, name))
}
