//! The engine against the physical limit, side by side in one run: `migrate full`
//! (validate-schema, backup, convert, validate) against a one-shot `ALTER TABLE … TYPE
//! uuid USING …` of the key and its reference (foreign keys dropped and re-added), on
//! the same data: users(id varchar(36) pk) and journal_entries(user_id → users) with
//! three times as many rows, about 1M key rows in all (`PGREHEARSE_BENCH_ROWS` scales
//! it). `migrate full` runs with each convert method (`rebuild` and `in-place`). After
//! the group it prints, per method, the ratio `one-shot ALTER ÷ migrate full` (the share
//! of the physical limit's speed the engine reaches; the goal is ≥ 0.5) from the medians
//! of the samples, and the longest ACCESS EXCLUSIVE lock its swap held. Then the throughput of
//! `convert` alone and of `rollback` at batch sizes 100 to 50000. Every sample works on a
//! fresh template clone made outside the timed section, and only the step measured is
//! timed. Run with `cargo bench --bench engine` (`-- full_vs_alter` for the ratio only).
//! `PGREHEARSE_BENCH_SCALE=10` also measures how `migrate full` grows with ten times the
//! rows, against the one-shot ALTER's own growth on the same server (minutes).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use pgrehearse::engine::{ConvertMethod, Engine, EngineOptions, Outcome, Progress, Step};
use pgrehearse::provision::{self, Database, ProvisionOptions, Template};
use pgrehearse::vocabulary::BatchSize;
use sqlx::Executor;

const BATCH_SIZES: [u64; 4] = [100, 1000, 10_000, 50_000];

/// The batch size of the `migrate full` samples (the measurements used 5000).
const FULL_BATCH: u64 = 5000;

/// Key rows in all (users and their references); `PGREHEARSE_BENCH_ROWS` overrides 1M.
fn key_rows() -> i64 {
    std::env::var("PGREHEARSE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

const SCHEMA: &str = "
CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL);
CREATE TABLE journal_entries (id bigserial PRIMARY KEY, user_id varchar(36) NOT NULL REFERENCES users (id), body text);
CREATE INDEX journal_entries_user_id_idx ON journal_entries (user_id);";

async fn seed(db: &Database, users: i64) {
    let mut conn = db.connect().await.unwrap();
    conn.execute(SCHEMA).await.unwrap();
    let data = format!(
        "INSERT INTO users SELECT md5('u' || g)::uuid::text, 'u' || g || '@example.com' FROM generate_series(1, {users}) g;
         INSERT INTO journal_entries (user_id, body) SELECT id, 'entry' FROM users, generate_series(1, 3);
         ANALYZE;"
    );
    conn.execute(data.as_str()).await.unwrap();
}

async fn engine(db: &Database, batch_size: u64, step: Step, convert: ConvertMethod) -> Engine {
    let batch_size = BatchSize::new(batch_size).unwrap();
    let options = EngineOptions { batch_size, convert: convert.into(), ..Default::default() };
    Engine::connect(&db.connect_options(), options, step, Progress::hidden()).await.unwrap()
}

/// Times `convert` (after an untimed backup) or `rollback` (after untimed backup and convert).
async fn engine_step(db: &Database, batch_size: u64, timed: Step) -> Duration {
    let mut engine = engine(db, batch_size, Step::Full, ConvertMethod::InPlace).await;
    let before: &[Step] = if timed == Step::Convert { &[Step::Backup] } else { &[Step::Backup, Step::Convert] };
    for step in before {
        assert_eq!(engine.run(*step).await.unwrap().outcome, Outcome::Completed);
    }
    let started = Instant::now();
    let report = engine.run(timed).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.outcome, Outcome::Completed, "{report:?}");
    engine.close().await.unwrap();
    elapsed
}

/// Times `migrate full` from the untouched database, keeping the longest lock its swap
/// held (ms) in `locks`.
async fn full(db: &Database, batch_size: u64, convert: ConvertMethod, locks: &Mutex<Vec<f64>>) -> Duration {
    let started = Instant::now();
    let mut engine = engine(db, batch_size, Step::Full, convert).await;
    let report = engine.run(Step::Full).await.unwrap();
    engine.close().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.outcome, Outcome::Completed, "{report:?}");
    assert!(report.checks.iter().all(|c| c.ok), "{:?}", report.checks);
    locks.lock().unwrap().extend(report.lock_held_ms.iter().map(|(_, ms)| *ms));
    elapsed
}

fn median(samples: &Mutex<Vec<Duration>>) -> Option<Duration> {
    let mut s = samples.lock().unwrap().clone();
    s.sort();
    s.get(s.len() / 2).copied()
}

async fn one_shot(db: &Database) -> Duration {
    let mut conn = db.connect().await.unwrap();
    let started = Instant::now();
    conn.execute(
        "BEGIN;
         ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_user_id_fkey;
         ALTER TABLE users ALTER COLUMN id TYPE uuid USING id::uuid;
         ALTER TABLE journal_entries ALTER COLUMN user_id TYPE uuid USING user_id::uuid;
         ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
         COMMIT;",
    )
    .await
    .unwrap();
    started.elapsed()
}

