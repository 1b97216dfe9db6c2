//! Pure planning of a comparison: which columns of a table survive from before to after,
//! which of them changed type (and so are compared under a cast), what key rows are matched
//! on, and which quarantine tables belong to the after side.

use super::error::VerifyError;
use super::projection::{ColumnProjection, Side, SourceProjection};
use super::schema_snapshot::TableSchema;
use crate::vocabulary::TableName;

/// Whether values are compared as the new type (content) or as raw text (rollback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastMode {
    /// Before-side values are cast to the after type where the types differ.
    ToAfterTypes,
    /// Values are compared as `::text` on both sides, byte for byte.
    RawText,
}

/// Both sides of one table's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePairing {
    pub table: TableName,
    /// The surviving columns, in before order.
    pub columns: Vec<String>,
    /// The columns rows are matched on (the primary key, or every column for a table
    /// without one, which makes the comparison a multiset comparison).
    pub key: Vec<String>,
    pub before: Side,
    pub after: Side,
}

/// Plans the comparison of `table` from `before` to `after` (plus `quarantine` tables of
/// the after database, each with its schema).
pub fn pair_table(
    table: &TableName,
    before: &TableSchema,
    after: &TableSchema,
    quarantine: &[(TableName, &TableSchema)],
    mode: CastMode,
) -> Result<TablePairing, VerifyError> {
    pair_table_by(table, before, after, quarantine, mode, None)
}

