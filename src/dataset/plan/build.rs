//! `SeedPlan::build`: from a scenario and a schema to the full plan, table by table in
//! dependency order so each table sees its parents' rows and anomalies.

use std::collections::{BTreeMap, BTreeSet};

use super::anomalies::{plan_anomalies, AnomalyContext, TableRequest};
use super::columns::{plan_columns, ColumnContext};
use super::order::{load_order, parents};
use super::pick::CleanRows;
use super::types::{ColumnGen, Pick, SeedPlan, TablePlan};
use crate::dataset::error::SeedError;
use crate::dataset::generate::rng::{mix, name_hash};
use super::value_columns::ResolvedSource;
use crate::dataset::model::{ColumnId, ModelRelation, SchemaModel};
use crate::scenario::{ColumnName, ColumnValues, Scenario, ScenarioError};

/// Rows for a table with no parents that the scenario does not size.
const DEFAULT_ROOT_ROWS: u64 = 1000;
/// Rows per parent row for a child table the scenario does not size.
const DEFAULT_FAN_OUT: u64 = 2;

impl SeedPlan {
    pub fn build(scenario: &Scenario, model: &SchemaModel) -> Result<SeedPlan, SeedError> {
        scenario.check_against(model)?;
        let relations = scenario.relations(model)?;
        let load_order = load_order(model.tables.len(), &relations);
        let mut explicit_rows = BTreeMap::new();
        for (table, rows) in &scenario.rows {
            explicit_rows.insert(scenario.resolve_table(model, table)?, *rows);
        }
        let mut requests: BTreeMap<usize, Vec<(TableRequest, crate::scenario::Amount)>> = BTreeMap::new();
        for request in &scenario.anomalies {
            let id = scenario.resolve_column(model, &request.column)?;
            let planned = TableRequest { kind: request.kind, column: id.column, rows: 0, written: request.column.clone(), varieties: request.varieties.clone() };
            requests.entry(id.table).or_default().push((planned, request.amount));
        }
        let sources = resolve_sources(scenario, model)?;
        let mut planned: Vec<Option<TablePlan>> = vec![None; model.tables.len()];
        for &table in &load_order {
            let table_requests = requests.remove(&table).unwrap_or_default();
            let inputs = TableInputs { scenario, model, relations: &relations, planned: &planned, sources: &sources };
            let plan = plan_table(&inputs, table, explicit_rows.get(&table).copied(), table_requests)?;
            planned[table] = Some(plan);
        }
        check_copied_sources(scenario, &sources, &planned)?;
        Ok(SeedPlan {
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            tables: planned.into_iter().map(|p| p.expect("every table is planned")).collect(),
            load_order,
        })
    }
}

/// What planning one table reads besides the table itself.
struct TableInputs<'a> {
    scenario: &'a Scenario,
    model: &'a SchemaModel,
    relations: &'a [ModelRelation],
    planned: &'a [Option<TablePlan>],
    sources: &'a [(ColumnId, ResolvedSource, &'a ColumnName)],
}

fn plan_table(inputs: &TableInputs<'_>, table: usize, explicit_rows: Option<u64>, requests: Vec<(TableRequest, crate::scenario::Amount)>) -> Result<TablePlan, SeedError> {
    let TableInputs { scenario, model, relations, planned, sources } = *inputs;
    let table_model = &model.tables[table];
    let salt = mix(&[scenario.seed, name_hash(&table_model.schema), name_hash(&table_model.name)]);
    let anomaly_columns: BTreeSet<usize> = requests.iter().map(|(r, _)| r.column).collect();
    let edge_per_million = (scenario.edge_rate * 1_000_000.0).round() as u64;
    let ctx = ColumnContext { model, table, salt, relations, anomaly_columns: &anomaly_columns, planned, edge_per_million, sources, scenario_path: &scenario.path };
    let (columns, combo) = plan_columns(&ctx)?;
    check_self_references(model, table, &columns)?;
    // Before the capacity: a parent without usable rows is the reason, not the key's size.
    check_parents_have_rows(model, planned, table, explicit_rows.unwrap_or(u64::MAX), &columns)?;
    let capacity = capacity(planned, &columns, combo.as_ref().map(|c| c.spread.n));
    let rows = match explicit_rows {
        Some(rows) if rows > capacity => {
            return Err(SeedError::RowCount { table: table_model.display_name(), rows, reason: format!("its key admits only {capacity} distinct rows given its parents' rows") });
        }
        Some(rows) => rows,
        None => default_rows(planned, relations, table).min(capacity),
    };
    let mut plan = TablePlan { rows, salt, columns, anomalies: BTreeMap::new(), clean: CleanRows::new(rows, Vec::new()), combo };
    let requests: Vec<TableRequest> = requests.into_iter().map(|(r, amount)| TableRequest { rows: amount.rows_for(r.kind, rows), ..r }).collect();
    let anomaly_ctx = AnomalyContext { scenario, model, relations, table, planned };
    plan.anomalies = plan_anomalies(&anomaly_ctx, &plan, &requests)?;
    plan.clean = CleanRows::new(rows, plan.anomalies.keys().copied().collect());
    Ok(plan)
}

