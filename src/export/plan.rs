//! The export plan (pure): each source table with its excluded columns dropped, every
//! column's mapping, and the key that orders its rows. Refuses what cannot be exported
//! before anything is written.

use std::collections::BTreeMap;

use super::catalog::{SourceColumn, SourceTable};
use super::error::ExportError;
use super::mapping::{Mapping, NumericMode};
use super::options::ColumnRef;

#[derive(Debug, Clone)]
pub struct ColumnPlan {
    pub source: SourceColumn,
    pub mapping: Mapping,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The source table with excluded columns (and the constraints on them) removed.
    pub source: SourceTable,
    /// The table's name in SQLite (SQLite has one namespace).
    pub name: String,
    pub columns: Vec<ColumnPlan>,
    /// Columns whose values order the row stream: the primary key, else a unique key of
    /// NOT NULL columns, else every column.
    pub key: Vec<usize>,
}

impl TablePlan {
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.source.name.as_str())
    }
}

/// Plans every table, or refuses: an excluded column that does not exist, a type with no
/// mapping, two schemas with the same table name.
pub fn plan(tables: Vec<SourceTable>, excluded: &[ColumnRef], numeric: NumericMode) -> Result<Vec<TablePlan>, ExportError> {
    for ex in excluded {
        let found = tables.iter().any(|t| ex.is_table(&t.schema, &t.name) && t.column_index(&ex.column).is_some());
        if !found {
            return Err(ExportError::BadOption {
                option: "--exclude-columns",
                given: format!("{}.{}", ex.table, ex.column),
                reason: "no such table and column among the exported tables".into(),
            });
        }
    }
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let dropped: Vec<(i64, String)> = tables
        .iter()
        .flat_map(|t| t.columns.iter().filter(|c| excluded.iter().any(|e| e.is_table(&t.schema, &t.name) && e.column == c.name)).map(|c| (t.oid, c.name.clone())))
        .collect();
    let mut plans = Vec::new();
    for table in tables {
        if let Some(first) = names.insert(table.name.clone(), table.schema.clone()) {
            return Err(ExportError::NameClash { name: table.name.clone(), first, second: table.schema.clone() });
        }
        let table = without_columns(table, &dropped);
        let mut columns = Vec::new();
        for column in &table.columns {
            let mapping = Mapping::of(&column.pg_type, numeric).ok_or_else(|| ExportError::Unsupported {
                table: table.qualified(),
                column: column.name.clone(),
                type_name: column.pg_type.declared.clone(),
            })?;
            columns.push(ColumnPlan { source: column.clone(), mapping });
        }
        let key = key_of(&table);
        plans.push(TablePlan { name: table.name.clone(), columns, key, source: table });
    }
    Ok(plans)
}

fn key_of(table: &SourceTable) -> Vec<usize> {
    if !table.primary_key.is_empty() {
        return table.primary_key.clone();
    }
    if let Some(unique) = table.uniques.iter().find(|u| u.iter().all(|&c| table.columns[c].not_null)) {
        return unique.clone();
    }
    (0..table.columns.len()).collect()
}

/// The table without the dropped columns of any table: positions renumbered, and every
/// key, foreign key, CHECK and index that involves a dropped column left out.
fn without_columns(mut table: SourceTable, dropped: &[(i64, String)]) -> SourceTable {
    let is_dropped = |oid: i64, name: &str| dropped.iter().any(|(o, n)| *o == oid && n == name);
    let keep: Vec<bool> = table.columns.iter().map(|c| !is_dropped(table.oid, &c.name)).collect();
    if keep.iter().all(|&k| k) && !dropped.iter().any(|(oid, _)| table.foreign_keys.iter().any(|f| f.parent == *oid)) {
        return table;
    }
    let mut renumber = Vec::new();
    let mut next = 0;
    for &k in &keep {
        renumber.push(if k { Some(next) } else { None });
        next += k as usize;
    }
    let map_all = |cols: &[usize]| -> Option<Vec<usize>> { cols.iter().map(|&c| renumber[c]).collect() };
    let dropped_names: Vec<&str> = table.columns.iter().zip(&keep).filter(|(_, k)| !**k).map(|(c, _)| c.name.as_str()).collect();
    table.primary_key = map_all(&table.primary_key).unwrap_or_default();
    table.uniques = table.uniques.iter().filter_map(|u| map_all(u)).collect();
    table.foreign_keys = std::mem::take(&mut table.foreign_keys)
        .into_iter()
        .filter(|f| !f.parent_columns.iter().any(|p| is_dropped(f.parent, p)))
        .filter_map(|mut f| {
            f.columns = map_all(&f.columns)?;
            Some(f)
        })
        .collect();
    // A CHECK on a dropped column would name a column that no longer exists.
    table.checks.retain(|(_, def)| !dropped_names.iter().any(|n| def.contains(n)));
    table.indexes = std::mem::take(&mut table.indexes)
        .into_iter()
        .filter_map(|mut i| {
            i.columns = i.columns.iter().map(|&(c, d)| renumber[c].map(|n| (n, d))).collect::<Option<Vec<_>>>()?;
            Some(i)
        })
        .collect();
    let mut index = 0;
    table.columns.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    table
}
