//! Check `up-changes`: what up changed in the schema, from the original state to the
//! state up reached (each column's type, nullability and default, constraints, indexes,
//! triggers, functions and every other object, before → after), for the report's "What up
//! changed" section; and the changes that are suspicious, as findings:
//!
//! - NOT NULL lost on a converted column (one whose type up changed);
//! - a foreign key dropped and not re-added (no FK on the same columns to the same parent);
//! - an index that duplicates another of its table (same method, columns or expressions,
//!   operator classes and predicate; uniqueness aside), when up created one of the two;
//! - a new volatile default (by `pg_proc.provolatile`) on a referencing column;
//! - a function up created that nothing in the database uses, or a table up created whose
//!   name marks it as scratch (`tmp`, `temp`, `old`, `bak`, `backup`, `copy`, ...) or that is
//!   UNLOGGED. A new table with an ordinary name is the common, intended result of a
//!   migration, and is only listed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::context::Context;
use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult, Example, Finding};
use super::schema_diff::{diff, SchemaChange};
use super::schema_snapshot::{ColumnSchema, SchemaSnapshot};
use super::scope::Scope;
use crate::vocabulary::{Relation, TableName};

/// Words of a table name (split at `_` and digits) that mark it as scratch.
pub const SCRATCH_WORDS: &[&str] =
    &["tmp", "temp", "temporary", "scratch", "old", "bak", "backup", "copy", "staging", "helper", "map", "mapping"];

const NOT_NULL_LOST: &str = "NOT NULL lost on a converted column: up changed its type and dropped NOT NULL";
const FK_DROPPED: &str = "foreign key dropped by up and not re-added";
const DUPLICATE_INDEX: &str = "index duplicates another index of the same table (same columns, expressions and predicate)";
const VOLATILE_DEFAULT: &str = "new volatile default on a referencing column: each insert gets a value no parent row has";
const FUNCTION_LEFT: &str = "function created by up and left behind: nothing in the database uses it";
const TABLE_LEFT: &str = "table created by up and left behind: its name or UNLOGGED marks it as scratch";

/// Lists what up changed (left in `ctx.up_changes` for the report) and scores it.
pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    let started = Instant::now();
    let before = ctx.scope.visible(&ctx.original.schema);
    let after = ctx.scope.visible(&ctx.reached.schema);
    let changes = changes(&before, &after);
    let findings = suspicious(&before, &after, ctx.scope, &ctx.declared);
    let summary = format!(
        "{} schema changes from the original to the state up reached, {} of them suspicious",
        changes.len(),
        findings.iter().map(|f| f.count).sum::<u64>()
    );
    ctx.up_changes = Some(changes);
    Ok(CheckResult::from_findings(CheckKind::UpChanges, summary, findings, started.elapsed()))
}

/// Every schema change, with a changed column split into its type, nullability and
/// default, each before → after.
pub fn changes(before: &SchemaSnapshot, after: &SchemaSnapshot) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    for change in diff(before, after) {
        let column = change
            .object
            .strip_prefix(&format!("column {}.", change.table))
            .filter(|_| change.change == "changed")
            .and_then(|name| Some((column_of(before, &change.table, name)?, column_of(after, &change.table, name)?)));
        match column {
            Some((b, a)) => out.extend(column_aspects(&change, b, a)),
            None => out.push(change),
        }
    }
    out
}

fn column_of<'s>(snapshot: &'s SchemaSnapshot, table: &str, column: &str) -> Option<&'s ColumnSchema> {
    snapshot.tables.iter().find(|(t, _)| t.to_string() == table).and_then(|(_, s)| s.column(column))
}

fn column_aspects(change: &SchemaChange, b: &ColumnSchema, a: &ColumnSchema) -> Vec<SchemaChange> {
    let nullability = |c: &ColumnSchema| if c.not_null { "not null" } else { "null" }.to_string();
    let default = |c: &ColumnSchema| c.default.clone().unwrap_or_else(|| "(no default)".into());
    let object = change.object.trim_start_matches("column ");
    [("type", b.data_type.clone(), a.data_type.clone()), ("nullability", nullability(b), nullability(a)), ("default", default(b), default(a))]
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(aspect, b, a)| SchemaChange {
            table: change.table.clone(),
            object: format!("{aspect} of column {object}"),
            change: "changed".into(),
            before: Some(b),
            after: Some(a),
        })
        .collect()
}

