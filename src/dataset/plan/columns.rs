//! Decides how each column of a table is filled: keys unique by construction, references
//! that pick a parent, or values from `fake`. Parents must already be planned.

use std::collections::BTreeSet;

use super::pick::Affine;
use super::types::{ColumnGen, Combo, Pick, TablePlan};
use super::value_columns::{plan_value, ResolvedSource, ValueContext};
use crate::scenario::ColumnName;
use crate::dataset::error::SeedError;
use crate::dataset::generate::rng::{mix, name_hash};
use crate::dataset::model::{BaseType, ColumnId, ModelRelation, SchemaModel, TableModel};

/// Share of NULLs in nullable value columns that no anomaly targets.
const NATURAL_NULL_PER_MILLE: u64 = 80;

pub struct ColumnContext<'a> {
    pub model: &'a SchemaModel,
    pub table: usize,
    pub salt: u64,
    pub relations: &'a [ModelRelation],
    /// Columns some anomaly targets: they get no natural NULLs, so every NULL is recorded.
    pub anomaly_columns: &'a BTreeSet<usize>,
    /// Plans of the tables already planned (the parents).
    pub planned: &'a [Option<TablePlan>],
    /// Edge values per million rows, from `[values] edge_rate`.
    pub edge_per_million: u64,
    /// The scenario's `[[column]]` entries, resolved, with where each was written.
    pub sources: &'a [(ColumnId, ResolvedSource, &'a ColumnName)],
    pub scenario_path: &'a std::path::Path,
}

pub fn plan_columns(ctx: &ColumnContext<'_>) -> Result<(Vec<ColumnGen>, Option<Combo>), SeedError> {
    let table = &ctx.model.tables[ctx.table];
    if table.is_partitioned {
        let reason = "it is partitioned, and pgrehearse does not yet route generated rows into partitions; seed a copy of the schema without PARTITION BY".to_string();
        return Err(SeedError::UnsupportedTable { table: table.display_name(), reason });
    }
    if let Some((name, definition)) = table.multi_column_checks.first() {
        let reason = format!("its CHECK constraint {name} ({definition}) spans several columns, which pgrehearse cannot satisfy yet; drop it from the rehearsal schema or open an issue");
        return Err(SeedError::UnsupportedTable { table: table.display_name(), reason });
    }
    check_multi_column_keys(ctx)?;
    let combo_key = combo_key(ctx);
    let mut columns = Vec::with_capacity(table.columns.len());
    for column in 0..table.columns.len() {
        columns.push(plan_column(ctx, column, combo_key.as_deref())?);
    }
    // A multi-column FK: its first column picks the parent row, the others copy the same
    // row's values, so the tuple is one that exists in the parent.
    for fk in table.foreign_keys.iter().filter(|fk| fk.columns.len() > 1) {
        let lead = fk.columns[0];
        if let ColumnGen::Reference { pick, .. } = &mut columns[lead] {
            let all_nullable = fk.columns.iter().all(|&c| !table.columns[c].not_null);
            if let Pick::SelfRef { nullable } = pick {
                *nullable = all_nullable;
            } else if table.is_unique_set(&fk.columns) {
                *pick = Pick::OneToOne { spread: Affine::new(parent_clean_count(ctx, relation_from(ctx, lead).expect("the lead is a reference")), mix(&[ctx.salt, lead as u64])) };
            }
        }
        for &column in &fk.columns[1..] {
            if let ColumnGen::Reference { pick, .. } = &mut columns[column] {
                *pick = Pick::SameRowAs { column: lead };
            }
        }
    }
    let combo = match combo_key {
        Some(key) => Some(plan_combo(ctx, &key)?),
        None => None,
    };
    Ok((columns, combo))
}

/// What a multi-column FK cannot share: a column with another FK (its values would have
/// to match two parents), or a key made only of references that takes in part of it (the
/// combinations would be drawn column by column, not per parent row).
fn check_multi_column_keys(ctx: &ColumnContext<'_>) -> Result<(), SeedError> {
    let table = &ctx.model.tables[ctx.table];
    let names = |columns: &[usize]| columns.iter().map(|&c| table.columns[c].name.as_str()).collect::<Vec<_>>().join(", ");
    for (i, fk) in table.foreign_keys.iter().enumerate().filter(|(_, fk)| fk.columns.len() > 1) {
        let shared = table.foreign_keys.iter().enumerate().find(|(j, other)| *j != i && other.columns.iter().any(|c| fk.columns.contains(c)));
        if let Some((_, other)) = shared {
            let reason = format!("its foreign keys ({}) and ({}) share a column, whose values would have to match two parents; drop one from the rehearsal schema", names(&fk.columns), names(&other.columns));
            return Err(SeedError::UnsupportedTable { table: table.display_name(), reason });
        }
        let mixed = std::iter::once(&table.primary_key).chain(table.uniques.iter()).find(|key| {
            let mut sorted_key = key.to_vec();
            sorted_key.sort_unstable();
            let mut sorted_fk = fk.columns.clone();
            sorted_fk.sort_unstable();
            key.len() >= 2 && sorted_key != sorted_fk && key.iter().any(|c| fk.columns.contains(c)) && key.iter().all(|&c| relation_from(ctx, c).is_some())
        });
        if let Some(key) = mixed {
            let reason = format!("its key ({}) is made of references and takes in part of the multi-column foreign key ({}), which pgrehearse cannot yet keep distinct", names(key), names(&fk.columns));
            return Err(SeedError::UnsupportedTable { table: table.display_name(), reason });
        }
    }
    Ok(())
}

