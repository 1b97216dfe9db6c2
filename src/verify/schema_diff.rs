//! What changed between two schema snapshots, as a list a person can read: each entry
//! names the object and shows it before and after.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::schema_snapshot::{ColumnSchema, ConstraintSchema, SchemaSnapshot, TableSchema};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SchemaChange {
    /// The table (or view) the object belongs to, `schema.name`.
    pub table: String,
    /// `table public.users`, `column public.users.id`, `index public.users_pkey`, ...
    pub object: String,
    /// What kind of change: `missing`, `added`, `changed`.
    pub change: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Every difference from `before` to `after`; empty when the schemas are identical.
pub fn diff(before: &SchemaSnapshot, after: &SchemaSnapshot) -> Vec<SchemaChange> {
    let mut changes = Vec::new();
    let names: Vec<_> =
        before.tables.keys().chain(after.tables.keys()).chain(before.views.keys()).chain(after.views.keys()).collect();
    for name in names.into_iter().collect::<std::collections::BTreeSet<_>>() {
        let table = name.to_string();
        let start = changes.len();
        match (before.tables.get(name), after.tables.get(name)) {
            (Some(b), Some(a)) => diff_table(&table, b, a, &mut changes),
            (Some(_), None) => changes.push(one_sided(format!("table {table}"), "missing", Some("table".into()), None)),
            (None, Some(_)) => changes.push(one_sided(format!("table {table}"), "added", None, Some("table".into()))),
            (None, None) => {}
        }
        match (before.views.get(name), after.views.get(name)) {
            (Some(b), Some(a)) if b != a => changes.push(changed(format!("view {table}"), b.clone(), a.clone())),
            (Some(b), None) => changes.push(one_sided(format!("view {table}"), "missing", Some(b.clone()), None)),
            (None, Some(a)) => changes.push(one_sided(format!("view {table}"), "added", None, Some(a.clone()))),
            _ => {}
        }
        changes[start..].iter_mut().for_each(|c| c.table = table.clone());
    }
    diff_maps(&before.objects, &after.objects, |key| key.clone(), |d| d.clone(), &mut changes, |key, b, a, out| {
        if b != a {
            out.push(changed(key.clone(), b.clone(), a.clone()));
        }
    });
    for change in changes.iter_mut().filter(|c| c.table.is_empty()) {
        change.table = object_schema(&change.object);
    }
    changes
}

/// `kind schema.name…` → `schema.name…`: what a finding about an object is filed under.
fn object_schema(object: &str) -> String {
    let mut offset = 0;
    for word in object.split(' ') {
        if word.contains('.') {
            return object[offset..].to_string();
        }
        offset += word.len() + 1;
    }
    object.to_string()
}

fn one_sided(object: String, change: &str, before: Option<String>, after: Option<String>) -> SchemaChange {
    SchemaChange { table: String::new(), object, change: change.into(), before, after }
}

fn diff_table(table: &str, before: &TableSchema, after: &TableSchema, out: &mut Vec<SchemaChange>) {
    let before_cols: BTreeMap<&str, &ColumnSchema> = before.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let after_cols: BTreeMap<&str, &ColumnSchema> = after.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    diff_maps(
        &before_cols,
        &after_cols,
        |c| format!("column {table}.{c}"),
        |c| describe_column(c),
        out,
        |name, b, a, out| {
            if b != a {
                out.push(changed(format!("column {table}.{name}"), describe_column(b), describe_column(a)));
            }
        },
    );
    let order = |cols: &[ColumnSchema]| cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", ");
    let same_set: BTreeSet<&str> = before_cols.keys().copied().collect();
    if same_set == after_cols.keys().copied().collect() && order(&before.columns) != order(&after.columns) {
        out.push(changed(format!("column order of {table}"), order(&before.columns), order(&after.columns)));
    }
    diff_maps(
        &before.constraints,
        &after.constraints,
        |c| format!("constraint {table}.{c}"),
        describe_constraint,
        out,
        |name, b, a, out| {
            if b != a {
                out.push(changed(format!("constraint {table}.{name}"), describe_constraint(b), describe_constraint(a)));
            }
        },
    );
    diff_maps(
        &before.indexes,
        &after.indexes,
        |i| format!("index {table}.{i}"),
        |d| d.clone(),
        out,
        |name, b, a, out| {
            if b != a {
                out.push(changed(format!("index {table}.{name}"), b.clone(), a.clone()));
            }
        },
    );
}

