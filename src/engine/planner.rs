//! Builds a [`Plan`] from [`CatalogFacts`]: pure, so it is unit-tested without a database.
//! Starting at the root column, every column that references a converted column (by a
//! foreign key, possibly composite, or a declared relation) is converted too.

use crate::vocabulary::{ColumnRef, DeclaredRelation};
use super::conversion::Conversion;
use super::facts::{CatalogFacts, ConstraintFacts, TableFacts, ViewFacts};
use super::plan::{Enforcement, Plan, Reference, TablePlan};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("find column {0}: no such table or column")]
    NoSuchColumn(String),
    #[error("convert {column}: its type `{data_type}` cannot be converted to {target}")]
    UnsupportedType { column: String, data_type: String, target: String },
    #[error("page through {0}: the table has no primary key, and batches use keyset pagination on it")]
    NoPrimaryKey(String),
    #[error("mirror index {index}: it has an expression or predicate over converted column {column}; rewrite it by hand")]
    ExpressionIndex { index: String, column: String },
    #[error("rebuild materialized view {0}: materialized views over converted columns are not supported")]
    MaterializedView(String),
    #[error("keep foreign key {constraint}: converted column {column} references {referenced}, which is not converted")]
    ReferencesUnconverted { constraint: String, column: String, referenced: String },
    #[error("rebuild {table}: {what}; convert it with `--convert in-place` (scenario: `convert = \"in-place\"`) or remove that first")]
    CannotRebuild { table: String, what: String },
    #[error("convert {table} in place: its {what} would fire on every batch's UPDATE and change rows that rollback cannot restore; {why}")]
    TriggersWouldFire { table: String, what: String, why: String },
    #[error("the engine's role {role} lacks what the migration needs: {missing}; grant it (or run as the tables' owner) and run again: nothing was changed")]
    MissingPrivileges { role: String, missing: String },
}

/// Plans the conversion of `root` and everything that references it.
pub fn build(facts: &CatalogFacts, root: &ColumnRef, declared: &[DeclaredRelation], conversion: Conversion) -> Result<Plan, PlanError> {
    let mut converted: Vec<ColumnRef> = vec![root.clone()];
    check_column(facts, root, &conversion)?;
    // Both ends of a declared relation must exist, whether or not the plan reaches them:
    // a misspelt parent would otherwise leave its child unconverted without a word.
    for rel in declared {
        for column in [&rel.child, &rel.parent] {
            facts.table(&column.schema, &column.table).and_then(|t| t.column(&column.column)).ok_or_else(|| PlanError::NoSuchColumn(column.to_string()))?;
        }
    }
    let mut grew = true;
    while grew {
        grew = false;
        for (child, _) in candidate_children(facts, declared, &converted) {
            if !converted.contains(&child) {
                check_column(facts, &child, &conversion)?;
                converted.push(child);
                grew = true;
            }
        }
    }
    let tables = table_plans(facts, &converted)?;
    let is_conv = |schema: &str, table: &str, col: &str| converted.iter().any(|c| c.is_in(schema, table) && c.column == col);
    let foreign_keys: Vec<ConstraintFacts> = facts
        .constraints
        .iter()
        .filter(|c| c.kind == 'f' && c.columns.iter().any(|col| is_conv(&c.schema, &c.table, col)))
        .cloned()
        .collect();
    for fk in &foreign_keys {
        check_fk_targets(fk, &is_conv)?;
    }
    let key_constraints = facts
        .constraints
        .iter()
        .filter(|c| matches!(c.kind, 'p' | 'u') && c.columns.iter().any(|col| is_conv(&c.schema, &c.table, col)))
        .cloned()
        .collect();
    let mut indexes = Vec::new();
    for index in &facts.indexes {
        let on_converted: Vec<&ColumnRef> = converted.iter().filter(|c| c.is_in(&index.schema, &index.table)).collect();
        let in_keys = index.keys.iter().any(|k| k.column.as_ref().is_some_and(|col| on_converted.iter().any(|c| &c.column == col)));
        for c in &on_converted {
            if index.expression_columns.contains(&c.column) {
                return Err(PlanError::ExpressionIndex { index: index.name.clone(), column: c.to_string() });
            }
        }
        if in_keys {
            indexes.push(index.clone());
        }
    }
    let views = dependent_views(facts, &converted)?;
    let references = references(facts, declared, &foreign_keys, &converted);
    Ok(Plan { conversion, root: root.clone(), tables, foreign_keys, key_constraints, indexes, views, references, method: Default::default(), method_reason: None, rebuild: Default::default() })
}

fn check_column(facts: &CatalogFacts, column: &ColumnRef, conversion: &Conversion) -> Result<(), PlanError> {
    let found = facts.table(&column.schema, &column.table).and_then(|t| t.column(&column.column));
    let found = found.ok_or_else(|| PlanError::NoSuchColumn(column.to_string()))?;
    if !conversion.accepts(&found.data_type) {
        return Err(PlanError::UnsupportedType {
            column: column.to_string(),
            data_type: found.data_type.clone(),
            target: conversion.target_type().to_string(),
        });
    }
    Ok(())
}

