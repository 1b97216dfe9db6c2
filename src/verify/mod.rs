//! Fingerprints and invariants: each check in its own file, findings as data. The checks
//! take plain inputs (connections, scopes, expected sets) so a pipeline can wire them.

pub mod anomalies;
pub mod cast_helper;
pub mod conservation;
pub mod content;
pub mod diff;
mod error;
mod finding;
pub mod fingerprint;
pub mod pairing;
pub mod pattern;
pub mod projection;
pub mod references;
pub mod rerun;
pub mod rollback_identity;
pub mod schema_diff;
pub mod schema_objects;
pub mod schema_snapshot;
mod scope;
pub mod up_runs;

pub use error::VerifyError;
pub use finding::{CheckKind, CheckResult, CheckStatus, Example, Finding, MAX_EXAMPLES};
pub use pattern::TablePattern;
pub use scope::Scope;
