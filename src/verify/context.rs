//! What every check of a phase reads: the two databases, the states they were in when
//! the phase began (each read once), the scope, the declared references, and the rows
//! the migration set aside, and what up was declared to change. Every state check takes `&mut Context` and nothing else.

use sqlx::PgConnection;

use super::anomalies::SetAside;
use super::conservation::TableCounts;
use super::finding::Finding;
use super::schema_diff::SchemaChange;
use super::scope::Scope;
use super::state::DatabaseState;
use crate::vocabulary::{Intent, Relation};

pub struct Context<'c> {
    /// The untouched clone, as the dataset (and any setup migrations) left it.
    pub before: &'c mut PgConnection,
    /// The clone the migration ran on.
    pub after: &'c mut PgConnection,
    /// More connections to each database, for reading independent tables in parallel;
    /// empty unless the rehearsal opened them.
    pub before_more: &'c mut [PgConnection],
    pub after_more: &'c mut [PgConnection],
    /// The state of `before`, read once for the whole rehearsal.
    pub original: &'c DatabaseState,
    /// The state the phase reached on `after`, read once when it was reached.
    pub reached: &'c DatabaseState,
    pub scope: &'c Scope,
    /// References the database does not enforce; the FKs come from the states.
    pub declared: Vec<Relation>,
    /// What up changes on purpose (`[expect] rows_added`, ...): excused, and checked.
    pub intent: Intent,
    /// The rows the migration must set aside (from the ground truth); `None` when there
    /// is nothing to score against (the user's own SQL).
    pub expected_set_aside: Option<Vec<SetAside>>,
    /// The rows it did set aside, read when the phase began.
    pub set_aside: Vec<SetAside>,
    /// Quarantine tables whose rows could not be read by the source table's key (up
    /// dropped or renamed a key column): findings of the anomalies check.
    pub unreadable_quarantine: Vec<Finding>,
    /// Row counts per table, left by the conservation check for the report.
    pub table_counts: Vec<TableCounts>,
    /// What up changed in the schema, left by the up-changes check for the report.
    pub up_changes: Option<Vec<SchemaChange>>,
}

impl<'c> Context<'c> {
    pub fn new(
        before: &'c mut PgConnection,
        after: &'c mut PgConnection,
        original: &'c DatabaseState,
        reached: &'c DatabaseState,
        scope: &'c Scope,
    ) -> Context<'c> {
        Context {
            before,
            after,
            before_more: &mut [],
            after_more: &mut [],
            original,
            reached,
            scope,
            declared: Vec::new(),
            intent: Intent::default(),
            unreadable_quarantine: Vec::new(),
            expected_set_aside: None,
            set_aside: Vec::new(),
            table_counts: Vec::new(),
            up_changes: None,
        }
    }
}
