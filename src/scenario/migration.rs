//! The `[migration]` section, validated: the built-in engine with its policies, or the
//! user's own up/down SQL files. Parsed here, executed by the engine and the runner.

use super::names::ColumnName;
use crate::migration::MigrationSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Migration {
    Builtin(BuiltinMigration),
    Sql(SqlMigration),
}

/// `engine = "uuid"` and the options `pgrehearse migrate` takes.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinMigration {
    pub engine: Engine,
    /// The key column the conversion starts from, e.g. `users.id`.
    pub root: ColumnName,
    pub batch_size: u64,
    pub on_invalid: InvalidPolicy,
    pub on_orphan: OrphanPolicy,
    pub on_collision: CollisionPolicy,
    pub keep_bookkeeping: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Converts `varchar(36)` uuid keys and their references to native `uuid`.
    Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidPolicy {
    Fail,
    Quarantine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrphanPolicy {
    Fail,
    Quarantine,
    Nullify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollisionPolicy {
    Fail,
    Quarantine,
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

impl Engine {
    pub fn parse(name: &str) -> Option<Engine> {
        (name == "uuid").then_some(Engine::Uuid)
    }
}

impl InvalidPolicy {
    pub fn parse(name: &str) -> Option<InvalidPolicy> {
        match name {
            "fail" => Some(InvalidPolicy::Fail),
            "quarantine" => Some(InvalidPolicy::Quarantine),
            _ => None,
        }
    }
}

impl OrphanPolicy {
    pub fn parse(name: &str) -> Option<OrphanPolicy> {
        match name {
            "fail" => Some(OrphanPolicy::Fail),
            "quarantine" => Some(OrphanPolicy::Quarantine),
            "nullify" => Some(OrphanPolicy::Nullify),
            _ => None,
        }
    }
}

impl CollisionPolicy {
    pub fn parse(name: &str) -> Option<CollisionPolicy> {
        match name {
            "fail" => Some(CollisionPolicy::Fail),
            "quarantine" => Some(CollisionPolicy::Quarantine),
            _ => None,
        }
    }
}

/// `[expect]`: how the rehearsal should go; a scenario that should fail says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expectation {
    pub up: Outcome,
    pub down: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    #[default]
    Pass,
    Fail,
}

impl Outcome {
    pub fn parse(name: &str) -> Option<Outcome> {
        match name {
            "pass" => Some(Outcome::Pass),
            "fail" => Some(Outcome::Fail),
            _ => None,
        }
    }
}