/// Walks two maps by key: missing entries, added entries, and `both` for the rest.
fn diff_maps<K: Ord + std::fmt::Display, V>(
    before: &BTreeMap<K, V>,
    after: &BTreeMap<K, V>,
    object: impl Fn(&K) -> String,
    describe: impl Fn(&V) -> String,
    out: &mut Vec<SchemaChange>,
    both: impl Fn(&K, &V, &V, &mut Vec<SchemaChange>),
) {
    for (key, b) in before {
        match after.get(key) {
            Some(a) => both(key, b, a, out),
            None => out.push(one_sided(object(key), "missing", Some(describe(b)), None)),
        }
    }
    for (key, a) in after {
        if !before.contains_key(key) {
            out.push(one_sided(object(key), "added", None, Some(describe(a))));
        }
    }
}

fn changed(object: String, before: String, after: String) -> SchemaChange {
    one_sided(object, "changed", Some(before), Some(after))
}

fn describe_column(c: &ColumnSchema) -> String {
    let mut text = c.data_type.clone();
    if c.not_null {
        text.push_str(" not null");
    }
    if let Some(default) = &c.default {
        text.push_str(&format!(" default {default}"));
    }
    text
}

fn describe_constraint(c: &ConstraintSchema) -> String {
    if c.validated {
        c.definition.clone()
    } else {
        format!("{} NOT VALID", c.definition)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::verify::schema_snapshot::TableSchema;
    use crate::vocabulary::TableName;

    fn column(name: &str, data_type: &str, default: Option<&str>) -> ColumnSchema {
        ColumnSchema { name: name.into(), data_type: data_type.into(), not_null: true, default: default.map(str::to_string) }
    }

    fn snapshot(columns: Vec<ColumnSchema>, view: &str) -> SchemaSnapshot {
        let table = TableSchema { columns, primary_key: vec!["id".into()], constraints: BTreeMap::new(), indexes: BTreeMap::new() };
        SchemaSnapshot {
            tables: BTreeMap::from([(TableName::new("public", "users"), table)]),
            views: BTreeMap::from([(TableName::new("public", "active_users"), view.to_string())]),
            foreign_keys: Vec::new(),
            ..SchemaSnapshot::default()
        }
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let s = snapshot(vec![column("id", "uuid", None)], "SELECT 1");
        assert_eq!(diff(&s, &s), Vec::new());
    }

    #[test]
    fn types_defaults_order_and_views_are_each_a_change() {
        let before = snapshot(
            vec![column("id", "character varying(36)", None), column("n", "integer", Some("0"))],
            "SELECT id FROM users",
        );
        let after = snapshot(vec![column("n", "integer", None), column("id", "uuid", None)], "SELECT id FROM users WHERE n > 0");
        let changes = diff(&before, &after);
        let objects: Vec<&str> = changes.iter().map(|c| c.object.as_str()).collect();
        assert_eq!(
            objects,
            ["view public.active_users", "column public.users.id", "column public.users.n", "column order of public.users"]
        );
        assert_eq!(changes[1].before.as_deref(), Some("character varying(36) not null"));
        assert_eq!(changes[2].before.as_deref(), Some("integer not null default 0"));
        assert_eq!(changes[1].table, "public.users");
        assert_eq!(changes[0].table, "public.active_users");
    }
}
