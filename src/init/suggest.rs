//! What `init` proposes from a schema and the planner's row estimates, decided without
//! I/O: scaled row counts, the unenforced references a `*_id` text column suggests, the
//! anomalies worth injecting into uuid-looking text keys and their references, and the
//! migration to rehearse.

use crate::dataset::{AnomalyKind, BaseType, ColumnId, ColumnModel, SchemaModel, TableModel};

/// How the row counts are scaled from production.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Rows in the rehearsal per row in production, e.g. 0.01.
    pub factor: f64,
    /// No table gets fewer rows, so small tables still carry every anomaly.
    pub min_rows: u64,
}

/// The scenario `init` writes, before it is rendered as TOML.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// `(table, rows)`; empty when the planner had no estimates.
    pub rows: Vec<(String, u64)>,
    /// `(from, to)` as `table.column`.
    pub relations: Vec<(String, String)>,
    /// Injected as written.
    pub anomalies: Vec<Suggestion>,
    /// Worth a look, written commented out: keys the chosen migration does not convert.
    pub candidates: Vec<Suggestion>,
    pub migration: MigrationStub,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub kind: AnomalyKind,
    pub column: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MigrationStub {
    /// `migrations = "…"`: the user's own directory, relative to the scenario.
    Directory(String),
    /// The built-in uuid engine from this root key.
    Engine { root: String },
    /// Nothing to convert was found: a seed-only scenario with a commented stub.
    None,
}

/// Schemas that are pgrehearse's own bookkeeping, never the user's.
pub fn is_own_schema(schema: &str) -> bool {
    schema.starts_with("pgrehearse_")
}

/// Builds the draft. `estimates[t]` is table `t`'s `reltuples`, `None` when never analyzed.
pub fn draft(model: &SchemaModel, estimates: &[Option<f64>], scale: Scale, migrations: Option<String>) -> Draft {
    let tables: Vec<usize> = (0..model.tables.len()).filter(|&t| !is_own_schema(&model.tables[t].schema)).collect();
    let rows_of = |t: usize| estimates.get(t).copied().flatten().map(|n| ((n * scale.factor).round() as u64).max(scale.min_rows));
    let rows: Vec<(String, u64)> = tables.iter().filter_map(|&t| rows_of(t).map(|r| (model.tables[t].display_name(), r))).collect();
    let relations = unenforced_references(model, &tables);
    let keys: Vec<ColumnId> = tables.iter().filter_map(|&t| uuid_key(&model.tables[t]).map(|column| ColumnId { table: t, column })).collect();
    // The root converts the most references; ties go to the first table.
    let references_to = |key: ColumnId| -> Vec<(ColumnId, bool)> {
        let mut children: Vec<(ColumnId, bool)> = model.enforced_relations().iter().filter(|r| r.to == key).map(|r| (r.from, true)).collect();
        children.extend(relations.iter().filter(|(_, to)| *to == key).map(|(from, _)| (*from, false)));
        children
    };
    let root = keys.iter().copied().max_by_key(|&k| (references_to(k).len(), std::cmp::Reverse(k)));
    let rows_in = |t: usize| rows_of(t).unwrap_or(1000);
    let mut anomalies = Vec::new();
    let mut candidates = Vec::new();
    for &key in &keys {
        let target = if Some(key) == root { &mut anomalies } else { &mut candidates };
        let count = count_for(rows_in(key.table));
        for kind in [AnomalyKind::InvalidUuid, AnomalyKind::NoncanonicalUuid] {
            target.push(Suggestion { kind, column: model.column_name(key), count });
        }
        target.push(Suggestion { kind: AnomalyKind::CaseCollision, column: model.column_name(key), count: count + count % 2 });
        for (child, is_enforced) in references_to(key) {
            let count = count_for(rows_in(child.table));
            if !is_enforced {
                target.push(Suggestion { kind: AnomalyKind::Orphan, column: model.column_name(child), count });
                target.push(Suggestion { kind: AnomalyKind::Dependent, column: model.column_name(child), count });
            }
        }
    }
    let migration = match (migrations, root) {
        (Some(dir), _) => MigrationStub::Directory(dir),
        (None, Some(root)) => MigrationStub::Engine { root: model.column_name(root) },
        (None, None) => MigrationStub::None,
    };
    let relations = relations.iter().map(|(from, to)| (model.column_name(*from), model.column_name(*to))).collect();
    Draft { rows, relations, anomalies, candidates, migration }
}

/// A few anomalies per table, more in bigger tables, never enough to crowd out clean rows.
fn count_for(rows: u64) -> u64 {
    (rows / 100).clamp(2, 20).min(rows / 10).max(1)
}

/// A text primary key of one column that holds uuids by its look: `varchar(36)`,
/// `char(36)`, or a name that says uuid or guid.
fn uuid_key(table: &TableModel) -> Option<usize> {
    let [column] = table.primary_key[..] else { return None };
    is_uuid_text(&table.columns[column]).then_some(column)
}

fn is_uuid_text(column: &ColumnModel) -> bool {
    let name = column.name.to_ascii_lowercase();
    column.base == BaseType::Text && (column.max_len == Some(36) || name.contains("uuid") || name.contains("guid"))
}