/// The suspicious changes, one finding per kind and table, one example per object.
pub fn suspicious(before: &SchemaSnapshot, after: &SchemaSnapshot, scope: &Scope, declared: &[Relation]) -> Vec<Finding> {
    let mut found: BTreeMap<(&'static str, Option<String>), Finding> = BTreeMap::new();
    let mut record = |message: &'static str, table: Option<String>, example: Example| {
        found
            .entry((message, table.clone()))
            .or_insert_with(|| Finding::new(CheckKind::UpChanges, table, message))
            .record(example);
    };
    for (name, table) in &after.tables {
        let Some(was) = before.tables.get(name) else { continue };
        for column in &table.columns {
            if let Some(old) = was.column(&column.name) {
                if old.data_type != column.data_type && old.not_null && !column.not_null {
                    let key = format!("column {name}.{}", column.name);
                    let example = Example::new(key, Some(format!("{} not null", old.data_type)), Some(column.data_type.clone()));
                    record(NOT_NULL_LOST, Some(name.to_string()), example);
                }
            }
        }
        for dup in duplicate_indexes(&table.indexes, &was.indexes) {
            let key = format!("index {} duplicates {}", dup.name, dup.of);
            let example = Example::new(key, Some(dup.of_definition.to_string()), Some(dup.definition.to_string()));
            record(DUPLICATE_INDEX, Some(name.to_string()), example);
        }
    }
    for fk in dropped_foreign_keys(before, after) {
        let key = format!("foreign key {}", fk.constraint.as_deref().unwrap_or("(unnamed)"));
        record(FK_DROPPED, Some(fk.child.to_string()), Example::new(key, Some(fk.describe()), None));
    }
    for (table, column, old, new) in new_volatile_defaults(before, after, declared) {
        let example = Example::new(format!("column {table}.{column}"), Some(old), Some(new));
        record(VOLATILE_DEFAULT, Some(table.to_string()), example);
    }
    for function in after.objects.keys().filter(|k| k.starts_with("function ") || k.starts_with("procedure ")) {
        if !before.objects.contains_key(function) && !after.usage.functions_in_use.contains(function) {
            record(FUNCTION_LEFT, None, Example::new(function.clone(), None, Some("not used by any trigger, default, constraint, index, view or function".into())));
        }
    }
    for name in after.tables.keys().filter(|t| !before.tables.contains_key(*t) && !scope.is_quarantine(t)) {
        let unlogged = after.objects.get(&format!("table options {name}")).is_some_and(|o| o.split(", ").any(|part| part == "unlogged"));
        if unlogged || looks_like_scratch(&name.name) {
            let why = if unlogged { "UNLOGGED table" } else { "scratch name" };
            record(TABLE_LEFT, Some(name.to_string()), Example::new(format!("table {name}"), None, Some(why.into())));
        }
    }
    found.into_values().collect()
}

/// Whether a table name has a word of [`SCRATCH_WORDS`] (`users_old`, `tmp_ids`, `id_map2`).
pub fn looks_like_scratch(name: &str) -> bool {
    name.to_lowercase().split(|c: char| c == '_' || c.is_ascii_digit()).any(|word| SCRATCH_WORDS.contains(&word))
}

/// `CREATE [UNIQUE] INDEX name ON ...` without the name and `UNIQUE`: two indexes with the
/// same rest index the same thing the same way.
fn index_body(definition: &str) -> &str {
    let rest = definition.strip_prefix("CREATE UNIQUE INDEX ").or_else(|| definition.strip_prefix("CREATE INDEX ")).unwrap_or(definition);
    match rest.find(" ON ") {
        Some(at) => &rest[at..],
        None => rest,
    }
}

/// An index up created (or redefined) that indexes what another index of its table does.
#[derive(Debug, PartialEq, Eq)]
struct Duplicate<'a> {
    name: &'a str,
    definition: &'a str,
    /// The index it duplicates: the original one when there is one.
    of: &'a str,
    of_definition: &'a str,
}

