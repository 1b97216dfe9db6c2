//! Writes the SQLite schema from the plan: tables in dependency order with their primary
//! keys, composite foreign keys and actions, UNIQUE, NOT NULL, the CHECKs and defaults that
//! translate, the mapping's own CHECKs, then the indexes.

use rusqlite::Connection;

use super::catalog::ForeignKey;
use super::order::dependency_order;
use super::plan::TablePlan;
use super::translate;
use crate::quote::quote_ident;

/// What the schema left out, for the export summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SchemaSummary {
    /// `table: constraint or default` entries that have no SQLite translation.
    pub untranslated: Vec<String>,
}

/// The statements that create every table and index.
pub fn schema_statements(tables: &[TablePlan]) -> (Vec<String>, SchemaSummary) {
    let mut summary = SchemaSummary::default();
    let mut statements = Vec::new();
    let mut indexes = Vec::new();
    for i in dependency_order(tables) {
        let table = &tables[i];
        statements.push(create_table(table, tables, &mut summary));
        for index in &table.source.indexes {
            let columns: Vec<String> = index.columns.iter().map(|&(c, desc)| format!("{}{}", quote_ident(&table.columns[c].source.name), if desc { " DESC" } else { "" })).collect();
            indexes.push(format!(
                "CREATE {}INDEX {} ON {} ({})",
                if index.unique { "UNIQUE " } else { "" },
                quote_ident(&index.name),
                quote_ident(&table.name),
                columns.join(", ")
            ));
        }
        summary.untranslated.extend(table.source.skipped_indexes.iter().map(|n| format!("{}: index {n} (expression or partial)", table.name)));
    }
    statements.extend(indexes);
    (statements, summary)
}

fn create_table(table: &TablePlan, tables: &[TablePlan], summary: &mut SchemaSummary) -> String {
    let names = |cols: &[usize]| cols.iter().map(|&c| quote_ident(&table.columns[c].source.name)).collect::<Vec<_>>().join(", ");
    let mut lines = Vec::new();
    for column in &table.columns {
        let mut line = format!("{} {}", quote_ident(&column.source.name), column.mapping.sqlite_type());
        if column.source.not_null {
            line.push_str(" NOT NULL");
        }
        if let Some(expr) = &column.source.default {
            match translate::default(expr, &column.mapping) {
                Some(sql) => line.push_str(&format!(" DEFAULT {sql}")),
                // A serial key becomes SQLite's rowid alias, which numbers rows by itself.
                None if expr.starts_with("nextval(") => {}
                None => summary.untranslated.push(format!("{}: default of {} ({expr})", table.name, column.source.name)),
            }
        }
        if let Some(check) = column.mapping.check(&column.source.name) {
            line.push(' ');
            line.push_str(&check);
        }
        lines.push(line);
    }
    if !table.source.primary_key.is_empty() {
        lines.push(format!("PRIMARY KEY ({})", names(&table.source.primary_key)));
    }
    for unique in &table.source.uniques {
        lines.push(format!("UNIQUE ({})", names(unique)));
    }
    for fk in &table.source.foreign_keys {
        if !fk.validated {
            // SQLite has no NOT VALID: the rows Postgres never checked would fail the load.
            summary.untranslated.push(format!("{}: foreign key {} (NOT VALID in Postgres)", table.name, fk.name));
            continue;
        }
        if let Some(parent) = tables.iter().find(|t| t.source.oid == fk.parent) {
            lines.push(foreign_key(fk, &names(&fk.columns), &parent.name));
        }
    }
    for (name, definition) in &table.source.checks {
        match translate::check(definition, table).filter(|check| sqlite_accepts(table, check)) {
            Some(check) => lines.push(format!("CONSTRAINT {} {check}", quote_ident(name))),
            None => summary.untranslated.push(format!("{}: {name} {definition}", table.name)),
        }
    }
    format!("CREATE TABLE {} (\n  {}\n)", quote_ident(&table.name), lines.join(",\n  "))
}

fn foreign_key(fk: &ForeignKey, columns: &str, parent: &str) -> String {
    let action = |a: char| match a {
        'c' => "CASCADE",
        'n' => "SET NULL",
        'd' => "SET DEFAULT",
        'r' => "RESTRICT",
        _ => "NO ACTION",
    };
    let parent_columns: Vec<String> = fk.parent_columns.iter().map(|c| quote_ident(c)).collect();
    let deferral = match (fk.deferrable, fk.deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE INITIALLY IMMEDIATE",
        _ => "",
    };
    format!(
        "CONSTRAINT {} FOREIGN KEY ({columns}) REFERENCES {} ({}) ON UPDATE {} ON DELETE {}{deferral}",
        quote_ident(&fk.name),
        quote_ident(parent),
        parent_columns.join(", "),
        action(fk.on_update),
        action(fk.on_delete)
    )
}

/// A translated CHECK is kept only if SQLite compiles it on the table's columns.
fn sqlite_accepts(table: &TablePlan, check: &str) -> bool {
    let Ok(conn) = Connection::open_in_memory() else { return false };
    let columns: Vec<String> = table.columns.iter().map(|c| format!("{} {}", quote_ident(&c.source.name), c.mapping.sqlite_type())).collect();
    conn.execute_batch(&format!("CREATE TABLE probe ({}, {check})", columns.join(", "))).is_ok()
}
