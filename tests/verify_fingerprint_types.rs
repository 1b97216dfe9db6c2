//! Fingerprints hash each value as its type hashes it (`projection::value_hash`), so they
//! must tell apart exactly what the values' texts tell apart: for every type with a hash
//! of its own, and for the types hashed by their text, the smallest change of one value
//! changes the table's fingerprint, and so does swapping two values between columns. And
//! a correct conversion (text to uuid, in every spelling `uuid_in` accepts) fingerprints
//! alike on both sides, bucket by bucket, so the content check never falls back to
//! reading rows.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::verify::pairing::{pair_table, CastMode};
use pgrehearse::verify::DatabaseState;
use pgrehearse::verify::schema_snapshot::SnapshotOptions;
use pgrehearse::vocabulary::TableName;
use support::*;

/// A column of each hashed kind, one row, and for each an update that changes its value
/// by the least its type allows (or to a value that prints like another).
const TABLE: &str = "CREATE TABLE t (
    id integer PRIMARY KEY,
    u uuid, s smallint, i integer, b bigint, f boolean, ts timestamp, tz timestamptz,
    tx text, vc varchar(20), n numeric, d date, j jsonb, fl float8, a text[], same1 text, same2 text);
  INSERT INTO t VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 7, 7, 7, true, '2024-01-01 00:00:00',
    '2024-01-01 00:00:00+00', 'Abc', 'Abc', 1.0, '2024-01-01', '{\"a\": 1}', 0, '{a,b}', 'x', 'y'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NULL', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);";

const CHANGES: &[(&str, &str)] = &[
    ("uuid", "UPDATE t SET u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' WHERE id = 1"),
    ("smallint", "UPDATE t SET s = 8 WHERE id = 1"),
    ("integer", "UPDATE t SET i = -7 WHERE id = 1"),
    ("bigint", "UPDATE t SET b = 7 + (1::bigint << 32) WHERE id = 1"),
    ("boolean", "UPDATE t SET f = false WHERE id = 1"),
    ("timestamp", "UPDATE t SET ts = ts + interval '1 microsecond' WHERE id = 1"),
    ("timestamptz", "UPDATE t SET tz = tz + interval '1 microsecond' WHERE id = 1"),
    ("text case", "UPDATE t SET tx = 'abc' WHERE id = 1"),
    ("text NULL and 'NULL'", "UPDATE t SET tx = NULL WHERE id = 2"),
    ("varchar trailing space", "UPDATE t SET vc = 'Abc ' WHERE id = 1"),
    ("numeric scale", "UPDATE t SET n = 1.00 WHERE id = 1"),
    ("date", "UPDATE t SET d = d + 1 WHERE id = 1"),
    ("jsonb", "UPDATE t SET j = '{\"a\": 2}' WHERE id = 1"),
    ("float8 sign of zero", "UPDATE t SET fl = '-0' WHERE id = 1"),
    ("array", "UPDATE t SET a = '{b,a}' WHERE id = 1"),
    ("a NULL where there was none", "UPDATE t SET u = NULL WHERE id = 1"),
    ("values swapped between columns", "UPDATE t SET same1 = 'y', same2 = 'x' WHERE id = 1"),
    ("values swapped between rows", "UPDATE t SET s = CASE id WHEN 1 THEN NULL ELSE 7 END"),
];

async fn fingerprint(conn: &mut sqlx::PgConnection) -> pgrehearse::verify::fingerprint::Fingerprint {
    let state = DatabaseState::capture(conn, &SnapshotOptions::default()).await.expect("read the state");
    state.fingerprints[&TableName::new("public", "t")].clone()
}

#[tokio::test]
async fn the_least_change_of_any_value_changes_the_fingerprint() {
    let server = server().await;
    for (what, change) in CHANGES {
        let db = server.create_database().await.unwrap().keep_on_panic();
        let mut conn = connect(&db).await;
        apply(&mut conn, "table.sql", TABLE).await;
        let before = fingerprint(&mut conn).await;
        assert_eq!(before, fingerprint(&mut conn).await, "a fingerprint is stable");
        apply(&mut conn, "change.sql", change).await;
        let after = fingerprint(&mut conn).await;
        assert_eq!(before.rows, after.rows);
        assert_ne!(before.hash, after.hash, "{what}: `{change}` left the fingerprint as it was");
    }
}

