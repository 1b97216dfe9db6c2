//! Throughput of the engine's batched `convert` against a one-shot
//! `ALTER TABLE … TYPE uuid USING …` (foreign keys dropped and re-added) on the same data:
//! users(id varchar(36) pk) with USERS rows and journal_entries(user_id → users) with
//! three times as many. Each sample converts a fresh template clone; only the conversion
//! is timed. Run with `cargo bench --bench engine`.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pgrehearse::engine::{Engine, EngineOptions, Progress, Step};
use pgrehearse::provision::{self, Database, ProvisionOptions, Template};
use pgrehearse::vocabulary::BatchSize;
use sqlx::Executor;

const USERS: i64 = 50_000;

const SCHEMA: &str = "
CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL);
CREATE TABLE journal_entries (id bigserial PRIMARY KEY, user_id varchar(36) NOT NULL REFERENCES users (id), body text);
CREATE INDEX journal_entries_user_id_idx ON journal_entries (user_id);";

async fn seed(db: &Database) {
    let mut conn = db.connect().await.unwrap();
    conn.execute(SCHEMA).await.unwrap();
    let data = format!(
        "INSERT INTO users SELECT md5('u' || g)::uuid::text, 'u' || g || '@example.com' FROM generate_series(1, {USERS}) g;
         INSERT INTO journal_entries (user_id, body) SELECT id, 'entry' FROM users, generate_series(1, 3);
         ANALYZE;"
    );
    conn.execute(data.as_str()).await.unwrap();
}

async fn engine_convert(db: &Database, batch_size: BatchSize) -> Duration {
    let options = EngineOptions { batch_size, ..Default::default() };
    let mut engine = Engine::connect(&db.connect_options(), options, Step::Backup, Progress::hidden()).await.unwrap();
    engine.run(Step::Backup).await.unwrap();
    let started = Instant::now();
    let report = engine.run(Step::Convert).await.unwrap();
    let elapsed = started.elapsed();
    eprintln!("engine batch {batch_size}: {:.0} rows/s, swap lock {:?}", (USERS * 4) as f64 / elapsed.as_secs_f64(), report.lock_held_ms);
    elapsed
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
    let elapsed = started.elapsed();
    eprintln!("one-shot ALTER: {:.0} rows/s (ACCESS EXCLUSIVE for all of it)", (USERS * 4) as f64 / elapsed.as_secs_f64());
    elapsed
}

fn conversion(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let template = runtime.block_on(async {
        let seeded = server.create_database().await.unwrap();
        seed(&seeded).await;
        Template::freeze(&server, seeded).await.unwrap()
    });
    let mut group = c.benchmark_group("convert_200k_rows");
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(20));
    group.bench_function("one_shot_alter", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let template = &template;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let db = template.clone_database().await.unwrap();
                    total += one_shot(&db).await;
                }
                total
            }
        })
    });
    for batch in [1000, 10_000] {
        group.bench_function(format!("engine_batch_{batch}"), |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let template = &template;
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let db = template.clone_database().await.unwrap();
                        total += engine_convert(&db, BatchSize::new(batch).unwrap()).await;
                    }
                    total
                }
            })
        });
    }
    group.finish();
    drop(template);
    drop(server);
}

criterion_group!(benches, conversion);
criterion_main!(benches);