/// Text columns named `<thing>_id`, of the same type as the single-column key of a table
/// named after `<thing>`, that no FK covers: references the database does not enforce.
/// `tables` are the tables to look in (and for parents among).
pub fn unenforced_references(model: &SchemaModel, tables: &[usize]) -> Vec<(ColumnId, ColumnId)> {
    let mut found = Vec::new();
    for &t in tables {
        let table = &model.tables[t];
        for (c, column) in table.columns.iter().enumerate() {
            let Some(thing) = column.name.strip_suffix("_id").filter(|s| !s.is_empty()) else { continue };
            let covered = table.foreign_keys.iter().any(|fk| fk.columns.contains(&c)) || table.primary_key == [c];
            if column.base != BaseType::Text || covered {
                continue;
            }
            let parents: Vec<ColumnId> = tables
                .iter()
                .filter(|&&p| names_thing(&model.tables[p].name, thing))
                .filter_map(|&p| {
                    let [key] = model.tables[p].primary_key[..] else { return None };
                    (model.tables[p].columns[key].sql_type == column.sql_type).then_some(ColumnId { table: p, column: key })
                })
                .collect();
            if let [parent] = parents[..] {
                found.push((ColumnId { table: t, column: c }, parent));
            }
        }
    }
    found
}

/// Whether a table name is the plural (or singular) of `thing`, perhaps after a prefix:
/// `users` for `user`, `categories` for `category`, `journal_entries` for `entry`.
fn names_thing(table: &str, thing: &str) -> bool {
    let forms = [thing.to_string(), format!("{thing}s"), format!("{thing}es"), thing.strip_suffix('y').map(|s| format!("{s}ies")).unwrap_or_default()];
    forms.iter().filter(|f| !f.is_empty()).any(|form| table == form || table.ends_with(&format!("_{form}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::ForeignKeyModel;

    fn column(name: &str, sql_type: &str, max_len: Option<usize>) -> ColumnModel {
        let base = if sql_type.starts_with("character") || sql_type == "text" { BaseType::Text } else { BaseType::Int8 };
        ColumnModel { name: name.into(), sql_type: sql_type.into(), base, max_len, not_null: true, is_generated: false, ..ColumnModel::default() }
    }

    fn table(name: &str, columns: Vec<ColumnModel>, fks: Vec<ForeignKeyModel>) -> TableModel {
        TableModel { schema: "public".into(), name: name.into(), columns, primary_key: vec![0], uniques: vec![], foreign_keys: fks, multi_column_checks: vec![], is_partitioned: false }
    }

    fn shop() -> SchemaModel {
        let uuid = "character varying(36)";
        SchemaModel {
            tables: vec![
                table("users", vec![column("id", uuid, Some(36))], vec![]),
                table("journal_entries", vec![column("id", uuid, Some(36)), column("user_id", uuid, Some(36)), column("device_id", uuid, Some(36))], vec![]),
                table("tags", vec![column("id", uuid, Some(36)), column("user_id", uuid, Some(36))], vec![ForeignKeyModel { columns: vec![1], ref_table: 0, ref_columns: vec![0] }]),
                table("entry_tags", vec![column("entry_id", "text", None), column("n", "bigint", None)], vec![]),
                table("counters", vec![column("id", "bigint", None)], vec![]),
            ],
        }
    }

    #[test]
    fn a_text_id_column_of_a_named_tables_key_type_without_fk_is_a_relation() {
        let draft = draft(&shop(), &[], Scale { factor: 0.01, min_rows: 100 }, None);
        // tags.user_id has an FK; device_id names no table; entry_tags.entry_id is text, not varchar(36).
        assert_eq!(draft.relations, vec![("journal_entries.user_id".to_string(), "users.id".to_string())]);
    }

    #[test]
    fn rows_scale_with_a_floor_and_the_most_referenced_uuid_key_is_the_root() {
        let estimates = [Some(250_000.0), Some(3_000_000.0), Some(1_000.0), None, Some(0.0)];
        let draft = draft(&shop(), &estimates, Scale { factor: 0.01, min_rows: 100 }, None);
        assert_eq!(draft.rows, vec![("users".into(), 2500), ("journal_entries".into(), 30_000), ("tags".into(), 100), ("counters".into(), 100)]);
        assert_eq!(draft.migration, MigrationStub::Engine { root: "users.id".into() });
        let kinds: Vec<(AnomalyKind, &str)> = draft.anomalies.iter().map(|s| (s.kind, s.column.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (AnomalyKind::InvalidUuid, "users.id"),
                (AnomalyKind::NoncanonicalUuid, "users.id"),
                (AnomalyKind::CaseCollision, "users.id"),
                (AnomalyKind::Orphan, "journal_entries.user_id"),
                (AnomalyKind::Dependent, "journal_entries.user_id"),
            ]
        );
        assert!(draft.anomalies.iter().all(|s| s.kind != AnomalyKind::CaseCollision || s.count % 2 == 0));
        assert!(draft.candidates.iter().any(|s| s.column == "journal_entries.id"), "other uuid keys are only suggested");
    }

    #[test]
    fn a_migrations_directory_wins_over_the_engine() {
        let draft = draft(&shop(), &[], Scale { factor: 0.01, min_rows: 100 }, Some("../migrations".into()));
        assert_eq!(draft.migration, MigrationStub::Directory("../migrations".into()));
    }
}
