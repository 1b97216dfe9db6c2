//! What the engine recorded about the rows it set aside, read back through its own API:
//! one row per quarantined or nulled row, from `pgrehearse_engine.quarantine_reason`.

use sqlx::{PgConnection, Row};

use super::bookkeeping;
use super::error::EngineError;
use super::finding::Action;

/// One row the engine set aside: its table (`schema.table`), its primary key as the JSON
/// object the engine stored, and the kind of finding (`invalid`, `orphan`, `cascade`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRow {
    pub table: String,
    pub pk: serde_json::Map<String, serde_json::Value>,
    pub kind: String,
}

/// Every row recorded with `action`; empty when the database holds no engine bookkeeping
/// (a migration that is not the built-in engine's).
pub async fn recorded_rows(conn: &mut PgConnection, action: Action) -> Result<Vec<RecordedRow>, EngineError> {
    if !bookkeeping::exists(conn).await? {
        return Ok(Vec::new());
    }
    let action = serde_json::to_value(action)?.as_str().unwrap_or_default().to_string();
    let sql = "SELECT table_name, pk::text AS pk, kind FROM pgrehearse_engine.quarantine_reason WHERE action = $1";
    let rows = sqlx::query(sql).bind(action).fetch_all(conn).await.map_err(EngineError::query(sql))?;
    let mut recorded = Vec::with_capacity(rows.len());
    for row in rows {
        let pk = serde_json::from_str(&row.get::<String, _>("pk"))?;
        recorded.push(RecordedRow { table: row.get("table_name"), pk, kind: row.get("kind") });
    }
    Ok(recorded)
}
