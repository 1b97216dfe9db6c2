//! Splits a table into fixed row ranges and renders each as about 1 MiB of COPY text, so
//! memory stays flat however large the table is.

use std::ops::Range;

use super::cell::write_row;
use crate::dataset::plan::SeedPlan;

/// Bytes per chunk: every `send()` of a COPY flushes, so chunks are about 1 MiB.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Renders rows from `rows.start` until about [`CHUNK_BYTES`] are written or the range
/// ends; returns the text and the next row.
pub fn render_chunk(plan: &SeedPlan, table: usize, rows: Range<u64>, out: &mut Vec<u8>) -> u64 {
    let mut row = rows.start;
    while row < rows.end && out.len() < CHUNK_BYTES {
        write_row(plan, table, row, out);
        row += 1;
    }
    row
}
