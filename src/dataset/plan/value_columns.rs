//! Plans a column that holds values rather than keys or references: the scenario's
//! `[[column]]` source, a CHECK's `IN` list, an enum's labels, or a generated kind kept
//! inside the column's CHECK bounds, with edge values at the scenario's `edge_rate`.

use super::types::{ColumnGen, Edge};
use crate::dataset::check::Bounds;
use crate::dataset::error::SeedError;
use crate::dataset::generate::edge::EdgeKind;
use crate::dataset::generate::values::ValueKind;
use crate::dataset::model::{BaseType, ColumnId, ColumnModel, SchemaModel};
use crate::scenario::{ColumnName, ScenarioError};

/// A `[[column]]` entry resolved against the schema.
#[derive(Debug, Clone)]
pub enum ResolvedSource {
    List(Vec<String>),
    From(ColumnId),
}

/// What the value planner needs to know about one column besides its model.
pub struct ValueContext<'a> {
    pub model: &'a SchemaModel,
    pub id: ColumnId,
    pub unique: bool,
    pub null_per_mille: u64,
    /// Edge values per million rows.
    pub edge_per_million: u64,
    /// The scenario's `[[column]]` for this column, with where it was written.
    pub source: Option<(&'a ResolvedSource, &'a ColumnName, &'a std::path::Path)>,
}

pub fn plan_value(ctx: &ValueContext<'_>) -> Result<ColumnGen, SeedError> {
    let column = ctx.model.column(ctx.id);
    let bounds = read_bounds(ctx, column)?;
    if let Some((source, written, path)) = ctx.source {
        return plan_source(ctx, column, &bounds, source, written, path);
    }
    if let Some(values) = bounds.one_of.clone().or_else(|| (!column.labels.is_empty()).then(|| column.labels.clone())) {
        if values.is_empty() || ctx.unique {
            let reason = if ctx.unique { "it is unique but takes its values from a fixed list" } else { "no value satisfies its CHECK constraints" };
            return Err(SeedError::UnsupportedValues { column: ctx.model.column_name(ctx.id), reason: reason.into() });
        }
        return Ok(ColumnGen::Listed { values, null_per_mille: ctx.null_per_mille, is_array: column.is_array });
    }
    let Some(kind) = ValueKind::infer(column) else {
        if !column.not_null {
            return Ok(ColumnGen::Value { kind: ValueKind::Words, max_len: column.max_len, null_per_mille: 1000, unique: false, edge: None, is_array: false });
        }
        return Err(SeedError::UnsupportedColumn { column: ctx.model.column_name(ctx.id), sql_type: column.sql_type.clone() });
    };
    let kind = bounded_kind(ctx, kind, column, &bounds)?;
    let max_len = match (column.max_len, bounds.max_chars) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let edge = edge_kind(ctx, kind, column, &bounds, max_len).map(|kind| Edge { kind, per_million: ctx.edge_per_million });
    Ok(ColumnGen::Value { kind, max_len, null_per_mille: ctx.null_per_mille, unique: ctx.unique, edge, is_array: column.is_array })
}

/// Every CHECK on the column in one set of bounds, or the first one it cannot honour.
fn read_bounds(ctx: &ValueContext<'_>, column: &ColumnModel) -> Result<Bounds, SeedError> {
    let mut bounds = Bounds::default();
    for (name, definition) in &column.checks {
        let understood = bounds.add(&column.name, definition) || bounds.add("VALUE", definition);
        if !understood && ctx.source.is_none() {
            return Err(SeedError::UnsatisfiableCheck { column: ctx.model.column_name(ctx.id), constraint: name.clone(), definition: definition.clone() });
        }
    }
    if bounds.is_empty_range() {
        let constraint = column.checks.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(", ");
        return Err(SeedError::UnsupportedValues { column: ctx.model.column_name(ctx.id), reason: format!("no value satisfies its CHECK constraints together ({constraint})") });
    }
    Ok(bounds)
}

fn plan_source(ctx: &ValueContext<'_>, column: &ColumnModel, bounds: &Bounds, source: &ResolvedSource, written: &ColumnName, path: &std::path::Path) -> Result<ColumnGen, SeedError> {
    let invalid = |message: String| SeedError::Scenario(ScenarioError::Invalid { path: path.to_path_buf(), location: written.location, message });
    if ctx.unique {
        return Err(invalid(format!("[[column]] {written}: the column is unique, and values picked from a list or another column would repeat")));
    }
    match source {
        ResolvedSource::List(values) => {
            if let Some(value) = values.iter().find(|v| column.max_len.is_some_and(|len| v.chars().count() > len)) {
                return Err(invalid(format!("[[column]] {written}: the value `{value}` is longer than the column's {}", column.sql_type)));
            }
            if let (Some(allowed), Some(value)) = (&bounds.one_of, values.iter().find(|v| bounds.one_of.as_ref().is_some_and(|a| !a.contains(v)))) {
                return Err(invalid(format!("[[column]] {written}: the value `{value}` fails the column's CHECK constraint, which allows only {}", allowed.join(", "))));
            }
            Ok(ColumnGen::Listed { values: values.clone(), null_per_mille: ctx.null_per_mille, is_array: column.is_array })
        }
        ResolvedSource::From(source) => Ok(ColumnGen::Copied { source: *source, null_per_mille: ctx.null_per_mille }),
    }
}