fn duplicate_indexes<'a>(indexes: &'a BTreeMap<String, String>, before: &BTreeMap<String, String>) -> Vec<Duplicate<'a>> {
    let mut by_body: BTreeMap<&str, Vec<(&String, &String)>> = BTreeMap::new();
    for (name, definition) in indexes {
        by_body.entry(index_body(definition)).or_default().push((name, definition));
    }
    let is_new = |name: &String, definition: &String| before.get(name) != Some(definition);
    let mut out = Vec::new();
    for group in by_body.values().filter(|g| g.len() > 1) {
        let keeper = group.iter().find(|(n, d)| !is_new(n, d)).unwrap_or(&group[0]);
        for (name, definition) in group.iter().filter(|(n, d)| *n != keeper.0 && is_new(n, d)) {
            out.push(Duplicate { name, definition, of: keeper.0, of_definition: keeper.1 });
        }
    }
    out
}

/// FKs of the original whose child and parent tables remain, with no FK after up on the
/// same child columns to the same parent columns (under any name).
fn dropped_foreign_keys<'a>(before: &'a SchemaSnapshot, after: &SchemaSnapshot) -> Vec<&'a Relation> {
    let same = |a: &Relation, b: &Relation| {
        a.child == b.child && a.child_columns == b.child_columns && a.parent == b.parent && a.parent_columns == b.parent_columns
    };
    before
        .foreign_keys
        .iter()
        .filter(|fk| after.tables.contains_key(&fk.child) && after.tables.contains_key(&fk.parent))
        .filter(|fk| !after.foreign_keys.iter().any(|other| same(fk, other)))
        .collect()
}

/// Referencing columns (of an FK before or after up, or of a declared relation) whose
/// default after up is volatile and was not that same default before: (table, column,
/// old default, new default).
fn new_volatile_defaults(before: &SchemaSnapshot, after: &SchemaSnapshot, declared: &[Relation]) -> Vec<(TableName, String, String, String)> {
    let referencing: BTreeSet<(&TableName, &String)> = before
        .foreign_keys
        .iter()
        .chain(&after.foreign_keys)
        .chain(declared)
        .flat_map(|r| r.child_columns.iter().map(move |c| (&r.child, c)))
        .collect();
    let mut out = Vec::new();
    for (table, column) in referencing {
        let key = format!("{table}.{column}");
        let Some(new) = after.tables.get(table).and_then(|t| t.column(column)) else { continue };
        if !after.usage.volatile_defaults.contains(&key) {
            continue;
        }
        let old = before.tables.get(table).and_then(|t| t.column(column));
        let unchanged = old.is_some_and(|o| o.default == new.default) && before.usage.volatile_defaults.contains(&key);
        if !unchanged {
            let old = old.and_then(|o| o.default.clone()).unwrap_or_else(|| "(no default)".into());
            out.push((table.clone(), column.clone(), old, new.default.clone().unwrap_or_default()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_names_are_words_not_substrings() {
        for name in ["users_old", "tmp_ids", "id_map2", "UserBackup_bak", "temp"] {
            assert!(looks_like_scratch(name), "{name}");
        }
        for name in ["users", "sitemaps", "bold_items", "templates", "copywriters"] {
            assert!(!looks_like_scratch(name), "{name}");
        }
    }

    #[test]
    fn an_index_body_leaves_out_the_name_and_uniqueness() {
        assert_eq!(
            index_body("CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)"),
            index_body("CREATE INDEX \"my idx\" ON public.users USING btree (id)")
        );
        assert_ne!(
            index_body("CREATE INDEX a ON public.users USING btree (id)"),
            index_body("CREATE INDEX b ON public.users USING btree (id) WHERE (id IS NOT NULL)")
        );
    }

    #[test]
    fn only_a_new_duplicate_is_reported() {
        let def = |name: &str| format!("CREATE INDEX {name} ON public.users USING btree (email)");
        let before = BTreeMap::from([("a".to_string(), def("a")), ("b".to_string(), def("b"))]);
        assert!(duplicate_indexes(&before, &before).is_empty(), "duplicates the original already had are not up's");
        let mut after = before.clone();
        after.insert("c".into(), def("c"));
        let found = duplicate_indexes(&after, &before);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].name, found[0].of), ("c", "a"));
    }
}
