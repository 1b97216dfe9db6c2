//! pgrehearse rehearses a PostgreSQL data migration on disposable databases before it
//! reaches production: provision a throwaway server, seed it with data that carries known
//! anomalies, migrate, verify every invariant, roll back, verify again, and report.
//!
//! # Layout
//!
//! Data flows provision → dataset → migration → verify → report, and the modules say so:
//!
//! - [`provision`]: disposable Postgres servers (native cluster, container, existing
//!   server) and the template clones that make per-case databases cheap.
//! - [`scenario`]: the scenario TOML as written, and the validated scenario.
//! - [`dataset`]: schemas, value generators, anomalies with ground truth, COPY loading.
//! - [`vocabulary`]: the ground floor: the names every other module shares.
//! - [`engine`]: the built-in migration engine: plan, batches, migrate, rollback, status.
//! - [`migration`]: what is rehearsed, behind one driver: the user's SQL (statement
//!   runner, migrations directory listing) or the built-in engine; a failure is a
//!   [`migration::MigrationFailure`], data for the checks.
//! - [`verify`]: fingerprints and invariants; findings are data.
//! - [`export`]: the verified Postgres → SQLite export (`export-sqlite`, `verify-sqlite`).
//! - [`report`]: one report model rendered as Markdown, JSON, JUnit and HTML.
//! - [`rehearsal`]: `pgrehearse run`: one scenario through every step, into a report.
//! - [`cli`]: the command line; parsing and dispatch only.
//! - [`quote`]: the one helper that quotes SQL identifiers.

pub mod cli;
pub mod dataset;
pub mod engine;
pub mod export;
pub mod migration;
pub mod provision;
pub mod quote;
pub mod rehearsal;
pub mod report;
pub mod scenario;
pub mod verify;
pub mod vocabulary;
