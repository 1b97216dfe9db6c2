//! The migration plan: a plain value built from the catalog by [`super::planner`], stored
//! in the database when the first step that changes anything runs, and printed by
//! `--dry-run`. Every later step, resume and rollback work from the stored plan, never
//! from a fresh look at a catalog the engine has already changed.

use serde::{Deserialize, Serialize};

use crate::vocabulary::ColumnRef;
use super::conversion::Conversion;
use super::convert_method::ConvertMethod;
use super::rebuild::RebuildPlan;
use super::facts::{ColumnFacts, ConstraintFacts, IndexFacts, ViewFacts};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub conversion: Conversion,
    pub root: ColumnRef,
    /// Tables with at least one converted column, parents before children.
    pub tables: Vec<TablePlan>,
    /// Foreign keys with a converted column on either side: dropped and re-added.
    pub foreign_keys: Vec<ConstraintFacts>,
    /// Primary key and unique constraints over converted columns: rebuilt on the new column.
    pub key_constraints: Vec<ConstraintFacts>,
    /// Other indexes over converted columns: mirrored on the new column.
    pub indexes: Vec<IndexFacts>,
    /// Views reading converted columns (or such views), in creation order.
    pub views: Vec<ViewFacts>,
    /// Every reference between converted columns, enforced or declared.
    pub references: Vec<Reference>,
    /// How `convert` rewrites the tables (plans stored before the choice existed were in place).
    #[serde(default)]
    pub method: ConvertMethod,
    /// Why `auto` chose `method`, when it chose in place: what the rebuild cannot carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_reason: Option<String>,
    /// What a rebuild moves to the new tables beyond the above; empty in place.
    #[serde(default)]
    pub rebuild: RebuildPlan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TablePlan {
    pub schema: String,
    pub name: String,
    /// Primary key columns (name, type): batches page through the table on this key.
    pub primary_key: Vec<(String, String)>,
    /// The converted columns, as they were before the migration.
    pub columns: Vec<ColumnFacts>,
}

/// How the database enforces a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    /// A validated foreign key: no orphans can exist.
    Validated,
    /// A foreign key added `NOT VALID`: old rows may be orphans.
    NotValid,
    /// Declared by the user (flag or scenario); the database knows nothing of it.
    Declared,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub child_schema: String,
    pub child_table: String,
    pub child_columns: Vec<String>,
    pub parent_schema: String,
    pub parent_table: String,
    pub parent_columns: Vec<String>,
    pub enforcement: Enforcement,
    /// Whether every child column is nullable, so `nullify` is allowed.
    pub nullable: bool,
    /// The constraint name, for enforced references.
    pub constraint: Option<String>,
}

impl Reference {
    /// `child(columns) -> parent`, naming the reference in the log and in messages.
    pub fn label(&self) -> String {
        format!("{}.{}({}) -> {}.{}", self.child_schema, self.child_table, self.child_columns.join(", "), self.parent_schema, self.parent_table)
    }
}

impl Plan {
    pub fn table(&self, schema: &str, name: &str) -> Option<&TablePlan> {
        self.tables.iter().find(|t| t.schema == schema && t.name == name)
    }

    /// Whether `column` of `schema.table` is converted.
    pub fn is_converted(&self, schema: &str, table: &str, column: &str) -> bool {
        self.table(schema, table).is_some_and(|t| t.columns.iter().any(|c| c.name == column))
    }

    /// Number of a table in the plan, used to name its helper objects.
    pub fn table_number(&self, schema: &str, name: &str) -> usize {
        self.tables.iter().position(|t| t.schema == schema && t.name == name).unwrap_or(usize::MAX)
    }
}

impl TablePlan {
    pub fn qualified(&self) -> String {
        crate::quote::quote_qualified(&self.schema, &self.name)
    }

    pub fn label(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    pub fn pk_names(&self) -> Vec<&str> {
        self.primary_key.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Names of the helper objects the engine creates. They are derived from the plan, so a
/// resumed run or a rollback finds exactly what an earlier run made.
pub mod names {
    use super::super::facts::ColumnFacts;

    /// Postgres truncates identifiers at 63 bytes; fall back to the column number.
    fn fit(candidate: String, fallback: String) -> String {
        if candidate.len() <= 63 {
            candidate
        } else {
            fallback
        }
    }

    /// The new column, filled during `convert` and renamed to the original name at swap.
    pub fn shadow(column: &ColumnFacts) -> String {
        fit(format!("{}__pgr_new", column.name), format!("pgr_new_{}", column.attnum))
    }

    /// The original column after the swap; kept until `cleanup`, so its bytes never move.
    pub fn original(column: &ColumnFacts) -> String {
        fit(format!("{}__pgr_old", column.name), format!("pgr_old_{}", column.attnum))
    }

    pub fn not_null_check(column: &ColumnFacts) -> String {
        format!("pgr_nn_{}", column.attnum)
    }

    pub fn key_index(number: usize) -> String {
        format!("pgr_key_{number}")
    }

    pub fn mirror_index(number: usize) -> String {
        format!("pgr_ix_{number}")
    }

    pub fn retired_index(number: usize) -> String {
        format!("pgr_oldix_{number}")
    }

    pub fn sync_trigger() -> &'static str {
        "pgr_sync"
    }

    pub fn sync_function(table_number: usize) -> String {
        format!("sync_{table_number}")
    }

    /// The name of a table's copy in the backup and quarantine schemas: its own name for
    /// `public` (what a reader expects), `schema.table` otherwise, so the same table name
    /// in two schemas never collides. Too long a name ends in a stable hash of both parts.
    pub fn copy_of(schema: &str, table: &str) -> String {
        let candidate = if schema == "public" { table.to_string() } else { format!("{schema}.{table}") };
        let mut prefix: String = String::new();
        for ch in table.chars() {
            if prefix.len() + ch.len_utf8() > 40 {
                break;
            }
            prefix.push(ch);
        }
        fit(candidate, format!("{prefix}_{:016x}", fnv1a(&format!("{schema}\0{table}"))))
    }

    /// FNV-1a: a hash that never changes between builds, unlike `DefaultHasher`.
    fn fnv1a(text: &str) -> u64 {
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }
}
