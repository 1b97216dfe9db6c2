//! Children for non-canonical parents: rows that reference a parent whose key is
//! non-canonical uuid text, by exactly that text, so a migration that rewrites references
//! in child tables is tested on them too. Each is recorded as a `noncanonical_uuid` of the
//! child column naming its parent (`related`), which keeps the ground truth exact.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::anomalies::AnomalyContext;
use super::types::{Cell, ColumnGen, Pick, RowAnomaly, TablePlan};
use crate::dataset::generate::rng::{mix, name_hash};
use crate::dataset::model::BaseType;
use crate::dataset::AnomalyKind;

/// Random probes for a row without an anomaly before a scan from the last probe.
const PROBES: usize = 64;

/// Adds to `planned` one or two children (one for a unique reference) for every
/// non-canonical parent of each reference column, as far as the table has rows without an
/// anomaly, always leaving one: a table that references this one needs a row without an
/// anomaly to point at, and these children are the dataset's own, not asked for. Columns that cannot take the parent's exact text are left alone: a uuid column
/// (COPY would canonicalise it), one too short, a self-reference, or a column whose values
/// are drawn with others (a key of references, a multi-column FK).
pub fn inherit_noncanonical(ctx: &AnomalyContext<'_>, this: &TablePlan, planned: &mut BTreeMap<u64, RowAnomaly>) {
    let table = &ctx.model.tables[ctx.table];
    if table.primary_key.is_empty() {
        return; // the ground truth could not name the rows
    }
    let mut rng = ChaCha8Rng::seed_from_u64(mix(&[this.salt, name_hash("inherited noncanonical")]));
    for (column, gen) in this.columns.iter().enumerate() {
        let ColumnGen::Reference { parent, pick } = gen else { continue };
        let in_multi_column_fk = table.foreign_keys.iter().any(|fk| fk.columns.len() > 1 && fk.columns.contains(&column));
        if parent.table == ctx.table || in_multi_column_fk || !matches!(pick, Pick::Skewed { .. } | Pick::OneToOne { .. }) {
            continue;
        }
        let child = &table.columns[column];
        if child.base != BaseType::Text {
            continue;
        }
        let parent_plan = ctx.planned[parent.table].as_ref().expect("parents are planned first");
        let noncanonical = parent_plan.anomalies.iter().filter(|(_, a)| a.kind == AnomalyKind::NoncanonicalUuid && a.column == parent.column);
        for (i, (&parent_row, parent_anomaly)) in noncanonical.enumerate() {
            let Cell::Text(text) = &parent_anomaly.cell else { continue };
            if child.max_len.is_some_and(|len| text.chars().count() > len) {
                continue;
            }
            let children = if matches!(pick, Pick::OneToOne { .. }) { 1 } else { 1 + i as u64 % 2 };
            for _ in 0..children {
                let Some(row) = free_row(&mut rng, this.rows, planned) else { return };
                let anomaly = RowAnomaly {
                    column,
                    kind: AnomalyKind::NoncanonicalUuid,
                    variety: parent_anomaly.variety,
                    cell: Cell::ParentRow(parent_row),
                    related: Some((parent.table, parent_row)),
                    related_table: Some(parent.table),
                };
                planned.insert(row, anomaly);
            }
        }
    }
}

/// A row of `0..rows` that carries no anomaly yet, chosen by `rng`; `None` when at most
/// one such row is left.
fn free_row(rng: &mut ChaCha8Rng, rows: u64, planned: &BTreeMap<u64, RowAnomaly>) -> Option<u64> {
    if planned.len() as u64 + 1 >= rows {
        return None;
    }
    let mut row = 0;
    for _ in 0..PROBES {
        row = rng.gen_range(0..rows);
        if !planned.contains_key(&row) {
            return Some(row);
        }
    }
    (row..rows).chain(0..row).find(|r| !planned.contains_key(r))
}