/// Whether a column takes part in a foreign key of two or more columns.
fn in_multi_column_fk(table: &TableModel, column: usize) -> bool {
    table.foreign_keys.iter().any(|fk| fk.columns.len() > 1 && fk.columns.contains(&column))
}

fn relation_from<'a>(ctx: &ColumnContext<'a>, column: usize) -> Option<&'a ModelRelation> {
    let id = ColumnId { table: ctx.table, column };
    ctx.relations.iter().find(|r| r.from == id)
}

/// A primary key or unique constraint of two or more columns that are all references to
/// other tables: its rows are distinct combinations of parents.
fn combo_key(ctx: &ColumnContext<'_>) -> Option<Vec<usize>> {
    let table = &ctx.model.tables[ctx.table];
    std::iter::once(&table.primary_key)
        .chain(table.uniques.iter())
        .find(|key| key.len() >= 2 && key.iter().all(|&c| !in_multi_column_fk(table, c) && relation_from(ctx, c).is_some_and(|r| r.to.table != ctx.table)))
        .cloned()
}

fn plan_combo(ctx: &ColumnContext<'_>, key: &[usize]) -> Result<Combo, SeedError> {
    let sizes: Vec<u64> = key.iter().map(|&c| parent_clean_count(ctx, relation_from(ctx, c).expect("combo columns are references"))).collect();
    let space = sizes.iter().fold(1u64, |acc, &s| acc.saturating_mul(s));
    Ok(Combo { sizes, spread: Affine::new(space, mix(&[ctx.salt, name_hash("combo")])) })
}

/// The parent's rows a reference can point at; at least 1, so that a spread exists. A
/// table with rows whose parent has none is refused once its row count is known
/// (`build::check_parents_have_rows`).
fn parent_clean_count(ctx: &ColumnContext<'_>, relation: &ModelRelation) -> u64 {
    ctx.planned[relation.to.table].as_ref().expect("parents are planned first").clean.count().max(1)
}

fn plan_column(ctx: &ColumnContext<'_>, column: usize, combo_key: Option<&[usize]>) -> Result<ColumnGen, SeedError> {
    let table = &ctx.model.tables[ctx.table];
    let model = &table.columns[column];
    if model.is_generated {
        return Ok(ColumnGen::Skip);
    }
    let column_salt = mix(&[ctx.salt, column as u64]);
    if let Some(relation) = relation_from(ctx, column) {
        let pick = if relation.to.table == ctx.table {
            Pick::SelfRef { nullable: !model.not_null }
        } else if let Some(digit) = combo_key.and_then(|key| key.iter().position(|&c| c == column)) {
            Pick::ComboDigit { digit }
        } else if table.is_single_unique(column) {
            Pick::OneToOne { spread: Affine::new(parent_clean_count(ctx, relation), column_salt) }
        } else {
            Pick::Skewed { spread: Affine::new(parent_clean_count(ctx, relation), column_salt) }
        };
        if relation.to.table != ctx.table {
            check_key_target(ctx, relation)?;
        }
        return Ok(ColumnGen::Reference { parent: relation.to, pick });
    }
    if table.is_in_unique(column) {
        if let Some(key) = key_gen(table, column, column_salt) {
            return Ok(key);
        }
    }
    let unique = table.is_in_unique(column);
    let null_per_mille = if !model.not_null && !ctx.anomaly_columns.contains(&column) { NATURAL_NULL_PER_MILLE } else { 0 };
    let id = ColumnId { table: ctx.table, column };
    let source = ctx.sources.iter().find(|(target, _, _)| *target == id).map(|(_, source, written)| (source, *written, ctx.scenario_path));
    plan_value(&ValueContext { model: ctx.model, id, unique, null_per_mille, edge_per_million: ctx.edge_per_million, source })
}

/// A key column whose values are a pure function of the row number.
fn key_gen(table: &TableModel, column: usize, salt: u64) -> Option<ColumnGen> {
    let model = &table.columns[column];
    let name = model.name.to_ascii_lowercase();
    let is_uuid_like = name == "id" || name.ends_with("_id") || name.ends_with("uuid");
    let is_pk = table.primary_key.contains(&column);
    let fits_uuid = model.max_len.is_none_or(|len| len >= 36);
    match model.base {
        BaseType::Uuid => Some(ColumnGen::UuidKey { salt }),
        BaseType::Text if fits_uuid && (is_uuid_like || is_pk) => Some(ColumnGen::UuidKey { salt }),
        BaseType::Text if is_pk => Some(ColumnGen::TextKey),
        BaseType::Int2 | BaseType::Int4 | BaseType::Int8 | BaseType::Numeric => Some(ColumnGen::IntKey),
        _ => None,
    }
}

/// A reference target must be a column whose value for any row can be recomputed.
fn check_key_target(ctx: &ColumnContext<'_>, relation: &ModelRelation) -> Result<(), SeedError> {
    let parent = ctx.planned[relation.to.table].as_ref().expect("parents are planned first");
    let is_key = match &parent.columns[relation.to.column] {
        ColumnGen::UuidKey { .. } | ColumnGen::IntKey | ColumnGen::TextKey => true,
        ColumnGen::Reference { pick, .. } => matches!(pick, Pick::OneToOne { .. } | Pick::ComboDigit { .. }),
        // A unique value column (`REFERENCES users (email)`): its values are distinct by
        // construction, so a child copies the value of the parent row it picked.
        ColumnGen::Value { unique, .. } => *unique,
        _ => false,
    };
    if is_key {
        Ok(())
    } else {
        Err(SeedError::RelationTargetNotKey { from: ctx.model.column_name(relation.from), to: ctx.model.column_name(relation.to) })
    }
}
