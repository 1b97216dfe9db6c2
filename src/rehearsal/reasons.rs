//! The reason the built-in engine gave for each row it set aside, read from its own
//! bookkeeping (`pgrehearse_engine.quarantine_reason`) while the run is open, so the report
//! can count quarantined rows by reason. Quarantine tables carry no reason column: they
//! have exactly the source table's columns.

use std::collections::BTreeMap;

use sqlx::{PgConnection, Row};

use crate::verify::anomalies::SetAside;
use crate::verify::schema_snapshot::SchemaSnapshot;
use crate::verify::TableName;

/// Fills `reason` on the rows the engine explains; rows it does not explain keep `None`.
pub async fn attach_engine_reasons(conn: &mut PgConnection, snapshot: &SchemaSnapshot, rows: &mut [SetAside]) {
    let sql = "SELECT table_name, pk::text AS pk, kind FROM pgrehearse_engine.quarantine_reason WHERE action = 'quarantine'";
    let Ok(records) = sqlx::query(sql).fetch_all(conn).await else { return };
    let mut reasons: BTreeMap<(String, String), String> = BTreeMap::new();
    for record in records {
        let table: String = record.get("table_name");
        let Ok(pk) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&record.get::<String, _>("pk")) else { continue };
        let Some(schema) = snapshot.tables.get(&TableName::parse(&table)) else { continue };
        let key: Vec<String> = schema
            .primary_key
            .iter()
            .map(|column| match pk.get(column) {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            })
            .collect();
        reasons.insert((table, key.join("|")), record.get("kind"));
    }
    for row in rows.iter_mut() {
        if let Some(reason) = reasons.get(&(row.table.clone(), row.key.clone())) {
            row.reason = Some(reason.replace('_', " "));
        }
    }
}
