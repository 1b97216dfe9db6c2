//! The built-in migration engine: plan (pure) → batches → migrate / rollback / status;
//! its log, backup and quarantine.
//!
//! # Steps
//!
//! `validate-schema` plans from the catalog and runs preflight (read-only: the data is
//! classified into a temporary table). `backup` stores the plan, starts logging deletes
//! and changed keys, classifies every value once (one scan per table, stored with the
//! run, a column under a validated foreign key taking its classes from its parent's, or
//! a classification carried from an earlier run on the same data; a `fail` policy that
//! meets a finding then undoes the run and changes nothing),
//! and copies every planned table into `migration_backup` (count and checksum
//! verified). `convert` brings the classification up to date from the change log (only
//! the rows written since are checked again), applies the policies,
//! adds a shadow column per converted column, fills it in keyset batches (one
//! transaction and checkpoint each), builds indexes and NOT NULL checks beside the live
//! ones, swaps names in one short ACCESS EXCLUSIVE transaction (its duration logged),
//! and validates the foreign keys. `validate` checks the result as data. `cleanup` drops
//! the original columns and the backup. `rollback` undoes any of it, from any state.
//!
//! That is the `in-place` convert method. With `rebuild` ([`ConvertMethod`], stored with
//! the plan) `convert` applies the policies the same way, then copies each table into a
//! new one in key-range chunks with its columns converted (no index during the copy),
//! builds the indexes and key constraints afterwards, catches up the application's writes
//! from a trigger log, and swaps the tables by rename in one short transaction (foreign
//! keys from, to and between the planned tables added `NOT VALID` and validated after,
//! views created again). The original tables stay, renamed, until `cleanup`; a rollback
//! swaps them back with the rows written since the swap (see [`rebuild`]).
//!
//! # Application traffic while `convert` runs
//!
//! Reads and writes (INSERT, UPDATE, DELETE) through the original columns are supported
//! and none is lost: a trigger fills the new column in the same statement as every write,
//! and deletes are recorded so `validate` can tell them from lost rows. A write whose key
//! the conversion rejects (an invalid uuid) fails with an error instead of being stored
//! unconverted. The swap holds ACCESS EXCLUSIVE for milliseconds; statements arriving
//! then wait for it. After the swap the columns have the new type: the application must
//! send values the new type accepts (text literals are coerced; parameters typed
//! `varchar` are not). Until `cleanup`, a reverse trigger keeps the original column
//! filled, so a rollback after completion keeps rows written after the swap.
//!
//! # Not supported (refused by the planner with a message)
//!
//! Tables without a primary key, expression indexes over a converted column or partial
//! indexes whose predicate mentions one, materialized views over it. View options and grants on views over the converted
//! columns are not carried over when the views are re-created.


mod backup;
mod batch_sizer;
mod batches;
mod bookkeeping;
mod carried_classification;
mod catalog;
mod classify;
mod cleanup;
pub mod conversion;
mod convert_method;
pub mod ddl;
mod derived_classes;
mod error;
pub mod facts;
mod finding;
mod fk_actions;
mod log;
mod options;
mod plan;
pub mod planner;
mod preflight;
mod privileges;
mod progress;
mod quarantine;
mod quiet_triggers;
mod rebuild;
mod recorded;
mod report;
mod rollback;
mod run_lock;
mod runner;
mod sessions;
pub mod script;
mod shadow;
mod sql;
mod status;
mod swap;
mod transaction;
mod validate;

pub use batch_sizer::{BatchSizer, FixedSize};
pub use batches::batch_sql;
pub use carried_classification::{carry as carry_classification, Restored, CARRIED_TABLE, REUSED_NOTE as REUSED_CLASSIFICATION_NOTE};
pub use bookkeeping::{bookkeeping_schemas, ensure as ensure_bookkeeping, open_method, BACKUP_SCHEMA, ENGINE_SCHEMA, QUARANTINE_SCHEMA};
pub use conversion::Conversion;
pub use convert_method::{ConvertChoice, ConvertMethod};
pub use error::EngineError;
pub use finding::{Action, RowFindingKind, RowFinding};
pub use log::{committed_batches, LogRow};
pub use options::{EngineOptions, Step};
pub use plan::{names, Enforcement, Plan, Reference, TablePlan};
pub use planner::PlanError;
pub use progress::Progress;
pub use rebuild::RebuildPlan;
pub use recorded::{recorded_rows, RecordedRow};
pub use report::{Outcome, StepReport};
pub use run_lock::{endpoint, LOCK_KEY};
pub use runner::Engine;
pub use status::{HeldLock, LastBatch, RunState, Status, StepState, StepStatus, TableProgress};
pub use swap::swap_sql;
pub use transaction::LockRetry;
pub use validate::Check;
