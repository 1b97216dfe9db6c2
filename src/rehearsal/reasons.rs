//! What the built-in engine recorded about the rows it set aside, read through the
//! engine's API while the run is open, matched to the rows the checks see: the reason for
//! each quarantined row (quarantine tables carry no reason column: they have exactly the
//! source table's columns), and the rows whose reference a `nullify` policy set to NULL.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgConnection;

use super::error::RehearsalError;
use crate::engine::{recorded_rows, Action, RecordedRow};
use crate::verify::anomalies::SetAside;
use crate::verify::schema_snapshot::SchemaSnapshot;
use crate::vocabulary::TableName;

/// The primary-key values of a recorded row in the table's key order; `None` when the
/// table is not in the snapshot.
fn key_of(row: &RecordedRow, snapshot: &SchemaSnapshot) -> Option<Vec<String>> {
    let schema = snapshot.tables.get(&TableName::parse(&row.table))?;
    let key = schema
        .primary_key
        .iter()
        .map(|column| match row.pk.get(column) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        })
        .collect();
    Some(key)
}

/// The rows whose reference the engine nulled: as set-aside rows (action `nulled`) for the
/// anomalies check, and as `(table, canonical key)` for the content check, which must not
/// call the intended NULL a changed value.
pub async fn engine_nulled_rows(conn: &mut PgConnection, snapshot: &SchemaSnapshot) -> Result<(Vec<SetAside>, BTreeSet<(String, String)>), RehearsalError> {
    let mut set_aside = Vec::new();
    let mut changes = BTreeSet::new();
    for row in recorded_rows(conn, Action::Nullify).await? {
        let Some(key) = key_of(&row, snapshot) else { continue };
        // The content check's canonical key: quote_nullable(col::text) per column.
        let canonical: Vec<String> = key.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
        changes.insert((row.table.clone(), canonical.join("|")));
        set_aside.push(SetAside { table: row.table, key: key.join("|"), action: "nulled".into(), reason: Some(row.kind.replace('_', " ")) });
    }
    Ok((set_aside, changes))
}

/// Fills `reason` on the rows the engine explains; rows it does not explain keep `None`.
pub async fn attach_engine_reasons(conn: &mut PgConnection, snapshot: &SchemaSnapshot, rows: &mut [SetAside]) -> Result<(), RehearsalError> {
    let mut reasons: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in recorded_rows(conn, Action::Quarantine).await? {
        if let Some(key) = key_of(&row, snapshot) {
            reasons.insert((row.table, key.join("|")), row.kind);
        }
    }
    for row in rows.iter_mut() {
        if let Some(reason) = reasons.get(&(row.table.clone(), row.key.clone())) {
            row.reason = Some(reason.replace('_', " "));
        }
    }
    Ok(())
}
