//! Values from the edges of each type's domain are in the generated data by default, and
//! `[values] edge_rate = 0` turns them off: each kind is found with SQL that knows nothing
//! of the generator, and the ground truth stays empty (they are values, not anomalies).

mod dataset_support;

use pgrehearse::dataset::{self, GroundTruth, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;
use sqlx::PgConnection;

struct Quiet;
impl SeedObserver for Quiet {}

const SCHEMA: &str = "
CREATE TABLE items (
    id          uuid PRIMARY KEY,
    title       varchar(80) NOT NULL,
    body        text,
    price       numeric(10, 4) NOT NULL,
    ratio       double precision,
    happened_at timestamptz NOT NULL,
    local_at    timestamp,
    due         date,
    payload     jsonb,
    ref_uuid    uuid,
    qty         integer NOT NULL
);";

const ROWS: u64 = 4000;

/// Each kind of edge value, as a condition on `items` that regular values never meet.
const EDGE_KINDS: &[(&str, &str)] = &[
    ("timestamps with microseconds", "happened_at <> date_trunc('second', happened_at)"),
    ("timestamps at a DST transition", "happened_at IN ('2024-03-10 07:00:00+00', '2024-03-31 01:00:00+00') OR local_at = '2024-03-10 02:30:00'"),
    ("timestamps in the far past", "happened_at < '1902-01-01 00:00:00+00'"),
    ("timestamps in the far future", "happened_at > '2038-01-01 00:00:00+00'"),
    ("dates at the ends of the range", "due IN ('0001-01-01', '9999-12-31')"),
    ("text at the column's limit", "char_length(title) = 80"),
    ("text of several KB where there is no limit", "char_length(body) > 2000"),
    ("multi-byte text", "octet_length(body) > char_length(body) AND body !~ '[\\u0300-\\u036f]'"),
    ("combining marks", "body ~ '[\\u0300-\\u036f]'"),
    ("emoji", "body ~ '[\\U0001F300-\\U0001FAFF]'"),
    ("leading and trailing spaces", "body <> btrim(body)"),
    ("empty strings", "body = ''"),
    ("numerics at full precision", "abs(price) = 999999.9999"),
    ("numerics at the smallest step", "abs(price) = 0.0001"),
    ("floats at the ends of the range", "ratio IN ('1.7976931348623157e+308', '2.2250738585072014e-308', '-1.7976931348623157e+308')"),
    ("nested JSON", "payload #> '{items,3,items,3}' IS NOT NULL"),
    ("unicode JSON", "payload->>'name' LIKE '%東京%'"),
    ("large JSON", "octet_length(payload::text) > 8000"),
    ("v1 UUIDs", "substr(ref_uuid::text, 15, 1) = '1'"),
    ("v7 UUIDs", "substr(ref_uuid::text, 15, 1) = '7'"),
    ("the nil UUID", "ref_uuid = '00000000-0000-0000-0000-000000000000'"),
    ("the max UUID", "ref_uuid = 'ffffffff-ffff-ffff-ffff-ffffffffffff'"),
    ("integers at the ends of their type", "qty IN (2147483647, -2147483648)"),
];

fn scenario(dir: &std::path::Path, values: &str) -> Scenario {
    std::fs::write(dir.join("items.sql"), SCHEMA).unwrap();
    let text = format!("name = \"edges\"\nseed = 5\n[schema]\nfile = \"items.sql\"\n[rows]\nitems = {ROWS}\n{values}");
    Scenario::from_text(&dir.join("edges.toml"), &text).unwrap()
}

async fn count(conn: &mut PgConnection, condition: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM items WHERE {condition}");
    sqlx::query_as::<_, (i64,)>(&sql).fetch_one(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}")).0
}

#[tokio::test]
async fn every_kind_of_edge_value_is_seeded_and_found_and_edge_rate_zero_turns_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();

    let with_edges = scenario(dir.path(), "[values]\nedge_rate = 0.25\n");
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &with_edges, &Quiet).await.unwrap();
    assert_eq!(count(&mut conn, "true").await as u64, ROWS);
    for (kind, condition) in EDGE_KINDS {
        assert!(count(&mut conn, condition).await > 0, "no {kind} in the seeded data ({condition})");
    }
    // Values, not anomalies: nothing is recorded, and the truth in the database agrees.
    assert!(summary.truth.anomalies.is_empty());
    assert_eq!(GroundTruth::load(&mut conn).await.unwrap(), summary.truth);
    // NULLs at a realistic rate in nullable columns, none in NOT NULL ones.
    let nulls = count(&mut conn, "body IS NULL").await as u64;
    assert!((ROWS / 50..ROWS / 5).contains(&nulls), "{nulls} NULL bodies in {ROWS} rows");

    let without = scenario(dir.path(), "[values]\nedge_rate = 0\n");
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    dataset::seed(&mut conn, &without, &Quiet).await.unwrap();
    for (kind, condition) in EDGE_KINDS.iter().filter(|(kind, _)| !kind.contains("NULL")) {
        assert_eq!(count(&mut conn, condition).await, 0, "{kind} with edge_rate = 0 ({condition})");
    }
}

#[tokio::test]
async fn edge_values_are_on_by_default_at_a_few_percent() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let default = scenario(dir.path(), "");
    assert_eq!(default.edge_rate, pgrehearse::scenario::DEFAULT_EDGE_RATE);
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    dataset::seed(&mut conn, &default, &Quiet).await.unwrap();
    let micros = count(&mut conn, EDGE_KINDS[0].1).await as f64;
    // Timestamp edges with microseconds: two in five, plus half the DST ones (1/5) and one
    // of the five far ones (1/5).
    let expected = ROWS as f64 * default.edge_rate * (0.4 + 0.2 * 0.5 + 0.2 * 0.2);
    assert!(micros > expected * 0.5 && micros < expected * 1.5, "{micros} timestamps with microseconds, about {expected} expected");
}
