//! The ground truth: exactly which rows carry which anomaly, as a stable contract.
//!
//! In the database: `pgrehearse_truth.anomaly(table_name, pk, column_name, kind, variety,
//! related_table, related_pk)`, where `pk` is a JSON array of the row's primary-key values
//! as text in key order, and `pgrehearse_truth.seed_info(key, value)` with the scenario
//! name, seed and row counts. The same content is written as a JSON manifest.
//!
//! A `noncanonical_uuid` record with a `related_pk` is a child row that references a
//! non-canonical parent by exactly its text (the parent is `related_table`/`related_pk`,
//! itself recorded); the scenario did not ask for it, the parent's anomaly brought it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::error::SeedError;
use super::generate::cell::cell_text;
use super::generate::text_out::push_escaped;
use super::model::SchemaModel;
use super::plan::SeedPlan;
use super::AnomalyKind;
use crate::quote::quote_ident;

/// The private schema holding the ground truth.
pub const TRUTH_SCHEMA: &str = "pgrehearse_truth";

const CREATE: &str = "CREATE SCHEMA pgrehearse_truth;
CREATE TABLE pgrehearse_truth.anomaly (
    table_name text NOT NULL, pk jsonb NOT NULL, column_name text, kind text NOT NULL,
    variety text, related_table text, related_pk jsonb);
CREATE TABLE pgrehearse_truth.seed_info (key text PRIMARY KEY, value jsonb);";

/// One anomalous row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TruthRecord {
    pub table_name: String,
    /// The row's primary-key values as text, in key order.
    pub pk: Vec<String>,
    pub column_name: Option<String>,
    pub kind: AnomalyKind,
    pub variety: Option<String>,
    pub related_table: Option<String>,
    pub related_pk: Option<Vec<String>>,
}

impl TruthRecord {
    /// Whether the row carries its anomaly because of its parent's: a child referencing a
    /// non-canonical parent by the same text.
    pub fn is_inherited(&self) -> bool {
        self.kind == AnomalyKind::NoncanonicalUuid && self.related_pk.is_some()
    }
}

/// Everything a verifier needs to score a migration against the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub scenario: String,
    pub seed: u64,
    /// Rows per table (display name), as loaded.
    pub row_counts: BTreeMap<String, u64>,
    pub anomalies: Vec<TruthRecord>,
}

impl GroundTruth {
    /// The ground truth a plan implies; computed before a single row is loaded.
    pub fn from_plan(plan: &SeedPlan, model: &SchemaModel) -> GroundTruth {
        let pk_of = |table: usize, row: u64| -> Vec<String> {
            model.tables[table].primary_key.iter().map(|&c| cell_text(plan, table, c, row).unwrap_or_default()).collect()
        };
        let mut anomalies = Vec::new();
        for (table, table_plan) in plan.tables.iter().enumerate() {
            let table_model = &model.tables[table];
            for (&row, anomaly) in &table_plan.anomalies {
                anomalies.push(TruthRecord {
                    table_name: table_model.display_name(),
                    pk: pk_of(table, row),
                    column_name: Some(table_model.columns[anomaly.column].name.clone()),
                    kind: anomaly.kind,
                    variety: anomaly.variety.map(str::to_string),
                    related_table: anomaly.related_table.map(|t| model.tables[t].display_name()),
                    related_pk: anomaly.related.map(|(t, r)| pk_of(t, r)),
                });
            }
        }
        anomalies.sort();
        let row_counts = plan.tables.iter().enumerate().map(|(t, p)| (model.tables[t].display_name(), p.rows)).collect();
        GroundTruth { scenario: plan.scenario.clone(), seed: plan.seed, row_counts, anomalies }
    }

    /// Rows per (table, kind), inherited ones included.
    pub fn counts(&self) -> BTreeMap<(String, AnomalyKind), u64> {
        let mut counts = BTreeMap::new();
        for record in &self.anomalies {
            *counts.entry((record.table_name.clone(), record.kind)).or_insert(0) += 1;
        }
        counts
    }

    /// Rows per (table, kind) the scenario asked for: all but the inherited ones.
    pub fn requested_counts(&self) -> BTreeMap<(String, AnomalyKind), u64> {
        let mut counts = BTreeMap::new();
        for record in self.anomalies.iter().filter(|r| !r.is_inherited()) {
            *counts.entry((record.table_name.clone(), record.kind)).or_insert(0) += 1;
        }
        counts
    }

