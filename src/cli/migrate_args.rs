//! Arguments of `pgrehearse migrate` (clap derive). The kebab-case names live here.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};

use super::format::FormatArgs;

use crate::engine::conversion::TextToTimestamptz;
use crate::engine::{Conversion, ConvertChoice, Step};
use crate::vocabulary::{BatchSize, Policy};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The step to run.
    #[arg(value_enum)]
    pub step: Step,
    /// The database to migrate.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Rows per batch (a latency knob: p99 batch time grows with it) [default: the
    /// scenario's, else 1000].
    #[arg(long)]
    pub batch_size: Option<BatchSize>,
    /// The key column to convert, as table.column or schema.table.column [default: the
    /// scenario's, else users.id].
    #[arg(long)]
    pub root: Option<String>,
    /// A reference the database does not enforce, child.column=parent.column (repeatable).
    #[arg(long = "relation")]
    pub relations: Vec<String>,
    /// Take the root, batch size, policies and relations from a scenario file (its built-in
    /// `[migration]`, its schema's declared relations and its `[[relation]]`s, resolved
    /// against this database); flags given explicitly win.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// What to do with values the conversion rejects.
    #[arg(long, value_parser = policy_except_nullify())]
    pub on_invalid: Option<Policy>,
    /// What to do with references to no parent row.
    #[arg(long, value_enum)]
    pub on_orphan: Option<Policy>,
    /// What to do with keys that become equal after conversion.
    #[arg(long, value_parser = policy_except_nullify())]
    pub on_collision: Option<Policy>,
    /// The type to convert to: uuid (from varchar/text) or timestamptz (from text in the
    /// accepted formats: ISO 8601, DD/MM/YYYY HH24:MI:SS, unix epoch seconds).
    #[arg(long = "to", value_enum, default_value_t = Target::Uuid)]
    pub target: Target,
    #[command(flatten)]
    pub output: FormatArgs,
    /// Print the plan and the preflight findings; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How `convert` rewrites the tables: `rebuild` copies each into a new table and swaps
    /// them by rename; `in-place` fills a new column per converted column with batched
    /// UPDATEs; `auto` rebuilds unless a table has something the rebuild cannot carry
    /// (a user trigger, row-level security, ...) [default: the scenario's, else auto].
    #[arg(long = "convert", value_enum)]
    pub convert: Option<ConvertChoice>,
    /// How long one statement may wait for a lock before the transaction is retried.
    #[arg(long, default_value_t = 2000)]
    pub lock_timeout_ms: u64,
    /// How many times a transaction that timed out waiting for a lock is tried in all
    /// before the step fails.
    #[arg(long, default_value_t = crate::engine::LockRetry::default().attempts, value_parser = clap::value_parser!(u32).range(1..))]
    pub lock_attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Uuid,
    Timestamptz,
}

impl Target {
    pub fn conversion(self) -> Conversion {
        match self {
            Target::Uuid => Conversion::default(),
            Target::Timestamptz => Conversion::TextToTimestamptz(TextToTimestamptz::default()),
        }
    }
}


/// `nullify` only fits orphans (a reference can be NULL, a key cannot), so the flags for
/// invalid values and collisions neither list nor accept it.
fn policy_except_nullify() -> impl TypedValueParser<Value = Policy> {
    let values = Policy::value_variants().iter().filter(|p| **p != Policy::Nullify).filter_map(|p| p.to_possible_value());
    PossibleValuesParser::new(values).map(|name| Policy::from_str(&name, false).expect("a listed value names a policy"))
}
