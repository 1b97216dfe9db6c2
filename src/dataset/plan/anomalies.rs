//! Chooses which rows of a table carry which anomaly, and what their cells hold. Rows are
//! sampled with a seeded ChaCha stream; each row carries at most one anomaly.

use std::collections::{BTreeMap, BTreeSet};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::types::{Cell, ColumnGen, RowAnomaly, TablePlan};
use super::values::{case_twin, duplicate_text, invalid_text, noncanonical_text, orphan_text};
use crate::dataset::generate::rng::{mix, name_hash};
use crate::dataset::model::{ColumnId, ModelRelation, SchemaModel};
use crate::dataset::AnomalyKind;
use crate::scenario::{ColumnName, Scenario, ScenarioError};

/// One `[[anomaly]]` resolved to a column of this table and a row count.
#[derive(Debug, Clone)]
pub struct TableRequest {
    pub kind: AnomalyKind,
    pub column: usize,
    pub rows: u64,
    pub written: ColumnName,
    /// The varieties the scenario picked; empty for all of the kind's.
    pub varieties: Vec<&'static str>,
}

impl TableRequest {
    /// Whether the scenario lets this request use `variety`.
    pub fn allows(&self, variety: &str) -> bool {
        self.varieties.is_empty() || self.varieties.contains(&variety)
    }

    /// The `i`-th variety of `all`, cycling through those the scenario allows.
    pub fn nth_allowed(&self, all: &[&'static str], i: u64) -> &'static str {
        let allowed: Vec<&'static str> = all.iter().copied().filter(|v| self.allows(v)).collect();
        allowed[(i % allowed.len() as u64) as usize]
    }
}

pub struct AnomalyContext<'a> {
    pub scenario: &'a Scenario,
    pub model: &'a SchemaModel,
    pub relations: &'a [ModelRelation],
    pub table: usize,
    pub planned: &'a [Option<TablePlan>],
}

pub fn plan_anomalies(ctx: &AnomalyContext<'_>, this: &TablePlan, requests: &[TableRequest]) -> Result<BTreeMap<u64, RowAnomaly>, ScenarioError> {
    let mut requests = requests.to_vec();
    requests.sort_by_key(|r| r.kind == AnomalyKind::Dependent);
    let needed: u64 = requests.iter().map(|r| if r.kind == AnomalyKind::Duplicate { 2 * r.rows } else { r.rows }).sum();
    if let Some(first) = requests.first() {
        if ctx.model.tables[ctx.table].primary_key.is_empty() {
            return Err(not_applicable(ctx, first, "the table has no primary key, so the ground truth could not name the rows"));
        }
        if needed > this.rows {
            return Err(not_applicable(ctx, first, &format!("the anomalies on this table need {needed} distinct rows but it has {}", this.rows)));
        }
    }
    let table = &ctx.model.tables[ctx.table];
    if let Some(request) = requests.iter().find(|r| table.foreign_keys.iter().any(|fk| fk.columns.len() > 1 && fk.columns.contains(&r.column))) {
        return Err(not_applicable(ctx, request, "the column is part of a multi-column foreign key, whose values always come whole from a parent row; put the anomaly on a single-column reference or key"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(mix(&[this.salt, name_hash("anomalies")]));
    let mut rows = rand::seq::index::sample(&mut rng, this.rows as usize, needed as usize).into_iter().map(|r| r as u64);
    let mut planned = BTreeMap::new();
    let mut used_shared_forms = BTreeSet::new();
    for request in &requests {
        for i in 0..request.rows {
            if request.kind == AnomalyKind::CaseCollision && i % 2 == 1 {
                continue; // the pair was placed at i - 1
            }
            let row = rows.next().expect("sampled enough rows");
            let anomaly = match request.kind {
                AnomalyKind::InvalidUuid => invalid_text(ctx, this, request, row, i, &mut used_shared_forms)?,
                AnomalyKind::NoncanonicalUuid => noncanonical_text(ctx, this, request, row, i)?,
                AnomalyKind::CaseCollision => {
                    let twin = rows.next().expect("sampled enough rows");
                    let (first, second) = case_twin(ctx, this, request, row, twin, i)?;
                    planned.insert(twin, second);
                    first
                }
                AnomalyKind::Orphan => orphan_text(ctx, this, request, row)?,
                AnomalyKind::Duplicate => duplicate_text(ctx, this, request, row, rows.next().expect("sampled enough rows"), i)?,
                AnomalyKind::Null => null_cell(ctx, request)?,
                AnomalyKind::Dependent => dependent_cell(ctx, this, &planned, request, i)?,
            };
            planned.insert(row, anomaly);
        }
    }
    super::inherited::inherit_noncanonical(ctx, this, &mut planned);
    Ok(planned)
}

pub fn not_applicable(ctx: &AnomalyContext<'_>, request: &TableRequest, reason: &str) -> ScenarioError {
    ScenarioError::AnomalyNotApplicable {
        path: ctx.scenario.path.clone(),
        location: request.written.location,
        kind: request.kind.to_string(),
        column: request.written.to_string(),
        reason: reason.to_string(),
    }
}

pub fn relation_of<'a>(ctx: &'a AnomalyContext<'_>, column: usize) -> Option<&'a ModelRelation> {
    let id = ColumnId { table: ctx.table, column };
    ctx.relations.iter().find(|r| r.from == id)
}

fn null_cell(ctx: &AnomalyContext<'_>, request: &TableRequest) -> Result<RowAnomaly, ScenarioError> {
    if ctx.model.tables[ctx.table].columns[request.column].not_null {
        return Err(not_applicable(ctx, request, "the column is declared NOT NULL, so the database already refuses NULL; pick a nullable column the application requires"));
    }
    Ok(RowAnomaly { column: request.column, kind: AnomalyKind::Null, variety: None, cell: Cell::Null, related: None, related_table: None })
}

/// A child pointing at a parent row that carries an anomaly which makes it set aside.
fn dependent_cell(ctx: &AnomalyContext<'_>, this: &TablePlan, planned_here: &BTreeMap<u64, RowAnomaly>, request: &TableRequest, i: u64) -> Result<RowAnomaly, ScenarioError> {
    let Some(ColumnGen::Reference { parent, .. }) = this.columns.get(request.column) else {
        return Err(not_applicable(ctx, request, "a dependent needs a reference column (an FK or a [[relation]])"));
    };
    let parent_anomalies = if parent.table == ctx.table { planned_here } else { &ctx.planned[parent.table].as_ref().expect("parents are planned first").anomalies };
    let bad: Vec<u64> = parent_anomalies
        .iter()
        .filter(|(_, a)| a.kind.makes_bad_parent() && (a.column == parent.column || matches!(a.kind, AnomalyKind::Orphan | AnomalyKind::Dependent)))
        .map(|(&row, _)| row)
        .collect();
    if bad.is_empty() {
        let reason = format!("{} has no bad rows to depend on: add an invalid_uuid or case_collision anomaly on it (or orphans/dependents in its table) first", ctx.model.column_name(*parent));
        return Err(not_applicable(ctx, request, &reason));
    }
    if ctx.model.tables[ctx.table].is_single_unique(request.column) && request.rows > bad.len() as u64 {
        return Err(not_applicable(ctx, request, &format!("the column is unique and only {} bad parent rows exist", bad.len())));
    }
    let parent_row = bad[(i % bad.len() as u64) as usize];
    Ok(RowAnomaly {
        column: request.column,
        kind: AnomalyKind::Dependent,
        variety: None,
        cell: Cell::ParentRow(parent_row),
        related: Some((parent.table, parent_row)),
        related_table: Some(parent.table),
    })
}
