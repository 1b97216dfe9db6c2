//! The change log of a rebuild: `pgrehearse_engine.rebuild_change` records the key of
//! every row the application writes. Before the swap a trigger on the original table
//! records `forward` keys (which catch-up copies again); it also converts every written
//! value, so a value the conversion rejects fails the application's write instead of the
//! copy. After the swap a trigger on the new table records `reverse` keys (which a
//! rollback copies back).

use sqlx::PgConnection;

use crate::quote::{quote_ident, quote_literal, quote_qualified};

use super::super::bookkeeping::ENGINE_SCHEMA;
use super::super::error::EngineError;
use super::super::plan::{Plan, TablePlan};
use super::super::transaction::{self, LockRetry};
use super::keys::{json_of, new_key_from_new_json};
use super::names;

pub const TABLE: &str = "pgrehearse_engine.rebuild_change";

pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS pgrehearse_engine.rebuild_change (
    id bigserial PRIMARY KEY, table_name text NOT NULL, direction text NOT NULL, pk jsonb NOT NULL);
    CREATE INDEX IF NOT EXISTS rebuild_change_table ON pgrehearse_engine.rebuild_change (table_name, direction, id)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Reverse,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Reverse => "reverse",
        }
    }
}

/// The new table's keys the application wrote after the swap (the reverse log), as a
/// select list: those rows are the application's own, so neither `validate` nor a
/// rollback compares them with the originals.
pub fn written_after_swap_sql(plan: &Plan, table: &TablePlan) -> String {
    format!(
        "SELECT {} FROM {TABLE} l WHERE l.table_name = {} AND l.direction = {}",
        new_key_from_new_json(plan, table, "l.pk"),
        quote_literal(&table.label()),
        quote_literal(Direction::Reverse.name())
    )
}

fn function(plan: &Plan, table: &TablePlan, direction: Direction) -> String {
    let n = plan.table_number(&table.schema, &table.name);
    let name = match direction {
        Direction::Forward => names::forward_function(n),
        Direction::Reverse => names::reverse_function(n),
    };
    quote_qualified(ENGINE_SCHEMA, &name)
}

/// Statements that (re)install the trigger of `direction` on `relation`.
pub fn install_sql(plan: &Plan, table: &TablePlan, relation: &str, direction: Direction) -> Vec<String> {
    let record = |row: &str| {
        format!(
            "INSERT INTO {TABLE} (table_name, direction, pk) VALUES ({}, {}, {});",
            quote_literal(&table.label()),
            quote_literal(direction.name()),
            json_of(table, row)
        )
    };
    let check = match direction {
        Direction::Forward => {
            let converted: Vec<String> = table.columns.iter().map(|c| plan.conversion.convert_sql(&format!("NEW.{}", quote_ident(&c.name)))).collect();
            format!("PERFORM {};\n", converted.join(", "))
        }
        Direction::Reverse => String::new(),
    };
    let same_key: Vec<String> = table.pk_names().iter().map(|c| format!("OLD.{0} IS NOT DISTINCT FROM NEW.{0}", quote_ident(c))).collect();
    let f = function(plan, table, direction);
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $pgr$\nBEGIN\n\
             IF TG_OP <> 'DELETE' THEN\n{check}{}\nEND IF;\n\
             IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NOT ({})) THEN\n{}\nEND IF;\n\
             RETURN NULL;\nEND\n$pgr$",
            record("NEW"),
            same_key.join(" AND "),
            record("OLD")
        ),
        drop_trigger_sql(relation),
        format!("CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {relation} FOR EACH ROW EXECUTE FUNCTION {f}()", quote_ident(names::TRIGGER)),
    ]
}

pub fn drop_trigger_sql(relation: &str) -> String {
    format!("DROP TRIGGER IF EXISTS {} ON {relation}", quote_ident(names::TRIGGER))
}

pub fn drop_functions_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    [Direction::Forward, Direction::Reverse].iter().map(|d| format!("DROP FUNCTION IF EXISTS {}()", function(plan, table, *d))).collect()
}

/// The forward trigger of `table`, on the original table.
pub fn forward_trigger_sql(plan: &Plan, table: &TablePlan) -> Vec<String> {
    install_sql(plan, table, &table.qualified(), Direction::Forward)
}

/// Creates the change log and the forward trigger on every planned table, in one short
/// transaction, before the policies are applied and before the first chunk's snapshot.
pub async fn install_forward(conn: &mut PgConnection, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    let mut statements = vec![CREATE_TABLE.to_string()];
    for table in &plan.tables {
        statements.extend(install_sql(plan, table, &table.qualified(), Direction::Forward));
    }
    transaction::run(conn, &statements, retry, None).await?;
    Ok(())
}
