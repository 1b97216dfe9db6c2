//! Writes one cell, or one row, of COPY text from the plan. Every cell is a pure function
//! of (seed, table, row, column), so a parent's key is recomputed rather than stored.

use super::rng::CellRng;
use super::text_out::{push_escaped, push_u64, truncate_from, NULL};
use super::uuid_text::{canonical_bytes, push_canonical};
use crate::dataset::plan::{skewed, Cell, ColumnGen, Pick, RowAnomaly, SeedPlan};

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
        ColumnGen::Value { kind, max_len, null_per_mille, unique } => {
            let mut rng = CellRng::new(table_plan.salt, row, column);
            if *null_per_mille > 0 && rng.below(1000) < *null_per_mille {
                out.extend_from_slice(NULL);
                return;
            }
            let start = out.len();
            kind.write(&mut rng, unique.then_some(row), out);
            truncate_from(out, start, *max_len);
        }
    }
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
pub fn generated_text(table_plan: &crate::dataset::plan::TablePlan, column: usize, row: u64) -> Option<String> {
    let mut out = Vec::new();
    match &table_plan.columns[column] {
        ColumnGen::UuidKey { salt } => push_canonical(&mut out, &canonical_bytes(*salt, row)),
        ColumnGen::IntKey => push_u64(&mut out, row + 1),
        ColumnGen::TextKey => {
            out.extend_from_slice(b"k");
            push_u64(&mut out, row + 1);
        }
        ColumnGen::Value { kind, max_len, null_per_mille, unique } => {
            let mut rng = CellRng::new(table_plan.salt, row, column);
            if *null_per_mille > 0 && rng.below(1000) < *null_per_mille {
                return None;
            }
            kind.write(&mut rng, unique.then_some(row), &mut out);
            truncate_from(&mut out, 0, *max_len);
        }
        ColumnGen::Skip | ColumnGen::Reference { .. } => return None,
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}
