//! Seeding speed and memory.
//!
//! - `generate`: the generator alone, rendering journal rows to memory (goal ≥ 1M rows/s).
//! - `seed/pgrehearse-N`: a whole seed (`seed_parallel` on N streams: schema, plan, COPY,
//!   keys, sequences, ground truth, ANALYZE) of the journal rows, edge values on at the
//!   default `[values] edge_rate`.
//! - `seed/psql+keys`: the same rows loaded by one `psql \copy` per table from files
//!   written from the same plan (not timed), followed in the same psql session by the same
//!   key builds one after another and ANALYZE. The ratio (psql+keys ÷ pgrehearse) is
//!   printed for each N (issue 9 goal ≥ 1.5).
//! - peak memory (VmHWM) of a child `pgrehearse seed` process.
//!
//! Sizes are short by default; set `PGREHEARSE_BENCH_ROWS` (e.g. 1000000) for the seed
//! comparison, `PGREHEARSE_BENCH_STREAMS` (e.g. `1,2,3`) for the stream counts, and
//! `PGREHEARSE_BENCH_MEMORY_ROWS` (e.g. 10000000) for the memory run.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use pgrehearse::dataset::generate::chunks::render_chunk;
use pgrehearse::dataset::keys::DeferredKeys;
use pgrehearse::dataset::load::{copy_statement, Silent};
use pgrehearse::dataset::seed::create_and_plan;
use pgrehearse::dataset::{seed_parallel, SchemaModel, SchemaSetup, SeedPlan};
use pgrehearse::provision::{self, ProvisionOptions, Server};
use pgrehearse::scenario::Scenario;

fn env_rows(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The journal-1m proportions and anomaly rates, scaled to `total` rows.
fn journal_scenario(dir: &Path, total: u64) -> Scenario {
    let share = |per_mille: u64| total * per_mille / 1000;
    let text = format!(
        "name = \"bench\"\nseed = 7\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = {}\njournal_entries = {}\ntags = {}\nreminders = {}\nsecret_tags = {}\njournal_entry_tags = {}\n\
         [[anomaly]]\nkind = \"invalid_uuid\"\ncolumn = \"users.id\"\nrate = 0.001\n\
         [[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\nrate = 0.002\n\
         [[anomaly]]\nkind = \"orphan\"\ncolumn = \"journal_entries.user_id\"\nrate = 0.0005\n\
         [[anomaly]]\nkind = \"dependent\"\ncolumn = \"journal_entries.user_id\"\nrate = 0.001\n",
        share(100), share(600), share(100), share(100), share(50), share(50)
    );
    let path = dir.join("bench.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(&path).unwrap()
}

fn total_rows(plan: &SeedPlan) -> u64 {
    plan.tables.iter().map(|t| t.rows).sum()
}

fn render_table(plan: &SeedPlan, table: usize, mut sink: impl FnMut(&[u8])) {
    let rows = plan.tables[table].rows;
    let mut row = 0;
    let mut chunk = Vec::with_capacity(1 << 21);
    while row < rows {
        chunk.clear();
        row = render_chunk(plan, table, row..rows, &mut chunk);
        sink(&chunk);
    }
}

/// A fresh database with the journal tables, bare (keys and indexes off).
async fn bare_database(server: &Server, scenario: &Scenario) -> (pgrehearse::provision::Database, SchemaModel, SeedPlan) {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let (model, plan) = create_and_plan(&mut conn, scenario, SchemaSetup::Create).await.unwrap();
    DeferredKeys::take_off(&mut conn).await.unwrap();
    (db, model, plan)
}

/// Drops a benchmark database at once, so repeated 1M-row loads do not fill the disk.
async fn drop_database(server: &Server, db: pgrehearse::provision::Database) {
    use sqlx::Executor;
    let mut admin = server.admin_connection().await.unwrap();
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pgrehearse::quote::quote_ident(db.name()));
    admin.execute(sql.as_str()).await.unwrap();
}

/// A fresh database holding the scenario's DDL only, for a timed seed.
async fn schema_only_database(server: &Server, scenario: &Scenario) -> pgrehearse::provision::Database {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let ddl = pgrehearse::dataset::seed::schema_ddl(scenario).unwrap();
    sqlx::raw_sql(&ddl).execute(&mut conn).await.unwrap();
    db
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

fn bench_seed(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows = env_rows("PGREHEARSE_BENCH_ROWS", 200_000);
    let streams: Vec<usize> = std::env::var("PGREHEARSE_BENCH_STREAMS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 3]);
    let scenario = journal_scenario(dir.path(), rows);
    assert!(scenario.edge_rate > 0.0, "edge values are on, at the default rate");
    let (_, model, plan) = runtime.block_on(bare_database(&server, &scenario));
    let plan = Arc::new(plan);
    let total = total_rows(&plan);

    let mut group = c.benchmark_group("seed");
    // Flat sampling: one whole seed per iteration and as many per sample, not 1 + 2 + … + 10.
    group.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(5)).throughput(Throughput::Elements(total));
    group.bench_function("generate", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for &table in &plan.load_order {
                render_table(&plan, table, |chunk| bytes += chunk.len());
            }
            bytes
        })
    });

    // The same rows as files, for psql, and the key builds a single session runs.
    for &table in &plan.load_order {
        let mut file = Vec::new();
        render_table(&plan, table, |chunk| file.extend_from_slice(chunk));
        std::fs::write(dir.path().join(format!("{table}.copy")), file).unwrap();
    }
    let key_builds = runtime.block_on(async {
        let db = schema_only_database(&server, &scenario).await;
        let mut conn = db.connect().await.unwrap();
        let keys = DeferredKeys::take_off(&mut conn).await.unwrap();
        drop(conn);
        drop_database(&server, db).await;
        keys.sequential_statements()
    });
    assert!(!key_builds.is_empty());

    let ours: Arc<Mutex<Vec<(usize, Duration)>>> = Arc::default();
    for &n in &streams {
        group.bench_function(format!("pgrehearse-{n}"), |b| {
            b.iter_custom(|iterations| {
                let mut spent = Duration::ZERO;
                for _ in 0..iterations {
                    spent += runtime.block_on(async {
                        let db = schema_only_database(&server, &scenario).await;
                        let mut conn = db.connect().await.unwrap();
                        let started = Instant::now();
                        let summary = seed_parallel(&mut conn, &db.connect_options(), n, &scenario, SchemaSetup::AlreadyPresent, &Silent).await.unwrap();
                        let spent = started.elapsed();
                        assert_eq!(summary.total_rows, total);
                        drop(conn);
                        drop_database(&server, db).await;
                        spent
                    });
                }
                ours.lock().unwrap().push((n, spent / iterations as u32));
                spent
            })
        });
    }
    let theirs: Arc<Mutex<Vec<Duration>>> = Arc::default();
    group.bench_function("psql+keys", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let (db, _, _) = runtime.block_on(bare_database(&server, &scenario));
                let mut script = String::from("SET maintenance_work_mem = '256MB';\n");
                for &table in &plan.load_order {
                    let statement = copy_statement(&model, &plan, table).replace("COPY ", "\\copy ").replace(" FROM STDIN", "");
                    script.push_str(&format!("{statement} FROM '{}'\n", dir.path().join(format!("{table}.copy")).display()));
                }
                for statement in &key_builds {
                    script.push_str(&format!("{statement};\n"));
                }
                script.push_str("ANALYZE;\n");
                let script_path = dir.path().join("copy.psql");
                std::fs::write(&script_path, &script).unwrap();
                let started = Instant::now();
                let status = std::process::Command::new("psql")
                    .args(["-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", &db.url(), "-f", script_path.to_str().unwrap()])
                    .status()
                    .unwrap();
                spent += started.elapsed();
                assert!(status.success(), "psql \\copy and key builds failed");
                runtime.block_on(drop_database(&server, db));
            }
            theirs.lock().unwrap().push(spent / iterations as u32);
            spent
        })
    });
    group.finish();
    let baseline = median(&theirs.lock().unwrap());
    println!("seed: {total} rows, edge_rate {}: psql \\copy + the same key builds + ANALYZE {:.2?} ({:.0} rows/s)", scenario.edge_rate, baseline, total as f64 / baseline.as_secs_f64());
    for &n in &streams {
        let times: Vec<Duration> = ours.lock().unwrap().iter().filter(|(s, _)| *s == n).map(|(_, t)| *t).collect();
        let ours = median(&times);
        println!(
            "seed: pgrehearse seed on {n} stream(s) {:.2?} ({:.0} rows/s): ratio {:.2} (goal >= 1.5)",
            ours,
            total as f64 / ours.as_secs_f64(),
            baseline.as_secs_f64() / ours.as_secs_f64()
        );
    }
    peak_memory(&runtime, &server, dir.path());
}

