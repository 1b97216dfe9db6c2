//! Time-to-ready for each backend, and a template clone of a seeded 1M-row database
//! against seeding it again, measured side by side in one run. Besides criterion's own
//! output it writes `target/pgrehearse/bench-provision.md`, the table the README shows.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pgrehearse::provision::{self, BackendChoice, NativeOptions, ProvisionOptions, Template};
use sqlx::Executor;

/// Rows in the seeded database; `PGREHEARSE_BENCH_ROWS` overrides the 1M default.
fn seeded_rows() -> u64 {
    std::env::var("PGREHEARSE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn image() -> String {
    std::env::var("PGREHEARSE_IMAGE").unwrap_or_else(|_| "pgrehearse/postgres:15-bookworm".into())
}

/// A users table shaped like the journal schema's, keys built after loading.
async fn seed(db: &provision::Database, rows: u64) {
    let mut conn = db.connect().await.unwrap();
    conn.execute(
        format!(
            "CREATE TABLE users AS SELECT md5(g::text)::uuid::text::varchar(36) AS id, \
             'user' || g || '@example.com' AS email, md5(g::text || 'h') AS password_hash, \
             now() - g * interval '1 minute' AS created_at FROM generate_series(1, {rows}) g; \
             ALTER TABLE users ADD PRIMARY KEY (id); CREATE UNIQUE INDEX ON users (email);"
        )
        .as_str(),
    )
    .await
    .unwrap();
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut results: Vec<(String, Duration)> = Vec::new();
    let mut group = c.benchmark_group("time_to_ready");
    group.sample_size(10).measurement_time(Duration::from_secs(5));

    let mut timed = |name: &str, group: &mut criterion::BenchmarkGroup<_>, options: ProvisionOptions, native: Option<NativeOptions>| {
        let samples = Arc::new(Mutex::new(Vec::new()));
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter_custom(|iterations| {
                let (options, native) = (options.clone(), native.clone());
                let samples = Arc::clone(&samples);
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        let started = Instant::now();
                        let server = match &native {
                            Some(n) => provision::start_native(n).await.unwrap(),
                            None => provision::provision(&options).await.unwrap(),
                        };
                        let db = server.create_database().await.unwrap();
                        drop(db.connect().await.unwrap());
                        let took = started.elapsed();
                        samples.lock().unwrap().push(took);
                        total += took;
                    }
                    total
                }
            })
        });
        results.push((name.to_string(), median(&mut samples.lock().unwrap())));
    };
    timed("native_initdb", &mut group, ProvisionOptions::native(), Some(NativeOptions { skip_initdb_cache: true, ..Default::default() }));
    timed("native_cached", &mut group, ProvisionOptions::native(), None);
    let container = ProvisionOptions { backend: BackendChoice::Container, image: Some(image()), ..Default::default() };
    timed("container", &mut group, container, None);
    group.finish();

    let rows = seeded_rows();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let mut group = c.benchmark_group("seeded_database");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    let reseed = Arc::new(Mutex::new(Vec::new()));
    group.bench_function(format!("reseed_{rows}"), |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let (server, reseed) = (&server, Arc::clone(&reseed));
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let db = server.create_database().await.unwrap();
                    let started = Instant::now();
                    seed(&db, rows).await;
                    let took = started.elapsed();
                    reseed.lock().unwrap().push(took);
                    total += took;
                    server.drop_database(db).await.unwrap();
                }
                total
            }
        })
    });
    let seeded = runtime.block_on(async {
        let db = server.create_database().await.unwrap();
        seed(&db, rows).await;
        db
    });
    let template = runtime.block_on(Template::freeze(&server, seeded)).unwrap();
    let clones = Arc::new(Mutex::new(Vec::new()));
    group.bench_function(format!("template_clone_{rows}"), |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let (template, clones) = (&template, Arc::clone(&clones));
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let started = Instant::now();
                    let clone = template.clone_database().await.unwrap();
                    drop(clone.connect().await.unwrap());
                    let took = started.elapsed();
                    clones.lock().unwrap().push(took);
                    total += took;
                    template.server().drop_database(clone).await.unwrap();
                }
                total
            }
        })
    });
    group.finish();
    results.push((format!("reseed {rows} rows"), median(&mut reseed.lock().unwrap())));
    results.push((format!("template clone of {rows} rows"), median(&mut clones.lock().unwrap())));
    write_summary(&results);
}

fn write_summary(results: &[(String, Duration)]) {
    let get = |prefix: &str| results.iter().find(|(n, _)| n.starts_with(prefix)).map(|(_, d)| d.as_secs_f64());
    let mut table = String::from("| measurement | median |\n|---|---|\n");
    for (name, took) in results {
        table.push_str(&format!("| {name} | {:.0} ms |\n", took.as_secs_f64() * 1000.0));
    }
    if let (Some(reseed), Some(clone)) = (get("reseed"), get("template clone")) {
        table.push_str(&format!("| re-seed ÷ template clone | {:.1}× (goal ≥ 10×) |\n", reseed / clone));
    }
    if let (Some(native), Some(container)) = (get("native_initdb"), get("container")) {
        table.push_str(&format!("| native (fresh initdb) ÷ container | {:.2} (goal ≤ 0.5) |\n", native / container));
    }
    if let (Some(native), Some(container)) = (get("native_cached"), get("container")) {
        table.push_str(&format!("| native (cached initdb) ÷ container | {:.2} (goal ≤ 0.5) |\n", native / container));
    }
    println!("\n{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pgrehearse");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("bench-provision.md"), table);
}

criterion_group!(benches, bench);
criterion_main!(benches);
