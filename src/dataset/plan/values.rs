//! The cell text of each anomaly kind, checked against the column it lands in: a uuid
//! anomaly needs uuid text that fits, an orphan needs an unenforced reference, and so on.

use std::collections::BTreeSet;

use super::anomalies::{not_applicable, relation_of, AnomalyContext, TableRequest};
use super::types::{Cell, ColumnGen, RowAnomaly, TablePlan};
use crate::dataset::anomaly::{InvalidVariety, NoncanonicalVariety};
use crate::dataset::generate::cell::generated_text;
use crate::dataset::generate::rng::{mix, name_hash};
use crate::dataset::generate::uuid_text::{canonical, has_letter, mixed_case};
use crate::dataset::generate::values::ValueKind;
use crate::dataset::model::BaseType;
use crate::dataset::AnomalyKind;
use crate::scenario::ScenarioError;

fn anomaly(request: &TableRequest, variety: Option<&'static str>, cell: Cell) -> RowAnomaly {
    RowAnomaly { column: request.column, kind: request.kind, variety, cell, related: None, related_table: None }
}

/// The canonical uuid text a uuid anomaly starts from, or why the column cannot take one.
fn uuid_base(ctx: &AnomalyContext<'_>, this: &TablePlan, request: &TableRequest, row: u64) -> Result<String, ScenarioError> {
    let column = &ctx.model.tables[ctx.table].columns[request.column];
    if column.base != BaseType::Text || column.max_len.is_some_and(|len| len < 36) {
        return Err(not_applicable(ctx, request, &format!("the column is {}, not uuid text (text or varchar(36+))", column.sql_type)));
    }
    let fresh = || canonical(mix(&[this.salt, request.column as u64, name_hash(request.kind.as_str())]), row);
    match &this.columns[request.column] {
        ColumnGen::UuidKey { salt } => Ok(canonical(*salt, row)),
        ColumnGen::Value { kind: ValueKind::UuidText, .. } => Ok(fresh()),
        ColumnGen::Reference { parent, .. } => {
            if relation_of(ctx, request.column).is_some_and(|r| r.is_enforced) {
                return Err(not_applicable(ctx, request, "an FK constraint enforces this reference, so its value must match a parent: put the anomaly on the parent's key instead"));
            }
            let parent_plan = if parent.table == ctx.table { this } else { ctx.planned[parent.table].as_ref().expect("parents are planned first") };
            match (&parent_plan.columns[parent.column], request.kind) {
                (_, AnomalyKind::InvalidUuid) => Ok(fresh()),
                (ColumnGen::UuidKey { salt }, _) => Ok(canonical(*salt, parent_plan.clean.nth(row % parent_plan.clean.count().max(1)))),
                _ => Err(not_applicable(ctx, request, "the referenced key is not uuid text")),
            }
        }
        _ => Err(not_applicable(ctx, request, "the column holds no uuid text")),
    }
}

pub fn invalid_text(ctx: &AnomalyContext<'_>, this: &TablePlan, request: &TableRequest, row: u64, i: u64, used_shared: &mut BTreeSet<(usize, &'static str)>) -> Result<RowAnomaly, ScenarioError> {
    let base = uuid_base(ctx, this, request, row)?;
    // A shared form ('' or 'null') in a reference could match a parent's invalid key by
    // text, which would make the row an unrecorded dependent; references get row-specific
    // forms only, as do unique columns after the first use of each shared form.
    let is_reference = matches!(this.columns[request.column], ColumnGen::Reference { .. });
    let is_unique = is_reference || ctx.model.tables[ctx.table].is_in_unique(request.column);
    let count = InvalidVariety::ALL.len() as u64;
    let variety = (0..count)
        .map(|step| InvalidVariety::ALL[((i + step) % count) as usize])
        .filter(|v| request.allows(v.as_str()))
        .find(|v| v.is_row_specific() || !is_unique || (!is_reference && !used_shared.contains(&(request.column, v.as_str()))))
        .ok_or_else(|| not_applicable(ctx, request, "the varieties picked (`empty`, `null_string`) are the same text in every row, and a reference or unique column takes each at most once: add a row-specific variety such as `too_short`"))?;
    if !variety.is_row_specific() {
        used_shared.insert((request.column, variety.as_str()));
    }
    Ok(anomaly(request, Some(variety.as_str()), Cell::Text(variety.apply(&base))))
}

pub fn noncanonical_text(ctx: &AnomalyContext<'_>, this: &TablePlan, request: &TableRequest, row: u64, i: u64) -> Result<RowAnomaly, ScenarioError> {
    let base = uuid_base(ctx, this, request, row)?;
    let allowed: Vec<NoncanonicalVariety> = NoncanonicalVariety::ALL.into_iter().filter(|v| request.allows(v.as_str())).collect();
    let variety = allowed[(i % allowed.len() as u64) as usize].usable_for(&base);
    Ok(anomaly(request, Some(variety.as_str()), Cell::Text(variety.apply(&base))))
}