/// Runs `pgrehearse seed` as a child on a fresh database and reports its peak RSS.
fn peak_memory(runtime: &tokio::runtime::Runtime, server: &Server, dir: &Path) {
    let rows = env_rows("PGREHEARSE_BENCH_MEMORY_ROWS", 500_000);
    let scenario = journal_scenario(dir, rows);
    let db = runtime.block_on(server.create_database()).unwrap();
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .args(["seed", scenario.path.to_str().unwrap(), "--database-url", &db.url()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (status, peak_kib) = wait_with_peak_rss(&mut child);
    assert!(status.success(), "pgrehearse seed failed");
    runtime.block_on(drop_database(server, db));
    println!("seed: peak memory (VmHWM) of `pgrehearse seed` at {rows} rows: {:.1} MiB (goal < 200 MiB at 10M rows), {:.1?} end to end", peak_kib as f64 / 1024.0, started.elapsed());
}

/// Waits for a child, reading its VmHWM (peak RSS since exec) from /proc as it runs.
///
/// Not `wait4`'s `ru_maxrss`: Linux carries the parent's high-water mark across fork and
/// exec into it, so a child of this (large) benchmark process would report the parent's
/// peak instead of its own.
fn wait_with_peak_rss(child: &mut std::process::Child) -> (std::process::ExitStatus, u64) {
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            let hwm = status.lines().find_map(|line| line.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak_kib);
        }
        // Polling is the only way to read another process's VmHWM; it rises monotonically,
        // so a 20 ms period misses at most the last 20 ms of growth.
        std::thread::sleep(Duration::from_millis(20));
    }
}

criterion_group!(benches, bench_seed);
criterion_main!(benches);
