//! The validated scenario: names checked for shape, files found, amounts sane. Table and
//! column names are resolved against the schema later, once it is loaded.

use std::path::PathBuf;

use super::expect::IntentDecl;
use super::migration::Migration;
use super::names::{ColumnName, TableMention};
use crate::vocabulary::{AnomalyKind, Expectation};

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it came from, for error messages.
    pub path: PathBuf,
    /// Names the reports and the output directory.
    pub name: String,
    pub seed: u64,
    pub schema: SchemaSource,
    pub rows: Vec<(TableMention, u64)>,
    pub relations: Vec<RelationDecl>,
    pub anomalies: Vec<AnomalyRequest>,
    pub migration: Option<Migration>,
    pub expect: Expectation,
    /// What up changes on purpose (`[expect] rows_added`, ...), as written.
    pub intent: IntentDecl,
    /// `[values] edge_rate`, in `[0, 1]`.
    pub edge_rate: f64,
    /// `[[column]]` entries.
    pub columns: Vec<ColumnSource>,
    /// `[export] sqlite = true`: the `sqlite-export` check runs on the seeded and the
    /// migrated database.
    pub export_sqlite: bool,
    /// `[faults]`, in the order the report lists them; empty when there is none.
    pub faults: Vec<crate::faults::Fault>,
}

/// Share of rows whose cells take values from the edges of their type's domain when the
/// scenario does not say: enough to meet each kind in a few thousand rows, few enough to
/// keep the data realistic.
pub const DEFAULT_EDGE_RATE: f64 = 0.03;

/// `[[column]]`: where a column's values come from.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSource {
    pub column: ColumnName,
    pub values: ColumnValues,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// `values = ["viewer", "editor"]`: one of these, picked uniformly.
    List(Vec<String>),
    /// `from = "roles.name"`: the value of a row of another column, picked uniformly among
    /// the rows that carry no anomaly.
    From(ColumnName),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemaSource {
    /// One of [`super::BuiltinSchema`].
    Builtin(String),
    /// A DDL file, resolved against the scenario file's directory.
    File(PathBuf),
}

/// `[[relation]]`: a reference the database does not enforce.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationDecl {
    pub from: ColumnName,
    pub to: ColumnName,
}

/// `[[anomaly]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyRequest {
    pub kind: AnomalyKind,
    pub column: ColumnName,
    pub amount: Amount,
    /// `varieties = [...]`: the varieties to use in turn; empty for all of the kind's.
    pub varieties: Vec<&'static str>,
}

/// How many rows an anomaly touches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// A fraction of the table's rows, in `[0, 1]`.
    Rate(f64),
    Count(u64),
}

impl Amount {
    /// The number of rows for a table of `rows` rows.
    ///
    /// A rate becomes `round(rate × rows)`, rounding half away from zero (Rust's
    /// `f64::round`). A case collision touches rows in pairs, so its rate becomes
    /// `2 × round(rate × rows / 2)` and its count must be even (checked at load).
    pub fn rows_for(self, kind: AnomalyKind, rows: u64) -> u64 {
        match self {
            Amount::Count(count) => count,
            Amount::Rate(rate) if kind == AnomalyKind::CaseCollision => 2 * (rate * rows as f64 / 2.0).round() as u64,
            Amount::Rate(rate) => (rate * rows as f64).round() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_away_from_zero_and_collisions_come_in_pairs() {
        assert_eq!(Amount::Rate(0.01).rows_for(AnomalyKind::InvalidUuid, 2000), 20);
        assert_eq!(Amount::Rate(0.5).rows_for(AnomalyKind::Null, 5), 3);
        assert_eq!(Amount::Rate(0.3).rows_for(AnomalyKind::CaseCollision, 10), 4);
        assert_eq!(Amount::Count(7).rows_for(AnomalyKind::Orphan, 2), 7);
    }
}
