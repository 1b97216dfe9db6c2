//! What a run is asked to do: the root key, extra relations, the conversion, batch size,
//! policies, lock behaviour and the convert method. Built by the CLI (or a rehearsal) and handed to the engine.

use crate::vocabulary::{BatchSize, ColumnRef, DeclaredRelation, Policies};
use super::conversion::Conversion;
use super::convert_method::ConvertChoice;
use super::transaction::LockRetry;

#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The key column everything hangs off (`users.id` by default).
    pub root: ColumnRef,
    /// References the database does not enforce.
    pub relations: Vec<DeclaredRelation>,
    pub conversion: Conversion,
    /// Rows per batch: a latency knob more than a throughput knob (PERF_NOTES).
    pub batch_size: BatchSize,
    pub policies: Policies,
    pub retry: LockRetry,
    /// How `convert` rewrites the tables: a method, or `auto`.
    pub convert: ConvertChoice,
    /// A schema holding a classification carried from an earlier run on the same data
    /// ([`super::carried_classification`]): `backup` copies it instead of scanning, when it
    /// holds for this run's plan. The caller vouches that no row changed since.
    pub reuse_classification: Option<String>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            root: ColumnRef::new("public", "users", "id"),
            relations: Vec::new(),
            conversion: Conversion::default(),
            batch_size: BatchSize::DEFAULT,
            policies: Policies::default(),
            retry: LockRetry::default(),
            convert: ConvertChoice::default(),
            reuse_classification: None,
        }
    }
}

/// The steps of the procedure (seed 001), plus `full`, `status` and `rollback`. clap
/// derives the kebab-case names users type (`validate-schema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Step {
    ValidateSchema,
    Backup,
    Convert,
    Validate,
    Cleanup,
    /// validate-schema, backup, convert and validate; cleanup stays a separate decision.
    Full,
    Status,
    Rollback,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::ValidateSchema => "validate-schema",
            Step::Backup => "backup",
            Step::Convert => "convert",
            Step::Validate => "validate",
            Step::Cleanup => "cleanup",
            Step::Full => "full",
            Step::Status => "status",
            Step::Rollback => "rollback",
        }
    }

    /// Whether the step changes the database, and so must hold the run lock.
    pub fn is_mutating(self) -> bool {
        !matches!(self, Step::ValidateSchema | Step::Status)
    }
}
