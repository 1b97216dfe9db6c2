//! A database state, read once when the rehearsal reaches it: the catalog (a
//! [`SchemaSnapshot`]) and a fingerprint of every table. Every check of a phase reads
//! this one copy, so no check sees a different state or pays for reading it again.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::error::VerifyError;
use super::fingerprint::{fingerprint_tables, Fingerprint};
use super::schema_snapshot::{snapshot, SchemaSnapshot, SnapshotOptions};
use crate::vocabulary::TableName;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseState {
    pub schema: SchemaSnapshot,
    /// Every table of `schema`, fingerprinted as raw text (no casts).
    pub fingerprints: BTreeMap<TableName, Fingerprint>,
}

impl DatabaseState {
    /// Reads the state of the database `conn` is connected to: one catalog snapshot, then
    /// one fingerprint per table.
    pub async fn capture(conn: &mut PgConnection, options: &SnapshotOptions) -> Result<DatabaseState, VerifyError> {
        let schema = snapshot(conn, options).await?;
        let fingerprints = fingerprint_tables(conn, &schema).await?;
        Ok(DatabaseState { schema, fingerprints })
    }
}