/// Both halves of a case collision: one keeps its canonical key, the other gets the same
/// key in upper or mixed case. Each points at the other.
pub fn case_twin(ctx: &AnomalyContext<'_>, this: &TablePlan, request: &TableRequest, row: u64, twin: u64, i: u64) -> Result<(RowAnomaly, RowAnomaly), ScenarioError> {
    let table = &ctx.model.tables[ctx.table];
    if !matches!(this.columns[request.column], ColumnGen::UuidKey { .. }) || !table.is_single_unique(request.column) {
        return Err(not_applicable(ctx, request, "a case collision needs a uuid-text key column (a primary key or unique id)"));
    }
    let (keeper, changed) = if has_letter(&uuid_base(ctx, this, request, row)?) { (row, twin) } else { (twin, row) };
    let key = uuid_base(ctx, this, request, keeper)?;
    let uppercase = match (request.allows("uppercase"), request.allows("mixed_case")) {
        (true, true) => i.is_multiple_of(4),
        (upper, _) => upper,
    };
    let (variety, text) = if uppercase { ("uppercase", key.to_ascii_uppercase()) } else { ("mixed_case", mixed_case(&key)) };
    let first = RowAnomaly { related: Some((ctx.table, changed)), related_table: Some(ctx.table), ..anomaly(request, Some("canonical"), Cell::Unchanged) };
    let second = RowAnomaly { related: Some((ctx.table, keeper)), related_table: Some(ctx.table), ..anomaly(request, Some(variety), Cell::Text(text)) };
    Ok(if keeper == row { (first, second) } else { (second, first) })
}

pub fn orphan_text(ctx: &AnomalyContext<'_>, this: &TablePlan, request: &TableRequest, row: u64) -> Result<RowAnomaly, ScenarioError> {
    let Some(relation) = relation_of(ctx, request.column) else {
        return Err(not_applicable(ctx, request, "the column is not a reference: declare it with [[relation]] from/to"));
    };
    if relation.is_enforced {
        return Err(not_applicable(ctx, request, "an FK constraint enforces this reference, so an orphan cannot exist; orphans need a reference the database does not enforce"));
    }
    let parent_plan = if relation.to.table == ctx.table { this } else { ctx.planned[relation.to.table].as_ref().expect("parents are planned first") };
    let text = match &parent_plan.columns[relation.to.column] {
        ColumnGen::UuidKey { salt } => canonical(mix(&[*salt, name_hash("orphan")]), row),
        ColumnGen::IntKey => (parent_plan.rows + 1 + row).to_string(),
        _ => format!("orphan{row}"),
    };
    Ok(RowAnomaly { related_table: Some(relation.to.table), ..anomaly(request, None, Cell::Text(text)) })
}

/// Another row's value again, the same or differing in case or surrounding whitespace.
pub fn duplicate_text(ctx: &AnomalyContext<'_>, this: &TablePlan, request: &TableRequest, row: u64, source: u64, i: u64) -> Result<RowAnomaly, ScenarioError> {
    let table = &ctx.model.tables[ctx.table];
    let column = &table.columns[request.column];
    let is_text_value = matches!(this.columns[request.column], ColumnGen::Value { kind, is_array: false, .. } if kind.is_text());
    if !is_text_value || table.primary_key.contains(&request.column) {
        return Err(not_applicable(ctx, request, "a duplicate needs a text column that is not the primary key (for keys, use case_collision)"));
    }
    let original = generated_text(this, request.column, source).expect("anomaly columns have no natural NULLs");
    let varieties: &[&'static str] = if table.is_in_unique(request.column) { &["case", "whitespace"] } else { &["exact", "case", "whitespace"] };
    if !varieties.iter().any(|v| request.allows(v)) {
        return Err(not_applicable(ctx, request, "the column is unique, so an `exact` duplicate cannot exist: pick `case` or `whitespace`"));
    }
    let wanted = request.nth_allowed(varieties, i);
    let room = column.max_len.is_none_or(|len| original.chars().count() < len);
    let (variety, text) = match wanted {
        "case" if original.to_ascii_uppercase() != original => ("case", original.to_ascii_uppercase()),
        "case" if original.to_ascii_lowercase() != original => ("case", original.to_ascii_lowercase()),
        "exact" => ("exact", original.clone()),
        _ if room => ("whitespace", format!(" {original}")),
        _ => return Err(not_applicable(ctx, request, "the value has neither letters to change case nor room for whitespace")),
    };
    let _ = row;
    Ok(RowAnomaly { related: Some((ctx.table, source)), related_table: Some(ctx.table), ..anomaly(request, Some(variety), Cell::Text(text)) })
}
