//! The rebuild route of `convert` (pg_repack, pg-osc): each planned table is copied into a
//! new table in chunks of heap blocks with its columns converted on the way, its indexes are
//! built afterwards, the application's writes are caught up from a trigger log, and the
//! tables are swapped by rename in one short transaction. The old tables stay, renamed and
//! moved to the engine's schema, until `cleanup`; a reverse log records the writes made
//! after the swap, so a rollback is a swap back that loses nothing.
//!
//! Order: `rebuild-prepare` (new tables without indexes, what they carry, the index and
//! sequence lists) → tasks on two sessions: per table `convert-batch` chunks (`rebuild-copy`),
//! then `rebuild-index` per index, then `rebuild-analyze` (but the largest table's) →
//! `rebuild-catch-up` per table → `swap` (final catch-up inside) → per table on two
//! sessions: `rebuild-analyze` if not done, its foreign keys validated.

mod analyze;
mod catalog;
mod catch_up;
mod change_log;
mod cleanup;
mod copy;
mod fill;
mod indexes;
mod keys;
mod plan;
mod prepare;
mod refusals;
mod rollback;
mod space;
mod swap;
mod validate;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::facts::{ConstraintFacts, ViewFacts};
use super::plan::Plan;
use super::error::EngineError;

pub use change_log::{forward_trigger_sql, install_forward};
pub use cleanup::cleanup_sql;
pub use plan::rebuild_plan;
pub use refusals::check as check_refusals;
pub use rollback::run as rollback;
pub use prepare::{create_sql, old_table};
pub use swap::{after_swap, convert, moved_foreign_keys};
pub use validate::content_checks;

/// What a rebuild moves to the new tables beyond what the in-place plan lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RebuildPlan {
    /// Every other foreign key from, to or between the planned tables (on columns that are
    /// not converted, e.g. `sessions.user_email REFERENCES users(email)`): each points at
    /// a table by its identity, so it is dropped and added again on the new table.
    pub foreign_keys: Vec<ConstraintFacts>,
    /// Every view reading a planned table (or such a view), in creation order: a view
    /// follows the table it reads, so it is created again over the new table.
    pub views: Vec<ViewFacts>,
}

/// Names of the objects a rebuild creates, derived from the table's number in the plan.
pub mod names {
    /// The new table while it is filled, in the planned table's schema.
    pub fn new_table(number: usize) -> String {
        format!("pgr_new_{number}")
    }

    /// The original table after the swap (in the engine's schema), until `cleanup` or a
    /// rollback.
    pub fn old_table(number: usize) -> String {
        format!("pgr_old_{number}")
    }

    /// Index `k` of table `number` on the new table, before the swap gives it its name.
    pub fn new_index(number: usize, k: i32) -> String {
        format!("pgr_nix_{number}_{k}")
    }

    /// Index `k` of the original table after the swap.
    pub fn old_index(number: usize, k: i32) -> String {
        format!("pgr_oix_{number}_{k}")
    }

    /// Identity sequence `k` of the original table after the swap.
    pub fn old_sequence(number: usize, k: i32) -> String {
        format!("pgr_oseq_{number}_{k}")
    }

    /// The trigger recording changed keys (on the old table before the swap, on the new
    /// one after it).
    pub const TRIGGER: &str = "pgr_rebuild";

    pub fn forward_function(number: usize) -> String {
        format!("rebuild_forward_{number}")
    }

    pub fn reverse_function(number: usize) -> String {
        format!("rebuild_reverse_{number}")
    }
}

/// Whether the swap has happened: the root table's original is there under its old name.
pub async fn is_swapped(conn: &mut PgConnection, plan: &Plan) -> Result<bool, EngineError> {
    let Some(root) = plan.table(&plan.root.schema, &plan.root.table) else { return Ok(false) };
    let old = prepare::old_table(plan, root);
    let sql = "SELECT to_regclass($1) IS NOT NULL";
    sqlx::query_scalar(sql).bind(old).fetch_one(conn).await.map_err(EngineError::query(sql))
}
