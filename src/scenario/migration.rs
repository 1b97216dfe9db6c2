//! The `[migration]` section, validated: the built-in engine with its policies, or the
//! user's own up/down SQL files. Parsed here, executed by the engine and the runner.

use super::names::ColumnName;
use crate::engine::ConvertChoice;
use crate::migration::MigrationSet;
use crate::vocabulary::{BatchSize, Policies};

#[derive(Debug, Clone, PartialEq)]
pub enum Migration {
    Builtin(BuiltinMigration),
    Sql(SqlMigration),
}

/// `engine = "uuid"` and the options `pgrehearse migrate` takes.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinMigration {
    pub engine: BuiltinEngine,
    /// The key column the conversion starts from, e.g. `users.id`.
    pub root: ColumnName,
    pub batch_size: BatchSize,
    /// `on_invalid`, `on_orphan`, `on_collision`.
    pub policies: Policies,
    /// `convert = "rebuild" | "in-place"`: how the engine rewrites the tables.
    pub convert: ConvertChoice,
    pub keep_bookkeeping: bool,
}

/// `engine = "..."`: the built-in engines, by the names clap derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuiltinEngine {
    /// Converts `varchar(36)` uuid keys and their references to native `uuid`.
    Uuid,
}

/// The user's own SQL: the files, already read and paired, so a bad name or a missing
/// down stops the scenario at load, before anything is provisioned.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlMigration {
    /// Setup migrations first, then the rehearsed one (migrated, rolled back, migrated again).
    pub set: MigrationSet,
    /// Patterns such as `migration_quarantine.*` naming where set-aside rows go.
    pub quarantine: Vec<String>,
    pub keep_bookkeeping: bool,
}
