//! How fast the verifier compares tables, on a disposable server: fingerprints with and
//! without a type cast, and bisection diffs with one changed row and with every row
//! changed. Throughput is reported in rows per second (criterion `Throughput::Elements`).
//!
//! `PGREHEARSE_BENCH_ROWS` sets the table size (default 1,000,000).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::verify::diff::diff;
use pgrehearse::verify::fingerprint::fingerprint_side;
use pgrehearse::verify::pairing::{pair_table, CastMode};
use pgrehearse::verify::schema_snapshot::{snapshot, SnapshotOptions};
use pgrehearse::vocabulary::TableName;
use sqlx::Executor;

const SEED: &str = "
CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL, score int);
INSERT INTO users SELECT CASE WHEN i % 7 = 0 THEN upper(u) ELSE u END, 'user' || i || '@example.com', i % 1000
  FROM (SELECT i, md5(i::text)::uuid::text AS u FROM generate_series(1, $ROWS) AS i) AS s;
ANALYZE users;";

fn bench(c: &mut Criterion) {
    let rows: u64 = std::env::var("PGREHEARSE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(provision::provision(&ProvisionOptions::native())).expect("native server");
    let (before_db, after_db, lowered_db) = rt.block_on(async {
        let seeded = server.create_database().await.unwrap();
        seeded.connect().await.unwrap().execute(sqlx::raw_sql(&SEED.replace("$ROWS", &rows.to_string()))).await.unwrap();
        let template = provision::Template::freeze(&server, seeded).await.unwrap();
        let before = template.clone_database().await.unwrap();
        let after = template.clone_database().await.unwrap();
        let lowered = template.clone_database().await.unwrap();
        after.connect().await.unwrap().execute("ALTER TABLE users ALTER COLUMN id TYPE uuid USING id::uuid; UPDATE users SET score = -1 WHERE email = 'user1@example.com'").await.unwrap();
        lowered.connect().await.unwrap().execute("UPDATE users SET email = upper(email)").await.unwrap();
        (before, after, lowered)
    });
    let table = TableName::new("public", "users");
    let mut group = c.benchmark_group("verify");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(rows));

    let (mut before, mut after, mut lowered) = rt.block_on(async {
        (before_db.connect().await.unwrap(), after_db.connect().await.unwrap(), lowered_db.connect().await.unwrap())
    });
    let (b_snap, a_snap) = rt.block_on(async {
        (
            snapshot(&mut before, &SnapshotOptions::default()).await.unwrap(),
            snapshot(&mut after, &SnapshotOptions::default()).await.unwrap(),
        )
    });
    let cast = pair_table(&table, &b_snap.tables[&table], &a_snap.tables[&table], &[], CastMode::ToAfterTypes).unwrap();
    let raw = pair_table(&table, &b_snap.tables[&table], &b_snap.tables[&table], &[], CastMode::RawText).unwrap();
    let (cast_before, cast_after, raw_before, raw_lowered) = rt.block_on(async {
        (
            cast.before.prepare(&mut before).await.unwrap(),
            cast.after.prepare(&mut after).await.unwrap(),
            raw.before.prepare(&mut before).await.unwrap(),
            raw.after.prepare(&mut lowered).await.unwrap(),
        )
    });

    group.bench_function("fingerprint_raw_text", |b| {
        b.iter(|| rt.block_on(fingerprint_side(&mut before, &raw_before)).unwrap())
    });
    group.bench_function("fingerprint_cast_to_uuid", |b| {
        b.iter(|| rt.block_on(fingerprint_side(&mut before, &cast_before)).unwrap())
    });
    group.bench_function("diff_one_changed_row", |b| {
        b.iter(|| {
            let mut changed = 0;
            let stats =
                rt.block_on(diff(&mut before, &cast_before, &mut after, &cast_after, |_| changed += 1)).unwrap();
            assert_eq!((changed, stats.mismatched_buckets), (1, 1));
        })
    });
    group.bench_function("diff_every_row_changed", |b| {
        b.iter(|| {
            let mut changed = 0u64;
            rt.block_on(diff(&mut before, &raw_before, &mut lowered, &raw_lowered, |_| changed += 1)).unwrap();
            assert_eq!(changed, rows);
        })
    });
    group.finish();
    eprintln!("peak RSS of the bench process: {} kB", peak_rss_kb());
    drop((before, after, lowered));
    rt.block_on(async move { drop((before_db, after_db, lowered_db, server)) });
}

/// VmHWM from /proc: the process's peak resident set, to show the diff streams.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
