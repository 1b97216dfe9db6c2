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
//! - [`scenario`]: the scenario TOML as written, and the validated scenario (with the
//!   migration files already listed and read, and the shipped schemas it may name).
//! - [`dataset`]: schema models, name resolution, value generators, anomalies with ground
//!   truth, COPY loading.
//! - [`vocabulary`]: the ground floor: table and column references, relations, anomaly
//!   kinds, policies, expectations and settings (batch size), each defined once.
//! - [`engine`]: the built-in migration engine: plan, batches, migrate, rollback, status.
//! - [`migration`]: what is rehearsed, behind one driver: the user's SQL (statement
//!   runner, migrations directory listing) or the built-in engine; a failure is a
//!   [`migration::MigrationFailure`], data for the checks.
//! - [`verify`]: fingerprints and invariants; findings are data. A database state
//!   (catalog plus fingerprints) is read once and shared by every check of a phase; each
//!   check is one file with one signature, listed in `verify::registry`.
//! - [`export`]: the verified Postgres → SQLite export (`export-sqlite`, `verify-sqlite`).
//! - [`faults`]: `[faults]`: the engine killed at each point of its procedure, the server
//!   restarted mid-batch, a lock held during the swap, a full disk during the backup and
//!   an application writing meanwhile, each on its own clone, ending with the invariants
//!   checked.
//! - [`report`]: one report model rendered as Markdown, JSON, JUnit and HTML.
//! - [`rehearsal`]: `pgrehearse run`: one scenario through its phases (seed, up, checks,
//!   down, checks, rerun, report); an internal error still writes the report.
//! - [`init`]: `pgrehearse init`: a scenario drafted from a live database's catalog or a
//!   `pg_dump --schema-only` file.
//! - [`bench`]: `pgrehearse bench`: the engine at several batch sizes against the one-shot
//!   ALTER, with the application's latency alongside, and a recommended size.
//! - [`cli`]: the command line; parsing, dispatch, and the exit codes (0 pass, 1 findings,
//!   2 bad input, 3 no Postgres, 4 internal error, 130/143 interrupted).
//! - [`progress`]: progress on stderr for people: bars on a terminal, lines in a log.
//! - [`parallel`]: jobs on several connections at once, largest first, each when its table
//!   lock is free and the work it needs is done (the seed's and the engine's).
//! - [`quote`]: the one helper that quotes SQL identifiers.
//! - [`schemas`]: the JSON Schemas of `report.json` and of the scenario file, generated
//!   from their types (committed under `schemas/`).

pub mod bench;
pub mod cli;
pub mod dataset;
pub mod engine;
pub mod export;
pub mod faults;
pub mod init;
pub mod migration;
pub mod parallel;
pub mod progress;
pub mod provision;
pub mod quote;
pub mod rehearsal;
pub mod report;
pub mod scenario;
pub mod schemas;
pub mod verify;
pub mod vocabulary;
