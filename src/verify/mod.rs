//! Fingerprints and invariants: each check in its own file, findings as data. A database
//! state ([`DatabaseState`]: catalog plus fingerprints) is read once when a rehearsal
//! reaches it; every state check takes the same [`Context`] and is listed in
//! [`registry`] with the phase it runs in.

pub mod anomalies;
pub mod cast_helper;
pub mod conservation;
pub mod content;
pub mod diff;
pub mod down_runs;
mod context;
mod error;
mod finding;
pub mod fingerprint;
pub mod lanes;
pub mod pairing;
pub mod pattern;
pub mod projection;
pub mod references;
pub mod registry;
pub mod rerun;
pub mod rollback_identity;
pub mod row_examples;
pub mod schema_diff;
pub mod schema_objects;
pub mod schema_snapshot;
pub mod schema_usage;
mod scope;
pub mod state;
pub mod up_changes;
pub mod up_runs;

pub use context::Context;
pub use error::VerifyError;
pub use state::DatabaseState;
pub use finding::{CheckKind, CheckResult, CheckStatus, Example, Finding, MAX_EXAMPLES};
pub use pattern::TablePattern;
pub use scope::Scope;
