//! Property: random rows (NULLs, unicode, extreme timestamps, numerics at full precision
//! and scale, nested JSON, arrays, bytea) go Postgres → SQLite exactly under the mapping.
//! The expected SQLite value of each cell is computed here from the generated value, not
//! by the exporter, and verify-sqlite must hold on every export.

mod export_support;

use export_support::{pgrehearse, sqlite_rows, stderr};
use pgrehearse::export::SqlValue;
use pgrehearse::provision::{self, ProvisionOptions};
use proptest::prelude::*;
use sqlx::Executor;

#[derive(Debug, Clone)]
struct Row {
    name: Option<String>,
    /// Microseconds since the epoch, from year 0001 to 9999.
    at: Option<i64>,
    /// Digits before and after the point, as written.
    amount: Option<(bool, String, String)>,
    doc: Option<serde_json::Value>,
    tags: Option<Vec<Option<String>>>,
    raw: Option<Vec<u8>>,
    ratio: Option<f64>,
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|i| serde_json::json!(i)),
        "\\PC{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4).prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn row() -> impl Strategy<Value = Row> {
    // 0001-01-01 .. 9999-12-31 in microseconds since 1970.
    let at = -62_135_596_800_000_000i64..253_402_300_799_999_999i64;
    (
        prop::option::of("\\PC{0,12}"),
        prop::option::of(at),
        prop::option::of((any::<bool>(), "[1-9][0-9]{0,30}|0", "[0-9]{0,20}")),
        prop::option::of(json()),
        prop::option::of(prop::collection::vec(prop::option::of("\\PC{0,6}"), 0..4)),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..16)),
        prop::option::of(any::<f64>().prop_filter("finite", |f| f.is_finite())),
    )
        .prop_map(|(name, at, amount, doc, tags, raw, ratio)| Row { name, at, amount, doc, tags, raw, ratio })
}

fn numeric_text((negative, int, frac): &(bool, String, String)) -> String {
    let digits = if frac.is_empty() { int.clone() } else { format!("{int}.{frac}") };
    let is_zero = digits.bytes().all(|b| b == b'0' || b == b'.');
    if *negative && !is_zero { format!("-{digits}") } else { digits }
}

fn expected(row: &Row, id: i64) -> Vec<SqlValue> {
    let text = |s: Option<String>| s.map(SqlValue::Text).unwrap_or(SqlValue::Null);
    vec![
        SqlValue::Integer(id),
        text(row.name.clone()),
        text(row.at.map(|us| chrono::DateTime::from_timestamp_micros(us).unwrap().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())),
        text(row.amount.as_ref().map(numeric_text)),
        // json keeps the text as written; jsonb is compared as JSON below.
        text(row.doc.as_ref().map(|d| d.to_string())),
        row.raw.clone().map(SqlValue::Blob).unwrap_or(SqlValue::Null),
        // The documented mapping: SQLite has no negative zero, so -0.0 becomes 0.0.
        row.ratio.map(|r| SqlValue::Real(if r == 0.0 { 0.0 } else { r })).unwrap_or(SqlValue::Null),
    ]
}

#[test]
fn random_rows_round_trip_exactly() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 12, ..ProptestConfig::default() });
    runner
        .run(&prop::collection::vec(row(), 1..25), |rows| {
            runtime.block_on(round_trip(&server, rows));
            Ok(())
        })
        .unwrap();
}

async fn round_trip(server: &provision::Server, rows: Vec<Row>) {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute("CREATE TABLE r (id int8 PRIMARY KEY, name text, at timestamptz, amount numeric, doc json, raw bytea, ratio float8, docb jsonb, tags text[])").await.unwrap();
    for (i, row) in rows.iter().enumerate() {
        let at = row.at.map(|us| chrono::DateTime::from_timestamp_micros(us).unwrap());
        sqlx::query("INSERT INTO r VALUES ($1, $2, $3, $4::numeric, $5::json, $6, $7, $5::jsonb, $8)")
            .bind(i as i64)
            .bind(&row.name)
            .bind(at)
            .bind(row.amount.as_ref().map(numeric_text))
            .bind(row.doc.as_ref().map(|d| d.to_string()))
            .bind(&row.raw)
            .bind(row.ratio)
            .bind(&row.tags)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.db");
    let url = db.url();
    let export = pgrehearse(&["export-sqlite", "--database-url", &url, "--out", out.to_str().unwrap(), "--quiet"]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let got = sqlite_rows(&out, "SELECT id, name, at, amount, doc, raw, ratio, docb, tags FROM r ORDER BY id");
    assert_eq!(got.len(), rows.len(), "every row exported");
    for (i, (row, got)) in rows.iter().zip(&got).enumerate() {
        assert_eq!(&got[..7], &expected(row, i as i64)[..], "row {i}: {row:?}");
        let as_json = |v: &SqlValue| match v {
            SqlValue::Text(t) => Some(serde_json::from_str::<serde_json::Value>(t).expect("valid JSON")),
            _ => None,
        };
        assert_eq!(as_json(&got[7]), row.doc.clone(), "row {i}: jsonb holds the same JSON");
        let tags = row.tags.as_ref().map(|t| serde_json::json!(t));
        assert_eq!(as_json(&got[8]), tags, "row {i}: the array as a JSON array");
    }
    let verify = pgrehearse(&["verify-sqlite", "--database-url", &url, out.to_str().unwrap(), "--quiet"]);
    assert_eq!(verify.status.code(), Some(0), "{}\n{}", String::from_utf8_lossy(&verify.stdout), stderr(&verify));
    server.drop_database(db).await.unwrap();
}
