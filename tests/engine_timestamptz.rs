//! The second conversion kind: text timestamps in several accepted formats become
//! `timestamptz`; values in no accepted format are reported (and quarantined on request);
//! rollback restores the original text byte for byte.

mod engine_support;

use pgrehearse::engine::conversion::TextToTimestamptz;
use pgrehearse::engine::{RowFindingKind, Conversion, EngineOptions, Outcome, Step};
use pgrehearse::vocabulary::{BatchSize, Policies, Policy};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::Executor;

#[tokio::test]
async fn text_timestamps_convert_and_roll_back_exactly() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    conn.execute(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'UTC'); END $$;
         SET TimeZone = 'UTC';
         CREATE TABLE events (id integer PRIMARY KEY, happened_at text NOT NULL, what text);
         INSERT INTO events SELECT g,
           CASE g % 4 WHEN 0 THEN to_char(timestamp '2024-01-01' + g * interval '1 hour', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                      WHEN 1 THEN to_char(timestamp '2024-01-01' + g * interval '1 hour', 'DD/MM/YYYY HH24:MI:SS')
                      WHEN 2 THEN extract(epoch FROM timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour')::bigint::text
                      ELSE CASE WHEN g % 20 = 3 THEN 'last tuesday' ELSE to_char(timestamp '2024-01-01' + g * interval '1 hour', 'YYYY-MM-DD HH24:MI:SS') END END,
           'e' || g
         FROM generate_series(1, 400) g;",
    )
    .await
    .unwrap();
    let before: Vec<String> = sqlx::query_scalar("SELECT t::text FROM events t ORDER BY id").fetch_all(&mut conn).await.unwrap();
    let unparseable: Vec<i32> = sqlx::query_scalar("SELECT id FROM events WHERE happened_at = 'last tuesday' ORDER BY id").fetch_all(&mut conn).await.unwrap();
    assert!(!unparseable.is_empty());
    let options = EngineOptions {
        root: "events.happened_at".parse().unwrap(),
        conversion: Conversion::TextToTimestamptz(TextToTimestamptz::default()),
        policies: Policies { invalid: Policy::Quarantine, ..Default::default() },
        batch_size: BatchSize::new(64).unwrap(),
        convert: engine_support::convert_method().into(),
        ..Default::default()
    };
    let report = engine_support::step(&db, &options, Step::Full).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    let invalid: Vec<i32> = report.findings.iter().filter(|f| f.kind == RowFindingKind::Invalid).map(|f| f.pk["id"].as_i64().unwrap() as i32).collect();
    assert_eq!(invalid, unparseable);
    // Every accepted format lands on the instant the generator meant: id g is g hours
    // after 2024-01-01 00:00 UTC.
    let wrong: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE happened_at <> timestamptz '2024-01-01 00:00:00+00' + id * interval '1 hour'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&mut conn).await.unwrap();
    assert_eq!(live as usize, before.len() - unparseable.len());
    assert_eq!(wrong, 0);
    assert_eq!(engine_support::step(&db, &options, Step::Rollback).await.outcome, Outcome::Completed);
    let after: Vec<String> = sqlx::query_scalar("SELECT t::text FROM events t ORDER BY id").fetch_all(&mut conn).await.unwrap();
    assert_eq!(after, before);
}
