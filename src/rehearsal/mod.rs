//! `pgrehearse run`: take a scenario through provision → seed → migrate → verify →
//! rollback → verify against the original → rerun → reports.

mod driver;
mod error;
mod expected;
mod pipeline;
mod reasons;
mod scope;
pub mod shard;

pub use driver::{engine_options, MigrationDriver, UpRun, DEFAULT_STATEMENT_TIMEOUT};
pub use error::RehearsalError;
pub use expected::expected_set_aside;
pub use pipeline::{declared_relations, rehearse, RehearsalOptions, Rehearsed};
pub use shard::Shard;
