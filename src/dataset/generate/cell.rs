//! Writes one cell, or one row, of COPY text from the plan. Every cell is a pure function
//! of (seed, table, row, column), so a parent's key is recomputed rather than stored.

use super::rng::CellRng;
use super::text_out::{push_escaped, push_u64, truncate_from, NULL};
use super::uuid_text::{canonical_bytes, push_canonical};
use crate::dataset::plan::{skewed, Cell, ColumnGen, Pick, RowAnomaly, SeedPlan, TablePlan};

/// Appends row `row` of `table`, tab-separated and newline-terminated.
pub fn write_row(plan: &SeedPlan, table: usize, row: u64, out: &mut Vec<u8>) {
    let table_plan = &plan.tables[table];
    let anomaly = table_plan.anomalies.get(&row);
    let mut first = true;
    for (column, gen) in table_plan.columns.iter().enumerate() {
        if matches!(gen, ColumnGen::Skip) {
            continue;
        }
        if !first {
            out.push(b'\t');
        }
        first = false;
        match anomaly.filter(|a| a.column == column) {
            Some(anomaly) => write_anomalous(plan, table, column, row, anomaly, out),
            None => write_generated(plan, table, column, row, out),
        }
    }
    out.push(b'\n');
}

/// Appends the cell at (`table`, `row`, `column`), anomalies included.
pub fn write_cell(plan: &SeedPlan, table: usize, column: usize, row: u64, out: &mut Vec<u8>) {
    match plan.tables[table].anomaly_at(row, column) {
        Some(anomaly) => write_anomalous(plan, table, column, row, anomaly, out),
        None => write_generated(plan, table, column, row, out),
    }
}

/// The cell as text (COPY escapes included), for ground truth and anomaly planning.
pub fn cell_text(plan: &SeedPlan, table: usize, column: usize, row: u64) -> Option<String> {
    let mut out = Vec::new();
    write_cell(plan, table, column, row, &mut out);
    (out != NULL).then(|| String::from_utf8_lossy(&out).into_owned())
}

fn write_anomalous(plan: &SeedPlan, table: usize, column: usize, row: u64, anomaly: &RowAnomaly, out: &mut Vec<u8>) {
    match &anomaly.cell {
        Cell::Text(text) => push_escaped(out, text),
        Cell::Null => out.extend_from_slice(NULL),
        Cell::ParentRow(parent_row) => match &plan.tables[table].columns[column] {
            ColumnGen::Reference { parent, .. } => write_cell(plan, parent.table, parent.column, *parent_row, out),
            _ => unreachable!("dependents are planned on reference columns only"),
        },
        Cell::Unchanged => write_generated(plan, table, column, row, out),
    }
}

fn write_generated(plan: &SeedPlan, table: usize, column: usize, row: u64, out: &mut Vec<u8>) {
    let table_plan = &plan.tables[table];
    match &table_plan.columns[column] {
        ColumnGen::Skip => {}
        ColumnGen::UuidKey { salt } => push_canonical(out, &canonical_bytes(*salt, row)),
        ColumnGen::IntKey => push_u64(out, row + 1),
        ColumnGen::TextKey => {
            out.extend_from_slice(b"k");
            push_u64(out, row + 1);
        }
        ColumnGen::Reference { parent, .. } => match pick_parent(plan, table, column, row) {
            Some(parent_row) => write_cell(plan, parent.table, parent.column, parent_row, out),
            None => out.extend_from_slice(NULL),
        },
        ColumnGen::Copied { source, null_per_mille } => {
            let mut rng = CellRng::new(table_plan.salt, row, column);
            let clean = &plan.tables[source.table].clean;
            if (*null_per_mille > 0 && rng.below(1000) < *null_per_mille) || clean.count() == 0 {
                out.extend_from_slice(NULL);
            } else {
                write_cell(plan, source.table, source.column, clean.nth(rng.below(clean.count())), out);
            }
        }
        ColumnGen::Value { .. } | ColumnGen::Listed { .. } => {
            if !write_value(table_plan, column, row, out) {
                out.extend_from_slice(NULL);
            }
        }
    }
}

