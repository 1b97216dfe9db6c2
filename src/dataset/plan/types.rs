//! The seed plan: for every table, how many rows, how each column is filled, and which
//! rows carry which anomaly. Pure data; generation only reads it.

use std::collections::BTreeMap;

use super::pick::{Affine, CleanRows};
use crate::dataset::generate::edge::EdgeKind;
use crate::dataset::generate::values::ValueKind;
use crate::dataset::model::ColumnId;
use crate::dataset::AnomalyKind;

#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub scenario: String,
    pub seed: u64,
    /// Indexed like [`crate::dataset::SchemaModel::tables`].
    pub tables: Vec<TablePlan>,
    /// Parents before children.
    pub load_order: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub rows: u64,
    /// Seeds every cell of this table.
    pub salt: u64,
    pub columns: Vec<ColumnGen>,
    /// Row number → its anomaly; a row carries at most one.
    pub anomalies: BTreeMap<u64, RowAnomaly>,
    /// The rows children may point at: all but the anomalous ones.
    pub clean: CleanRows,
    /// For a key made only of references: the permutation of their combinations.
    pub combo: Option<Combo>,
}

#[derive(Debug, Clone)]
pub enum ColumnGen {
    /// A generated column: left out of COPY.
    Skip,
    /// Canonical UUID text unique by construction, from this key-space salt.
    UuidKey { salt: u64 },
    /// `row + 1`.
    IntKey,
    /// A short text key unique by construction.
    TextKey,
    Reference { parent: ColumnId, pick: Pick },
    Value { kind: ValueKind, max_len: Option<usize>, null_per_mille: u64, unique: bool, edge: Option<Edge>, is_array: bool },
    /// One of a list, picked uniformly: an enum's labels, a CHECK's `IN` list, or a
    /// `[[column]]`'s `values`.
    Listed { values: Vec<String>, null_per_mille: u64, is_array: bool },
    /// The value of a clean row of another column (`[[column]] from`).
    Copied { source: ColumnId, null_per_mille: u64 },
}

/// How often a value column takes a value from the edges of its type's domain, and which.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub kind: EdgeKind,
    /// Rows per million, from `[values] edge_rate`.
    pub per_million: u64,
}

/// How a child row chooses its parent row.
#[derive(Debug, Clone)]
pub enum Pick {
    /// Zipf-like: a few parents get thousands of children, most a handful.
    Skewed { spread: Affine },
    /// A row of the same table with a lower row number; the first rows are roots.
    SelfRef { nullable: bool },
    /// Each parent at most once (the reference column is unique).
    OneToOne { spread: Affine },
    /// One digit of the table's combination (a key made only of references).
    ComboDigit { digit: usize },
    /// The parent row this table's `column` picked: the later columns of a multi-column
    /// FK follow its first, so the tuple is a parent's.
    SameRowAs { column: usize },
}

/// Distinct combinations for a key made only of references.
#[derive(Debug, Clone)]
pub struct Combo {
    /// Clean parent counts, one per digit.
    pub sizes: Vec<u64>,
    /// Spreads row numbers over the product of `sizes`.
    pub spread: Affine,
}

#[derive(Debug, Clone)]
pub struct RowAnomaly {
    pub column: usize,
    pub kind: AnomalyKind,
    pub variety: Option<&'static str>,
    pub cell: Cell,
    /// The other row involved: a case collision's twin, a duplicate's source, a dependent's
    /// bad parent, as (table, row).
    pub related: Option<(usize, u64)>,
    /// For an orphan: the table its reference should have pointed into.
    pub related_table: Option<usize>,
}

/// What an anomalous cell holds.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Null,
    /// The key of this row of the column's parent.
    ParentRow(u64),
    /// As generated: the row is anomalous through its pairing (a collision's canonical twin).
    Unchanged,
}

impl TablePlan {
    pub fn anomaly_at(&self, row: u64, column: usize) -> Option<&RowAnomaly> {
        self.anomalies.get(&row).filter(|anomaly| anomaly.column == column)
    }
}