fn conversion(c: &mut Criterion) {
    let rows = key_rows();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let template = runtime.block_on(async {
        let seeded = server.create_database().await.unwrap();
        seed(&seeded, rows / 4).await;
        Template::freeze(&server, seeded).await.unwrap()
    });
    type Run<'r> = &'r dyn Fn(&Database) -> std::pin::Pin<Box<dyn std::future::Future<Output = Duration> + '_>>;
    let timed = |b: &mut criterion::Bencher, run: Run, kept: Option<&Mutex<Vec<Duration>>>| {
        b.to_async(&runtime).iter_custom(|iters| {
            let template = &template;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let db = template.clone_database().await.unwrap(); // outside the timed section
                    let took = run(&db).await;
                    if let Some(kept) = kept {
                        kept.lock().unwrap().push(took);
                    }
                    total += took;
                    template.server().drop_database(db).await.unwrap();
                }
                total
            }
        })
    };

    // Side by side: the same group, the same data, samples of all three in one run.
    let alter = Mutex::new(Vec::new());
    let methods = [ConvertMethod::Rebuild, ConvertMethod::InPlace];
    // The swap locks are shared with each run's future, which may borrow only its database.
    let migrate: Vec<(Mutex<Vec<Duration>>, Arc<Mutex<Vec<f64>>>)> = methods.iter().map(|_| (Mutex::new(Vec::new()), Arc::default())).collect();
    let mut group = c.benchmark_group(format!("full_vs_alter_{rows}_key_rows"));
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements((rows / 4 * 4) as u64));
    group.bench_function("one_shot_alter", |b| timed(b, &|db| Box::pin(one_shot(db)), Some(&alter)));
    for (method, (kept, locks)) in methods.iter().zip(&migrate) {
        let method = *method;
        group.bench_function(format!("migrate_full_{}", method.name()), |b| {
            timed(
                b,
                &|db| {
                    let locks = Arc::clone(locks);
                    Box::pin(async move { full(db, FULL_BATCH, method, &locks).await })
                },
                Some(kept),
            )
        });
    }
    group.finish();
    for (method, (kept, locks)) in methods.iter().zip(&migrate) {
        if let (Some(a), Some(m)) = (median(&alter), median(kept)) {
            let longest = locks.lock().unwrap().iter().copied().fold(0.0, f64::max);
            println!(
                "ratio at {rows} key rows, convert {}: one-shot ALTER {:.2} s, migrate full {:.2} s (medians of {} and {} runs): one-shot ÷ migrate full = {:.3} (goal ≥ 0.5); longest swap lock {longest:.0} ms",
                method.name(),
                a.as_secs_f64(),
                m.as_secs_f64(),
                alter.lock().unwrap().len(),
                kept.lock().unwrap().len(),
                a.as_secs_f64() / m.as_secs_f64()
            );
        }
    }

    if let Some(factor) = std::env::var("PGREHEARSE_BENCH_SCALE").ok().and_then(|v| v.parse::<i64>().ok()) {
        runtime.block_on(scale(&template, rows, factor));
    }

    // Each sample takes seconds: flat sampling, ten samples, no warm-up to speak of.
    let mut group = c.benchmark_group(format!("engine_{rows}_key_rows"));
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements((rows / 4 * 4) as u64));
    group.bench_function("one_shot_alter", |b| timed(b, &|db| Box::pin(one_shot(db)), None));
    for batch in BATCH_SIZES {
        group.bench_with_input(BenchmarkId::new("convert", batch), &batch, |b, &batch| {
            timed(b, &move |db| Box::pin(engine_step(db, batch, Step::Convert)), None)
        });
        group.bench_with_input(BenchmarkId::new("rollback", batch), &batch, |b, &batch| {
            timed(b, &move |db| Box::pin(engine_step(db, batch, Step::Rollback)), None)
        });
    }
    group.finish();
    drop(template);
    drop(server);
}

/// `PGREHEARSE_BENCH_SCALE=F`: how `migrate full` (rebuild) grows with the data, side by
/// side with the one-shot ALTER's own growth: `F` times the rows seeded on the same server,
/// then three rounds of each method at both sizes, alternating, each on a fresh clone; it
/// prints time(F×) ÷ time(1×) of the medians for both (the goal: ≤ 11 for F = 10).
async fn scale(small: &Template<'_>, rows: i64, factor: i64) {
    let server = small.server();
    let seeded = server.create_database().await.unwrap();
    seed(&seeded, rows * factor / 4).await;
    let large = Template::freeze(server, seeded).await.unwrap();
    let locks = Mutex::new(Vec::new());
    let (mut engine_times, mut alter_times) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    for _ in 0..3 {
        for (i, template) in [small, &large].into_iter().enumerate() {
            let db = template.clone_database().await.unwrap();
            alter_times[i].push(one_shot(&db).await);
            server.drop_database(db).await.unwrap();
            let db = template.clone_database().await.unwrap();
            engine_times[i].push(full(&db, FULL_BATCH, ConvertMethod::Rebuild, &locks).await);
            server.drop_database(db).await.unwrap();
        }
    }
    let med = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2].as_secs_f64()
    };
    let (e1, e2, a1, a2) = (med(&mut engine_times[0]), med(&mut engine_times[1]), med(&mut alter_times[0]), med(&mut alter_times[1]));
    let longest = locks.lock().unwrap().iter().copied().fold(0.0, f64::max);
    println!(
        "scale ×{factor} ({rows} and {} key rows, medians of 3): migrate full (rebuild) {e1:.2} s and {e2:.2} s: time({factor}×) ÷ time(1×) = {:.2} (goal ≤ {}); \
         the one-shot ALTER {a1:.2} s and {a2:.2} s: {:.2}; one-shot ÷ migrate full = {:.2} and {:.2}; longest swap lock {longest:.0} ms",
        rows * factor,
        e2 / e1,
        factor + factor / 10,
        a2 / a1,
        a1 / e1,
        a2 / e2
    );
    large.drop().await.unwrap();
}

criterion_group!(benches, conversion);
criterion_main!(benches);