/// The most rows the table's keys can hold distinct.
fn capacity(planned: &[Option<TablePlan>], columns: &[ColumnGen], combo_space: Option<u64>) -> u64 {
    let one_to_one = columns.iter().filter_map(|gen| match gen {
        ColumnGen::Reference { parent, pick: Pick::OneToOne { .. } } => planned[parent.table].as_ref().map(|p| p.clean.count()),
        _ => None,
    });
    one_to_one.chain(combo_space).min().unwrap_or(u64::MAX)
}

/// A table with rows needs rows without anomalies in every table it references; a table
/// given no rows (`rows` 0) needs nothing.
fn check_parents_have_rows(model: &SchemaModel, planned: &[Option<TablePlan>], table: usize, rows: u64, columns: &[ColumnGen]) -> Result<(), SeedError> {
    if rows == 0 {
        return Ok(());
    }
    for (column, gen) in columns.iter().enumerate() {
        let ColumnGen::Reference { parent, .. } = gen else { continue };
        let Some(parent_plan) = planned[parent.table].as_ref().filter(|_| parent.table != table) else { continue };
        if parent_plan.clean.count() == 0 {
            let from = model.column_name(ColumnId { table, column });
            return Err(SeedError::RowCount {
                table: model.tables[parent.table].display_name(),
                rows: parent_plan.rows,
                reason: format!("{from} references it but it has no rows without anomalies to point at"),
            });
        }
    }
    Ok(())
}

fn default_rows(planned: &[Option<TablePlan>], relations: &[ModelRelation], table: usize) -> u64 {
    parents(table, relations)
        .filter_map(|parent| planned[parent].as_ref().map(|p| p.rows.saturating_mul(DEFAULT_FAN_OUT)))
        .max()
        .unwrap_or(DEFAULT_ROOT_ROWS)
}

fn check_self_references(model: &SchemaModel, table: usize, columns: &[ColumnGen]) -> Result<(), SeedError> {
    for (column, gen) in columns.iter().enumerate() {
        if let ColumnGen::Reference { parent, .. } = gen {
            // Only a reference into this table indexes `columns`: another table's column
            // number may lie past this table's last column.
            if parent.table != table {
                continue;
            }
            let is_key = matches!(columns[parent.column], ColumnGen::UuidKey { .. } | ColumnGen::IntKey | ColumnGen::TextKey);
            if !is_key {
                let from = model.column_name(ColumnId { table, column });
                return Err(SeedError::RelationTargetNotKey { from, to: model.column_name(*parent) });
            }
        }
    }
    Ok(())
}

/// Resolves each `[[column]]` entry to its column and source; a `from` must name a column
/// that is not itself filled from another.
fn resolve_sources<'a>(scenario: &'a Scenario, model: &SchemaModel) -> Result<Vec<(ColumnId, ResolvedSource, &'a ColumnName)>, SeedError> {
    let mut resolved = Vec::new();
    for entry in &scenario.columns {
        let id = scenario.resolve_column(model, &entry.column)?;
        let source = match &entry.values {
            ColumnValues::List(values) => ResolvedSource::List(values.clone()),
            ColumnValues::From(from) => ResolvedSource::From(scenario.resolve_column(model, from)?),
        };
        resolved.push((id, source, &entry.column));
    }
    for (id, source, written) in &resolved {
        if let ResolvedSource::From(from) = source {
            if from == id || resolved.iter().any(|(other, s, _)| other == from && matches!(s, ResolvedSource::From(_))) {
                let message = format!("[[column]] {written}: `from` names a column that is itself filled from another column; point it at the original");
                return Err(ScenarioError::Invalid { path: scenario.path.clone(), location: written.location, message }.into());
            }
        }
    }
    Ok(resolved)
}

/// A `from` column needs rows to copy from.
fn check_copied_sources(scenario: &Scenario, sources: &[(ColumnId, ResolvedSource, &ColumnName)], planned: &[Option<TablePlan>]) -> Result<(), SeedError> {
    for (_, source, written) in sources {
        if let ResolvedSource::From(from) = source {
            if planned[from.table].as_ref().is_some_and(|p| p.clean.count() == 0) {
                let message = format!("[[column]] {written}: the table it copies from has no rows without anomalies to take values from");
                return Err(ScenarioError::Invalid { path: scenario.path.clone(), location: written.location, message }.into());
            }
        }
    }
    Ok(())
}