/// Narrows a kind's regular range to the CHECK bounds.
fn bounded_kind(ctx: &ValueContext<'_>, kind: ValueKind, column: &ColumnModel, bounds: &Bounds) -> Result<ValueKind, SeedError> {
    let precision_cap = column.numeric.map(|(p, s)| 10u64.saturating_pow(p.saturating_sub(s)).saturating_sub(1));
    let narrow = |low: u64, high: u64, cap: Option<u64>| -> Result<(u64, u64), SeedError> {
        let high = cap.map_or(high, |c| high.min(c));
        let min = bounds.min.map(|m| m.ceil());
        let max = bounds.max.map(|m| m.floor());
        if max.is_some_and(|m| m < 0.0) {
            let reason = "its CHECK constraints allow only negative values, which pgrehearse does not generate: give the column its values with a [[column]] entry".to_string();
            return Err(SeedError::UnsupportedValues { column: ctx.model.column_name(ctx.id), reason });
        }
        let lo = min.map_or(low, |m| (m.max(0.0) as u64).max(low));
        let hi = max.map_or(high, |m| (m as u64).min(high));
        Ok(if lo <= hi { (lo, hi) } else { (min.map_or(0, |m| m.max(0.0) as u64), max.map_or(lo, |m| m as u64)) })
    };
    Ok(match kind {
        ValueKind::Integer { low, high } => {
            let (low, high) = narrow(low, high, None)?;
            ValueKind::Integer { low, high }
        }
        ValueKind::Numeric { low, high } => {
            let (low, high) = narrow(low, high, precision_cap)?;
            ValueKind::Numeric { low, high }
        }
        other => other,
    })
}

/// Characters an edge value in an indexed column may take: btree entries hold at most
/// 2704 bytes, and multi-byte text takes up to four bytes a character.
const INDEXED_TEXT: usize = 600;

/// Which edge values the column takes; `None` when edges are off, or when they could
/// break a unique constraint (kinds without a row suffix) or the column is a fixed list.
fn edge_kind(ctx: &ValueContext<'_>, kind: ValueKind, column: &ColumnModel, bounds: &Bounds, max_len: Option<usize>) -> Option<EdgeKind> {
    if ctx.edge_per_million == 0 || (ctx.unique && !kind.takes_row_suffix()) {
        return None;
    }
    // A unique value keeps room for its `-row` suffix.
    let suffix_room = if ctx.unique { 21 } else { 0 };
    let (type_min, type_max) = match column.base {
        BaseType::Int2 => (i16::MIN as i64, i16::MAX as i64),
        BaseType::Int4 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    };
    Some(match kind {
        ValueKind::Words | ValueKind::Title | ValueKind::Paragraph | ValueKind::PersonName => {
            // An indexed value must fit a btree entry (a third of a page).
            let limit = match (max_len, column.is_indexed) {
                (Some(len), true) => Some(len.min(INDEXED_TEXT)),
                (None, true) => Some(INDEXED_TEXT),
                (len, false) => len,
            };
            let max_chars = match limit {
                Some(len) if len < suffix_room + 8 => return None,
                Some(len) => Some(len - suffix_room),
                None => None,
            };
            EdgeKind::Text { max_chars, allow_empty: !bounds.non_empty && !ctx.unique }
        }
        ValueKind::UuidText if !ctx.unique => EdgeKind::Uuid,
        ValueKind::Timestamp { with_zone } => EdgeKind::Timestamp { with_zone },
        ValueKind::Date => EdgeKind::Date,
        ValueKind::Integer { .. } => {
            let min = bounds.min.map_or(type_min, |m| (m.ceil() as i64).max(type_min));
            let max = bounds.max.map_or(type_max, |m| (m.floor() as i64).min(type_max));
            EdgeKind::Integer { min, max }
        }
        ValueKind::Numeric { .. } if column.base == BaseType::Float => {
            if bounds.min.is_some() || bounds.max.is_some() {
                return None;
            }
            EdgeKind::Float { is_real: column.sql_type == "real" }
        }
        ValueKind::Numeric { .. } if bounds.max.is_some() && bounds.min.is_none() => return None,
        ValueKind::Numeric { .. } => EdgeKind::Numeric { precision_scale: column.numeric, bounds: (bounds.min, bounds.max) },
        ValueKind::Json => EdgeKind::Json,
        ValueKind::Bytea => EdgeKind::Bytea,
        _ => return None,
    })
}
