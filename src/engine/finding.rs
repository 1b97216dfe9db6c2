//! The rows preflight flags, as data: each with what it is (`RowFindingKind`) and what
//! the engine does with it. Not a check's finding (that is `verify::Finding`): a row.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowFindingKind {
    /// A value the conversion does not accept (e.g. not a uuid).
    Invalid,
    /// A reference to no parent row.
    Orphan,
    /// Two distinct keys that become one value after conversion.
    Collision,
    /// Valid but not in the target type's canonical text form: converted, and rollback
    /// restores the original text.
    NonCanonical,
    /// Moved because a row it references was quarantined.
    Cascade,
}

/// What the engine does (or would do) with the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Fail,
    Quarantine,
    Nullify,
    Convert,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowFinding {
    pub kind: RowFindingKind,
    /// `schema.table`.
    pub table: String,
    /// The row's primary key as a JSON object.
    pub pk: serde_json::Value,
    pub column: String,
    pub value: Option<String>,
    pub related_table: Option<String>,
    pub related_pk: Option<serde_json::Value>,
    pub action: Action,
}

impl RowFinding {
    pub fn blocks(&self) -> bool {
        self.action == Action::Fail
    }
}
