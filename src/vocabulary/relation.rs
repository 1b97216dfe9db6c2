//! A relation from child columns to parent columns: an FK constraint, or a reference the
//! database does not enforce (declared by the built-in schema, a scenario's
//! `[[relation]]` or `--relation`). The one shape the engine's expectations, the
//! references check and the expected set-aside rows all read.

use serde::{Deserialize, Serialize};

use super::column_ref::DeclaredRelation;
use super::table::TableName;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// The FK constraint's name, or `None` for a declared relation.
    pub constraint: Option<String>,
    pub child: TableName,
    pub child_columns: Vec<String>,
    pub parent: TableName,
    pub parent_columns: Vec<String>,
    /// False for an FK added `NOT VALID` and never validated.
    pub validated: bool,
}

impl Relation {
    /// `child.columns -> parent.columns`, as shown in findings.
    pub fn describe(&self) -> String {
        let name = self.constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        format!(
            "{}({}) -> {}({}){name}",
            self.child,
            self.child_columns.join(", "),
            self.parent,
            self.parent_columns.join(", ")
        )
    }

    /// Whether it is one column on each side (the engine's references are).
    pub fn is_single_column(&self) -> bool {
        self.child_columns.len() == 1 && self.parent_columns.len() == 1
    }
}

impl From<&DeclaredRelation> for Relation {
    fn from(declared: &DeclaredRelation) -> Relation {
        Relation {
            constraint: None,
            child: declared.child.table_name(),
            child_columns: vec![declared.child.column.clone()],
            parent: declared.parent.table_name(),
            parent_columns: vec![declared.parent.column.clone()],
            validated: true,
        }
    }
}