/// [`pair_table`], pairing rows by `match_by` (a column of both sides) when given: up
/// changes the primary key, so the key columns are left out of the comparison.
pub fn pair_table_by(
    table: &TableName,
    before: &TableSchema,
    after: &TableSchema,
    quarantine: &[(TableName, &TableSchema)],
    mode: CastMode,
    match_by: Option<&str>,
) -> Result<TablePairing, VerifyError> {
    let rekeyed = |name: &str| match_by.is_some_and(|k| k != name && (before.primary_key.iter().chain(&after.primary_key).any(|pk| pk == name)));
    let columns: Vec<String> = before
        .columns
        .iter()
        .filter(|c| after.column(&c.name).is_some() && !rekeyed(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if columns.is_empty() {
        return Err(VerifyError::NoCommonColumns { table: table.to_string() });
    }
    let key = match match_by {
        Some(k) if columns.iter().any(|c| c == k) => vec![k.to_string()],
        _ => choose_key(&columns, before, after),
    };
    let key_idx: Vec<usize> =
        key.iter().map(|k| columns.iter().position(|c| c == k).expect("key is a surviving column")).collect();
    let target = |name: &str| after.column(name).expect("surviving column").data_type.clone();
    let project = |schema: &TableSchema| -> Vec<ColumnProjection> {
        columns
            .iter()
            .map(|name| {
                let own = schema.column(name).map(|c| c.data_type.clone()).unwrap_or_default();
                let (cast_to, compared_as) = match mode {
                    CastMode::ToAfterTypes if own != target(name) => (Some(target(name)), target(name)),
                    CastMode::ToAfterTypes => (None, own),
                    // Raw text compares text: a type the other side does not share is
                    // compared (and hashed) by its text.
                    CastMode::RawText if own == target(name) && before.column(name).is_some_and(|c| c.data_type == own) => (None, own),
                    CastMode::RawText => (None, "text".to_string()),
                };
                ColumnProjection { name: name.clone(), cast_to, compared_as }
            })
            .collect()
    };
    let before_side = Side {
        sources: vec![SourceProjection {
            table: table.clone(),
            columns: project(before),
            key: key_idx.clone(),
            is_quarantine: false,
        }],
    };
    let mut after_sources = vec![SourceProjection {
        table: table.clone(),
        columns: project(after),
        key: key_idx.clone(),
        is_quarantine: false,
    }];
    for (q_table, q_schema) in quarantine {
        if columns.iter().all(|c| q_schema.column(c).is_some()) {
            after_sources.push(SourceProjection {
                table: q_table.clone(),
                columns: project(q_schema),
                key: key_idx.clone(),
                is_quarantine: true,
            });
        }
    }
    Ok(TablePairing { table: table.clone(), columns, key, before: before_side, after: Side { sources: after_sources } })
}

/// The after table's primary key if it survived, else the before table's, else all
/// surviving columns.
fn choose_key(columns: &[String], before: &TableSchema, after: &TableSchema) -> Vec<String> {
    let survives = |pk: &[String]| !pk.is_empty() && pk.iter().all(|k| columns.contains(k));
    if survives(&after.primary_key) {
        after.primary_key.clone()
    } else if survives(&before.primary_key) {
        before.primary_key.clone()
    } else {
        columns.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::verify::schema_snapshot::ColumnSchema;

    fn schema(cols: &[(&str, &str)], pk: &[&str]) -> TableSchema {
        TableSchema {
            columns: cols
                .iter()
                .map(|(n, t)| ColumnSchema {
                    name: n.to_string(),
                    data_type: t.to_string(),
                    not_null: false,
                    default: None,
                })
                .collect(),
            primary_key: pk.iter().map(|s| s.to_string()).collect(),
            constraints: BTreeMap::new(),
            indexes: BTreeMap::new(),
        }
    }

    #[test]
    fn changed_types_are_cast_on_the_before_side_only() {
        let before = schema(&[("id", "character varying(36)"), ("name", "text"), ("gone", "int")], &["id"]);
        let after = schema(&[("id", "uuid"), ("name", "text"), ("added", "int")], &["id"]);
        let q = schema(&[("id", "character varying(36)"), ("name", "text"), ("reason", "text")], &[]);
        let t = TableName::new("public", "users");
        let qt = TableName::new("migration_quarantine", "users");
        let p = pair_table(&t, &before, &after, &[(qt, &q)], CastMode::ToAfterTypes).unwrap();
        assert_eq!(p.columns, vec!["id", "name"]);
        assert_eq!(p.key, vec!["id"]);
        assert_eq!(p.before.sources[0].columns[0].cast_to.as_deref(), Some("uuid"));
        assert_eq!(p.before.sources[0].columns[1].cast_to, None);
        assert!(p.after.sources[0].columns.iter().all(|c| c.cast_to.is_none()));
        assert_eq!(p.after.sources.len(), 2);
        assert_eq!(p.after.sources[1].columns[0].cast_to.as_deref(), Some("uuid"));
        let raw = pair_table(&p.table, &before, &after, &[], CastMode::RawText).unwrap();
        assert!(raw.before.sources[0].columns.iter().all(|c| c.cast_to.is_none()));
    }

    #[test]
    fn match_by_pairs_on_the_declared_key_and_leaves_the_rekeyed_key_out() {
        let before = schema(&[("id", "integer"), ("email", "text"), ("name", "text")], &["id"]);
        let after = schema(&[("id", "uuid"), ("email", "text"), ("name", "text")], &["id"]);
        let t = TableName::new("public", "users");
        let p = pair_table_by(&t, &before, &after, &[], CastMode::ToAfterTypes, Some("email")).unwrap();
        assert_eq!((p.columns.clone(), p.key.clone()), (vec!["email".to_string(), "name".to_string()], vec!["email".to_string()]));
        assert!(p.before.sources[0].columns.iter().all(|c| c.cast_to.is_none()));
        assert_eq!(pair_table_by(&t, &before, &after, &[], CastMode::ToAfterTypes, None).unwrap().key, vec!["id"]);
    }

    #[test]
    fn a_table_without_key_is_matched_on_every_column() {
        let s = schema(&[("a", "int"), ("b", "text")], &[]);
        let p = pair_table(&TableName::new("public", "log"), &s, &s, &[], CastMode::RawText).unwrap();
        assert_eq!(p.key, vec!["a", "b"]);
    }
}
