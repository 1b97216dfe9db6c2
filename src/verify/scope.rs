//! What a check looks at: the quarantine tables a migration writes to, and the
//! bookkeeping objects left out of every comparison. Shared by the checks that compare
//! two databases.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::pattern::{matches_any, TablePattern};
use super::schema_snapshot::{SchemaSnapshot, SnapshotOptions, TableSchema};
use crate::vocabulary::TableName;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Where set-aside rows live, e.g. `migration_quarantine.*`. A quarantine table has the
    /// same name and columns as its source table (it may have more, such as `reason`).
    pub quarantine: Vec<TablePattern>,
    /// Bookkeeping left out of every comparison, e.g. `public.migration_log`,
    /// `migration_backup.*`.
    pub excluded: Vec<TablePattern>,
    /// Rows the migration is expected to change in place, such as orphans whose reference a
    /// `nullify` policy set to NULL: `(schema.table, canonical key)`, the key as the content
    /// check writes it (`quote_nullable` of each key column, joined with `|`).
    #[serde(default)]
    pub expected_changes: BTreeSet<(String, String)>,
}

impl Scope {
    pub fn new(quarantine: &[&str], excluded: &[&str]) -> Scope {
        Scope {
            quarantine: quarantine.iter().map(|p| TablePattern::parse(p)).collect(),
            excluded: excluded.iter().map(|p| TablePattern::parse(p)).collect(),
            expected_changes: BTreeSet::new(),
        }
    }

    /// Snapshot options that keep quarantine tables (checks need them) and drop bookkeeping.
    pub fn snapshot_options(&self) -> SnapshotOptions {
        SnapshotOptions { excluded: self.excluded.clone() }
    }

    /// Snapshot options that also drop quarantine tables: what rollback identity compares.
    pub fn snapshot_options_without_quarantine(&self) -> SnapshotOptions {
        SnapshotOptions { excluded: self.excluded.iter().chain(&self.quarantine).cloned().collect() }
    }

    /// The part of a state's snapshot this scope looks at (bookkeeping left out), as if
    /// it had been read with [`Scope::snapshot_options`].
    pub fn visible(&self, snapshot: &SchemaSnapshot) -> SchemaSnapshot {
        filtered(snapshot, &self.excluded)
    }

    /// The same, without quarantine tables: what rollback identity compares.
    pub fn visible_without_quarantine(&self, snapshot: &SchemaSnapshot) -> SchemaSnapshot {
        filtered(snapshot, &self.snapshot_options_without_quarantine().excluded)
    }

    pub fn is_quarantine(&self, table: &TableName) -> bool {
        matches_any(&self.quarantine, table)
    }

    /// The user tables of a snapshot: every table that is not a quarantine table.
    pub fn source_tables<'a>(&self, snapshot: &'a SchemaSnapshot) -> Vec<(&'a TableName, &'a TableSchema)> {
        snapshot.tables.iter().filter(|(t, _)| !self.is_quarantine(t)).collect()
    }

    /// The quarantine tables in `snapshot` that hold rows of `source`.
    pub fn quarantine_for<'a>(
        &self,
        snapshot: &'a SchemaSnapshot,
        source: &TableName,
    ) -> Vec<(TableName, &'a TableSchema)> {
        // Named `schema.table` (the built-in engine outside `public`), or by the bare name,
        // which belongs to the `public` table of that name when there is one.
        let qualified = source.to_string();
        let bare_is_public = source.schema == "public"
            || !snapshot.tables.keys().any(|t| t.schema == "public" && t.name == source.name);
        snapshot
            .tables
            .iter()
            .filter(|(t, _)| self.is_quarantine(t) && *t != source)
            .filter(|(t, _)| t.name == qualified || (t.name == source.name && bare_is_public))
            .map(|(t, s)| (t.clone(), s))
            .collect()
    }
}

/// `snapshot` without the tables, views and FKs that `excluded` matches.
fn filtered(snapshot: &SchemaSnapshot, excluded: &[TablePattern]) -> SchemaSnapshot {
    let keep = |t: &TableName| !matches_any(excluded, t);
    SchemaSnapshot {
        tables: snapshot.tables.iter().filter(|(t, _)| keep(t)).map(|(t, s)| (t.clone(), s.clone())).collect(),
        views: snapshot.views.iter().filter(|(v, _)| keep(v)).map(|(v, d)| (v.clone(), d.clone())).collect(),
        foreign_keys: snapshot.foreign_keys.iter().filter(|r| keep(&r.child)).cloned().collect(),
        // Objects other than tables are filtered when they are read (schema_objects).
        objects: snapshot.objects.clone(),
        usage: snapshot.usage.clone(),
    }
}
