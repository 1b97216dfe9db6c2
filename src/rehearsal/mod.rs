//! `pgrehearse run`: take a scenario through provision → seed → migrate → verify →
//! rollback → verify against the original → rerun → reports.

mod error;
mod expected;
mod export_phase;
mod faults_phase;
mod intent;
mod phases;
mod pipeline;
mod reasons;
mod scope;
pub mod shard;

pub use error::RehearsalError;
pub use expected::{expected_rows, expected_set_aside};
pub use phases::MORE_CONNECTIONS;
pub use pipeline::{rehearse, RehearsalOptions, Rehearsed};
pub use shard::Shard;