    pub fn count(&self, table: &str, kind: AnomalyKind) -> u64 {
        self.anomalies.iter().filter(|r| r.table_name == table && r.kind == kind).count() as u64
    }

    pub fn to_manifest_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("ground truth serialises")
    }

    /// Creates the truth schema and fills it.
    pub async fn write(&self, conn: &mut PgConnection) -> Result<(), SeedError> {
        conn.execute(CREATE).await.map_err(SeedError::database("create the pgrehearse_truth schema"))?;
        let mut text = Vec::new();
        for record in &self.anomalies {
            write_copy_row(record, &mut text);
        }
        let columns = ["table_name", "pk", "column_name", "kind", "variety", "related_table", "related_pk"].map(quote_ident).join(", ");
        let mut copy = conn.copy_in_raw(&format!("COPY pgrehearse_truth.anomaly ({columns}) FROM STDIN")).await.map_err(SeedError::database("start COPY of the ground truth"))?;
        for chunk in text.chunks(super::generate::chunks::CHUNK_BYTES) {
            copy.send(chunk).await.map_err(SeedError::database("send the ground truth"))?;
        }
        copy.finish().await.map_err(SeedError::database("finish COPY of the ground truth"))?;
        for (key, value) in self.seed_info() {
            sqlx::query("INSERT INTO pgrehearse_truth.seed_info (key, value) VALUES ($1, $2::jsonb)")
                .bind(key)
                .bind(value.to_string())
                .execute(&mut *conn)
                .await
                .map_err(SeedError::database("record seed_info"))?;
        }
        Ok(())
    }

    fn seed_info(&self) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("scenario", serde_json::json!(self.scenario)),
            ("seed", serde_json::json!(self.seed)),
            ("row_counts", serde_json::json!(self.row_counts)),
        ]
    }

    /// Reads the ground truth back from a seeded database.
    pub async fn load(conn: &mut PgConnection) -> Result<GroundTruth, SeedError> {
        let info: BTreeMap<String, serde_json::Value> = sqlx::query("SELECT key, value::text AS value FROM pgrehearse_truth.seed_info")
            .fetch_all(&mut *conn)
            .await
            .map_err(SeedError::database("read pgrehearse_truth.seed_info"))?
            .iter()
            .map(|row| (row.get::<String, _>("key"), serde_json::from_str(row.get::<String, _>("value").as_str()).unwrap_or_default()))
            .collect();
        let rows = sqlx::query(
            "SELECT table_name, pk::text AS pk, column_name, kind, variety, related_table, related_pk::text AS related_pk FROM pgrehearse_truth.anomaly",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(SeedError::database("read pgrehearse_truth.anomaly"))?;
        let mut anomalies: Vec<TruthRecord> = rows.iter().map(record_from_row).collect();
        anomalies.sort();
        Ok(GroundTruth {
            scenario: info.get("scenario").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            seed: info.get("seed").and_then(|v| v.as_u64()).unwrap_or_default(),
            row_counts: info.get("row_counts").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default(),
            anomalies,
        })
    }
}

fn record_from_row(row: &sqlx::postgres::PgRow) -> TruthRecord {
    let json_list = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok());
    TruthRecord {
        table_name: row.get("table_name"),
        pk: json_list(row.get("pk")).unwrap_or_default(),
        column_name: row.get("column_name"),
        kind: AnomalyKind::parse(row.get::<String, _>("kind").as_str()).unwrap_or(AnomalyKind::Dependent),
        variety: row.get("variety"),
        related_table: row.get("related_table"),
        related_pk: json_list(row.get("related_pk")),
    }
}

fn push_optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => push_escaped(out, text),
        None => out.extend_from_slice(b"\\N"),
    }
}

/// One line of COPY text, in the column order of `pgrehearse_truth.anomaly`.
fn write_copy_row(record: &TruthRecord, out: &mut Vec<u8>) {
    let json = |pk: &Vec<String>| serde_json::to_string(pk).expect("strings serialise");
    let fields = [
        Some(record.table_name.clone()),
        Some(json(&record.pk)),
        record.column_name.clone(),
        Some(record.kind.as_str().to_string()),
        record.variety.clone(),
        record.related_table.clone(),
        record.related_pk.as_ref().map(json),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        push_optional(out, field.as_deref());
    }
    out.push(b'\n');
}
