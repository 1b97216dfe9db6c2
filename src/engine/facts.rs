//! Raw catalog facts, as read from `pg_catalog` by [`super::catalog`]. Plain data, so the
//! planner can be tested without a database.

use serde::{Deserialize, Serialize};

/// A table and the columns the planner may need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableFacts {
    pub schema: String,
    pub name: String,
    pub columns: Vec<ColumnFacts>,
    /// Primary key column names in key order; empty when the table has none.
    pub primary_key: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnFacts {
    pub name: String,
    pub attnum: i16,
    /// `format_type(atttypid, atttypmod)`, e.g. `character varying(36)`.
    pub data_type: String,
    pub not_null: bool,
    /// `pg_get_expr(adbin, adrelid)`, restored verbatim on rollback.
    pub default: Option<String>,
}

/// A primary key, unique or foreign key constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintFacts {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `p`, `u` or `f` (pg_constraint.contype).
    pub kind: char,
    pub columns: Vec<String>,
    /// For a foreign key: the referenced table and columns, pairwise with `columns`.
    pub referenced: Option<(String, String, Vec<String>)>,
    /// `pg_get_constraintdef(oid)`: re-applied verbatim, which is exact because the engine
    /// swaps column names rather than changing what the names mean.
    pub definition: String,
    pub validated: bool,
    pub deferrable: bool,
    pub deferred: bool,
}

/// An index that is not owned by a constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexFacts {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub unique: bool,
    pub method: String,
    /// One entry per key column: the column name, or the expression text.
    pub keys: Vec<IndexKey>,
    pub predicate: Option<String>,
    /// Columns the index's expressions or predicate use, from the catalog's dependencies
    /// (`pg_depend` and the expression trees), never from matching names in their text.
    #[serde(default)]
    pub expression_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexKey {
    /// `Some(column)` for a plain column key, `None` for an expression.
    pub column: Option<String>,
    pub expression: String,
    pub descending: bool,
    pub nulls_first: bool,
}

/// A view and the table (or view) columns it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewFacts {
    pub schema: String,
    pub name: String,
    /// `m` for a materialized view, `v` otherwise.
    pub kind: char,
    pub definition: String,
    /// (schema, relation, column) read by the view.
    pub reads: Vec<(String, String, String)>,
}

/// Everything the planner looks at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogFacts {
    pub tables: Vec<TableFacts>,
    pub constraints: Vec<ConstraintFacts>,
    pub indexes: Vec<IndexFacts>,
    pub views: Vec<ViewFacts>,
}

impl CatalogFacts {
    pub fn table(&self, schema: &str, name: &str) -> Option<&TableFacts> {
        self.tables.iter().find(|t| t.schema == schema && t.name == name)
    }
}

impl TableFacts {
    pub fn column(&self, name: &str) -> Option<&ColumnFacts> {
        self.columns.iter().find(|c| c.name == name)
    }
}