/// Writes a value or listed cell from the table's own plan; `false` (nothing written)
/// for NULL.
fn write_value(table_plan: &TablePlan, column: usize, row: u64, out: &mut Vec<u8>) -> bool {
    let mut rng = CellRng::new(table_plan.salt, row, column);
    match &table_plan.columns[column] {
        ColumnGen::Value { kind, max_len, null_per_mille, unique, edge, is_array } => {
            if *null_per_mille > 0 && rng.below(1000) < *null_per_mille {
                return false;
            }
            // The edge draw has its own stream, so regular values do not depend on the rate.
            let mut edge_rng = CellRng::new(table_plan.salt ^ EDGE_STREAM, row, column);
            let edge = edge.filter(|e| edge_rng.below(1_000_000) < e.per_million);
            let start = out.len();
            match (edge, is_array) {
                (Some(_), true) => out.extend_from_slice(b"{}"),
                (Some(edge), false) => {
                    edge.kind.write(&mut edge_rng, out);
                    kind.write_row_suffix(unique.then_some(row), out);
                }
                (None, true) => write_array(&mut rng, *max_len, |rng, element| kind.write(rng, None, element), out),
                (None, false) => {
                    kind.write(&mut rng, unique.then_some(row), out);
                    truncate_from(out, start, *max_len);
                }
            }
            true
        }
        ColumnGen::Listed { values, null_per_mille, is_array } => {
            if *null_per_mille > 0 && rng.below(1000) < *null_per_mille {
                return false;
            }
            let pick = |rng: &mut CellRng| values[rng.below(values.len() as u64) as usize].as_str();
            if *is_array {
                write_array(&mut rng, None, |rng, element| element.extend_from_slice(pick(rng).as_bytes()), out);
            } else {
                push_escaped(out, pick(&mut rng));
            }
            true
        }
        _ => unreachable!("only value and listed columns are written here"),
    }
}

/// Salts the stream that decides edge values apart from the regular value's stream.
const EDGE_STREAM: u64 = 0x6564_6765_7661_6c73;

/// An array literal of one to three elements, each double-quoted.
fn write_array(rng: &mut CellRng, max_len: Option<usize>, mut element: impl FnMut(&mut CellRng, &mut Vec<u8>), out: &mut Vec<u8>) {
    let mut literal = String::from("{");
    for i in 0..1 + rng.below(3) {
        if i > 0 {
            literal.push(',');
        }
        let mut raw = Vec::new();
        element(rng, &mut raw);
        truncate_from(&mut raw, 0, max_len);
        literal.push('"');
        for ch in String::from_utf8_lossy(&raw).chars() {
            if matches!(ch, '"' | '\\') {
                literal.push('\\');
            }
            literal.push(ch);
        }
        literal.push('"');
    }
    literal.push('}');
    push_escaped(out, &literal);
}

/// The parent row a generated reference points at; `None` for a self-reference root.
pub fn pick_parent(plan: &SeedPlan, table: usize, column: usize, row: u64) -> Option<u64> {
    let table_plan = &plan.tables[table];
    let ColumnGen::Reference { parent, pick } = &table_plan.columns[column] else { return None };
    let clean = &plan.tables[parent.table].clean;
    let k = match pick {
        Pick::Skewed { spread } => spread.apply(skewed(spread.n, CellRng::new(table_plan.salt, row, column).unit())),
        Pick::SelfRef { nullable } => {
            let below = clean.count_below(row);
            if below == 0 {
                return if *nullable { None } else { Some(row) };
            }
            skewed(below, CellRng::new(table_plan.salt, row, column).unit())
        }
        Pick::OneToOne { spread } => spread.apply(row),
        Pick::SameRowAs { column } => return pick_parent(plan, table, *column, row),
        Pick::ComboDigit { digit } => {
            let combo = table_plan.combo.as_ref().expect("combo digits come with a combo");
            let mut c = combo.spread.apply(row);
            for size in &combo.sizes[..*digit] {
                c /= size;
            }
            c % combo.sizes[*digit]
        }
    };
    Some(clean.nth(k))
}

/// The generated (pre-anomaly) text of a key or value cell, from the table's own plan
/// alone; `None` for references and NULLs. Used while anomalies are being planned, before
/// the whole [`SeedPlan`] exists.
pub fn generated_text(table_plan: &TablePlan, column: usize, row: u64) -> Option<String> {
    let mut out = Vec::new();
    match &table_plan.columns[column] {
        ColumnGen::UuidKey { salt } => push_canonical(&mut out, &canonical_bytes(*salt, row)),
        ColumnGen::IntKey => push_u64(&mut out, row + 1),
        ColumnGen::TextKey => {
            out.extend_from_slice(b"k");
            push_u64(&mut out, row + 1);
        }
        ColumnGen::Value { .. } | ColumnGen::Listed { .. } => {
            if !write_value(table_plan, column, row, &mut out) {
                return None;
            }
        }
        ColumnGen::Skip | ColumnGen::Reference { .. } | ColumnGen::Copied { .. } => return None,
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}
