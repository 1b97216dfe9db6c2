//! A database state, read once when the rehearsal reaches it: the catalog (a
//! [`SchemaSnapshot`]) and a fingerprint of every table, per key bucket. Every check of a
//! phase reads this one copy, so no check sees a different state or pays for reading it
//! again: conservation takes its row counts, rollback identity its fingerprints, and a
//! diff whose side projects a table as the state did starts from its stored buckets.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use sqlx::PgConnection;

use super::error::VerifyError;
use super::fingerprint::{bucket_fingerprints, table_buckets, Buckets, Fingerprint};
use super::lanes::{deal, table_sizes};
use super::projection::{PreparedSide, SourceProjection};
use super::schema_snapshot::{snapshot, SchemaSnapshot, SnapshotOptions};
use crate::vocabulary::TableName;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseState {
    pub schema: SchemaSnapshot,
    /// Every table of `schema`, fingerprinted as raw text (no casts).
    pub fingerprints: BTreeMap<TableName, Fingerprint>,
    /// The same fingerprints per key bucket, with the projection they were read by; a
    /// table is absent when its fingerprint was read some other way (without volatile
    /// columns, say).
    pub buckets: BTreeMap<TableName, (SourceProjection, Buckets)>,
}

impl DatabaseState {
    /// Reads the state of the database `conn` is connected to: one catalog snapshot, then
    /// one scan per table.
    pub async fn capture(conn: &mut PgConnection, options: &SnapshotOptions) -> Result<DatabaseState, VerifyError> {
        Self::capture_on(conn, &mut [], options).await
    }

    /// [`capture`](Self::capture), with the tables fingerprinted in parallel on `conn` and
    /// `more` (further connections to the same database), dealt by their size on disk.
    pub async fn capture_on(conn: &mut PgConnection, more: &mut [PgConnection], options: &SnapshotOptions) -> Result<DatabaseState, VerifyError> {
        let schema = snapshot(conn, options).await?;
        let tables: Vec<&TableName> = schema.tables.keys().collect();
        let blocks: Vec<i64> = table_sizes(conn, &tables).await?.iter().map(|s| s.blocks).collect();
        let lanes = deal(&blocks, 1 + more.len());
        let conns = std::iter::once(conn).chain(more.iter_mut());
        let (snap, tables) = (&schema, &tables);
        let work = conns.zip(lanes).map(|(conn, lane)| async move {
            let mut read = Vec::new();
            for table in lane.into_iter().map(|i| tables[i]) {
                let schema = &snap.tables[table];
                let columns: Vec<(String, String)> = schema.columns.iter().map(|c| (c.name.clone(), c.data_type.clone())).collect();
                if let Some(stored) = table_buckets(conn, table, &columns, &schema.primary_key).await? {
                    read.push((table.clone(), stored));
                }
            }
            Ok::<_, VerifyError>(read)
        });
        let buckets: BTreeMap<TableName, (SourceProjection, Buckets)> = try_join_all(work).await?.into_iter().flatten().collect();
        let fingerprints = buckets.iter().map(|(t, (_, b))| (t.clone(), b.total())).collect();
        Ok(DatabaseState { schema, fingerprints, buckets })
    }

    /// The bucket fingerprints of `side`, read on `conn` (connected to this state's
    /// database), with each source that projects a table as this state did taken from the
    /// stored buckets instead of scanning it again.
    pub async fn side_buckets(&self, conn: &mut PgConnection, side: &PreparedSide) -> Result<Buckets, VerifyError> {
        let mut buckets = Buckets::default();
        for source in &side.sources {
            match self.stored(&source.projection) {
                Some(stored) => buckets.add(stored),
                None => buckets.add(&bucket_fingerprints(conn, &source.hash_sql).await?),
            }
        }
        Ok(buckets)
    }

    /// The stored buckets of `projection`'s table, if the state read it by that projection.
    pub fn stored(&self, projection: &SourceProjection) -> Option<&Buckets> {
        self.buckets.get(&projection.table).filter(|(read_by, _)| read_by == projection).map(|(_, buckets)| buckets)
    }
}