/// Columns that reference a converted column, with where they point.
fn candidate_children(facts: &CatalogFacts, declared: &[DeclaredRelation], converted: &[ColumnRef]) -> Vec<(ColumnRef, ColumnRef)> {
    let mut found = Vec::new();
    for fk in facts.constraints.iter().filter(|c| c.kind == 'f') {
        let Some((ps, pt, pcols)) = &fk.referenced else { continue };
        for (child_col, parent_col) in fk.columns.iter().zip(pcols) {
            let parent = ColumnRef::new(ps, pt, parent_col);
            if converted.contains(&parent) {
                found.push((ColumnRef::new(&fk.schema, &fk.table, child_col), parent));
            }
        }
    }
    for rel in declared {
        if converted.contains(&rel.parent) {
            found.push((rel.child.clone(), rel.parent.clone()));
        }
    }
    found
}

fn check_fk_targets(fk: &ConstraintFacts, is_conv: &dyn Fn(&str, &str, &str) -> bool) -> Result<(), PlanError> {
    let Some((ps, pt, pcols)) = &fk.referenced else { return Ok(()) };
    for (child_col, parent_col) in fk.columns.iter().zip(pcols) {
        if is_conv(&fk.schema, &fk.table, child_col) && !is_conv(ps, pt, parent_col) {
            return Err(PlanError::ReferencesUnconverted {
                constraint: fk.name.clone(),
                column: ColumnRef::new(&fk.schema, &fk.table, child_col).to_string(),
                referenced: ColumnRef::new(ps, pt, parent_col).to_string(),
            });
        }
    }
    Ok(())
}

fn table_plans(facts: &CatalogFacts, converted: &[ColumnRef]) -> Result<Vec<TablePlan>, PlanError> {
    let mut tables: Vec<TablePlan> = Vec::new();
    for column in converted {
        let table: &TableFacts = facts.table(&column.schema, &column.table).ok_or_else(|| PlanError::NoSuchColumn(column.to_string()))?;
        let facts_col = table.column(&column.column).cloned().ok_or_else(|| PlanError::NoSuchColumn(column.to_string()))?;
        if let Some(existing) = tables.iter_mut().find(|t| t.schema == table.schema && t.name == table.name) {
            existing.columns.push(facts_col);
            continue;
        }
        if table.primary_key.is_empty() {
            return Err(PlanError::NoPrimaryKey(format!("{}.{}", table.schema, table.name)));
        }
        let primary_key = table
            .primary_key
            .iter()
            .map(|n| (n.clone(), table.column(n).map(|c| c.data_type.clone()).unwrap_or_default()))
            .collect();
        tables.push(TablePlan { schema: table.schema.clone(), name: table.name.clone(), primary_key, columns: vec![facts_col] });
    }
    for table in &mut tables {
        table.columns.sort_by_key(|c| c.attnum);
    }
    Ok(tables)
}

/// Views reading a converted column, then views reading those, in creation order.
fn dependent_views(facts: &CatalogFacts, converted: &[ColumnRef]) -> Result<Vec<ViewFacts>, PlanError> {
    let mut chosen: Vec<ViewFacts> = Vec::new();
    let mut grew = true;
    while grew {
        grew = false;
        for view in &facts.views {
            if chosen.iter().any(|v| v.schema == view.schema && v.name == view.name) {
                continue;
            }
            let reads_converted = view.reads.iter().any(|(s, t, c)| converted.contains(&ColumnRef::new(s, t, c)));
            let reads_chosen = view.reads.iter().any(|(s, t, _)| chosen.iter().any(|v| &v.schema == s && &v.name == t));
            if reads_converted || reads_chosen {
                if view.kind == 'm' {
                    return Err(PlanError::MaterializedView(format!("{}.{}", view.schema, view.name)));
                }
                chosen.push(view.clone());
                grew = true;
            }
        }
    }
    Ok(chosen)
}

fn references(facts: &CatalogFacts, declared: &[DeclaredRelation], fks: &[ConstraintFacts], converted: &[ColumnRef]) -> Vec<Reference> {
    let nullable = |schema: &str, table: &str, cols: &[String]| {
        facts.table(schema, table).is_some_and(|t| cols.iter().all(|c| t.column(c).is_some_and(|c| !c.not_null)))
    };
    let mut refs: Vec<Reference> = fks
        .iter()
        .filter_map(|fk| {
            let (ps, pt, pcols) = fk.referenced.clone()?;
            Some(Reference {
                nullable: nullable(&fk.schema, &fk.table, &fk.columns),
                child_schema: fk.schema.clone(),
                child_table: fk.table.clone(),
                child_columns: fk.columns.clone(),
                parent_schema: ps,
                parent_table: pt,
                parent_columns: pcols,
                enforcement: if fk.validated { Enforcement::Validated } else { Enforcement::NotValid },
                constraint: Some(fk.name.clone()),
            })
        })
        .collect();
    for rel in declared.iter().filter(|r| converted.contains(&r.parent)) {
        let cols = vec![rel.child.column.clone()];
        refs.push(Reference {
            nullable: nullable(&rel.child.schema, &rel.child.table, &cols),
            child_schema: rel.child.schema.clone(),
            child_table: rel.child.table.clone(),
            child_columns: cols,
            parent_schema: rel.parent.schema.clone(),
            parent_table: rel.parent.table.clone(),
            parent_columns: vec![rel.parent.column.clone()],
            enforcement: Enforcement::Declared,
            constraint: None,
        });
    }
    refs
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;