#[tokio::test]
async fn a_correct_conversion_fingerprints_alike_in_every_bucket() {
    let server = server().await;
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = connect(&db).await;
    // Every spelling uuid_in accepts, some not castable at all, and NULLs; the converted
    // copy holds the uuids, the uncastable rows go to a quarantine table as they were.
    let setup = "CREATE TABLE old (id varchar(40) PRIMARY KEY, ref varchar(40), at timestamptz, ok boolean);
        INSERT INTO old SELECT CASE i % 5
              WHEN 0 THEN upper(md5(i::text)::uuid::text)
              WHEN 1 THEN replace(md5(i::text)::uuid::text, '-', '')
              WHEN 2 THEN '{' || md5(i::text)::uuid::text || '}'
              WHEN 3 THEN md5(i::text)::uuid::text
              ELSE CASE WHEN i % 50 = 4 THEN 'not-a-uuid-' || i ELSE md5(i::text)::uuid::text END END,
            CASE WHEN i % 7 = 0 THEN NULL ELSE md5((i + 1)::text)::uuid::text END,
            '2024-01-01'::timestamptz + i * interval '1 second', i % 3 = 0
          FROM generate_series(1, 5000) AS i;
        CREATE TABLE new (id uuid PRIMARY KEY, ref uuid, at timestamptz, ok boolean);
        INSERT INTO new SELECT id::uuid, ref::uuid, at, ok FROM old WHERE id NOT LIKE 'not-a-uuid-%';
        CREATE SCHEMA q;
        CREATE TABLE q.new AS SELECT * FROM old WHERE id LIKE 'not-a-uuid-%';";
    apply(&mut conn, "setup.sql", setup).await;
    let quarantined = scalar_i64(&mut conn, "SELECT count(*) FROM q.new").await;
    assert!(quarantined > 0, "some ids cannot be cast");
    let state = DatabaseState::capture(&mut conn, &SnapshotOptions::default()).await.unwrap();
    let (old, new, q) = (TableName::new("public", "old"), TableName::new("public", "new"), TableName::new("q", "new"));
    let tables = &state.schema.tables;
    let quarantine = [(q.clone(), &tables[&q])];
    let pairing = pair_table(&new, &tables[&old], &tables[&new], &quarantine, CastMode::ToAfterTypes).unwrap();
    // The before side reads `old` under the name `new`'s pairing gives it: point it at `old`.
    let mut before = pairing.before.clone();
    before.sources[0].table = old;
    let (before, after) = (before.prepare(&mut conn).await.unwrap(), pairing.after.prepare(&mut conn).await.unwrap());
    let before_buckets = pgrehearse::verify::fingerprint::side_buckets(&mut conn, &before).await.unwrap();
    let after_buckets = pgrehearse::verify::fingerprint::side_buckets(&mut conn, &after).await.unwrap();
    assert_eq!(before_buckets.total().rows, 5000);
    assert!(before_buckets.0.len() > 200, "the rows spread over the buckets: {}", before_buckets.0.len());
    assert_eq!(before_buckets, after_buckets, "a correct conversion fingerprints alike, bucket by bucket");
    // And one value converted wrongly is seen in exactly one bucket.
    apply(&mut conn, "break.sql", "UPDATE new SET ok = NOT ok WHERE id = (SELECT id FROM new ORDER BY id LIMIT 1)").await;
    let broken = pgrehearse::verify::fingerprint::side_buckets(&mut conn, &after).await.unwrap();
    let differing = (0..pgrehearse::verify::projection::BUCKETS).filter(|b| broken.0.get(b) != before_buckets.0.get(b)).count();
    assert_eq!(differing, 1);
}
