//! What the built-in engine recorded about the rows it set aside, read from its own
//! bookkeeping (`pgrehearse_engine.quarantine_reason`) while the run is open: the reason
//! for each quarantined row (quarantine tables carry no reason column: they have exactly
//! the source table's columns), and the rows whose reference a `nullify` policy set to NULL.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{PgConnection, Row};

use crate::verify::anomalies::SetAside;
use crate::verify::schema_snapshot::SchemaSnapshot;
use crate::vocabulary::TableName;

/// One row the engine recorded: its table, primary-key values in key order, and kind.
struct Recorded {
    table: String,
    key: Vec<String>,
    kind: String,
}

/// The engine's records with `action`, keys put in the table's primary-key order.
async fn recorded(conn: &mut PgConnection, snapshot: &SchemaSnapshot, action: &str) -> Vec<Recorded> {
    let sql = "SELECT table_name, pk::text AS pk, kind FROM pgrehearse_engine.quarantine_reason WHERE action = $1";
    let Ok(records) = sqlx::query(sql).bind(action).fetch_all(conn).await else { return Vec::new() };
    let mut rows = Vec::new();
    for record in records {
        let table: String = record.get("table_name");
        let Ok(pk) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&record.get::<String, _>("pk")) else { continue };
        let Some(schema) = snapshot.tables.get(&TableName::parse(&table)) else { continue };
        let key = schema
            .primary_key
            .iter()
            .map(|column| match pk.get(column) {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            })
            .collect();
        rows.push(Recorded { table, key, kind: record.get("kind") });
    }
    rows
}

/// The rows whose reference the engine nulled: as set-aside rows (action `nulled`) for the
/// anomalies check, and as `(table, canonical key)` for the content check, which must not
/// call the intended NULL a changed value.
pub async fn engine_nulled_rows(conn: &mut PgConnection, snapshot: &SchemaSnapshot) -> (Vec<SetAside>, BTreeSet<(String, String)>) {
    let mut set_aside = Vec::new();
    let mut changes = BTreeSet::new();
    for row in recorded(conn, snapshot, "nullify").await {
        // The content check's canonical key: quote_nullable(col::text) per column.
        let canonical: Vec<String> = row.key.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
        changes.insert((row.table.clone(), canonical.join("|")));
        set_aside.push(SetAside { table: row.table, key: row.key.join("|"), action: "nulled".into(), reason: Some(row.kind.replace('_', " ")) });
    }
    (set_aside, changes)
}

/// Fills `reason` on the rows the engine explains; rows it does not explain keep `None`.
pub async fn attach_engine_reasons(conn: &mut PgConnection, snapshot: &SchemaSnapshot, rows: &mut [SetAside]) {
    let reasons: BTreeMap<(String, String), String> =
        recorded(conn, snapshot, "quarantine").await.into_iter().map(|r| ((r.table, r.key.join("|")), r.kind)).collect();
    for row in rows.iter_mut() {
        if let Some(reason) = reasons.get(&(row.table.clone(), row.key.clone())) {
            row.reason = Some(reason.replace('_', " "));
        }
    }
}
