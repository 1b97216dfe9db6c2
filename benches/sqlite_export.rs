//! export-sqlite against db-to-sqlite, side by side in one run on the same seeded
//! database (journal-1m's tables and anomalies, 1M rows unless `PGREHEARSE_BENCH_ROWS`
//! says otherwise): rows/s of both, their ratio (goal ≥ 5), and the time of verify-sqlite.
//!
//! Setup: db-to-sqlite comes from PyPI, installed into a virtualenv under
//! `target/bench-venv` (`pip install db-to-sqlite psycopg2-binary`) on the first run.
//! Without python3 or PyPI the db-to-sqlite half is reported as not run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pgrehearse::dataset::{self, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;

struct Quiet;
impl SeedObserver for Quiet {}

fn env_rows(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// journal-1m's proportions and anomaly rates, scaled to `total` rows.
fn journal_scenario(dir: &Path, total: u64) -> Scenario {
    let share = |per_mille: u64| total * per_mille / 1000;
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/journal-1m.toml")).unwrap();
    let rows = format!(
        "[rows]\nusers = {}\njournal_entries = {}\ntags = {}\nreminders = {}\nsecret_tags = {}\njournal_entry_tags = {}\n",
        share(100), share(600), share(100), share(100), share(50), share(50)
    );
    let (head, rest) = shipped.split_once("[rows]").unwrap();
    let (_, anomalies) = rest.split_once("[[anomaly]]").unwrap();
    let text = format!("{head}{rows}\n[[anomaly]]{anomalies}");
    let path = dir.join("bench.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(&path).unwrap()
}

/// The virtualenv's db-to-sqlite, installing it on the first run.
fn db_to_sqlite() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv");
    let exe = venv.join("bin/db-to-sqlite");
    if exe.is_file() {
        return Some(exe);
    }
    let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
    if !ok(Command::new("python3").args(["-m", "venv"]).arg(&venv)) || !ok(Command::new(venv.join("bin/pip")).args(["install", "-q", "db-to-sqlite", "psycopg2-binary"])) {
        eprintln!("db-to-sqlite could not be installed (python3 -m venv, pip install db-to-sqlite psycopg2-binary)");
        return None;
    }
    exe.is_file().then_some(exe)
}

/// The 1-minute load average, so each figure says how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// Runs the command to success; its time and the load average before and after.
fn timed(command: &mut Command) -> (Duration, String) {
    let before = load_average();
    let start = Instant::now();
    let out = command.output().expect("run");
    assert!(out.status.success(), "{:?}: {}", command, String::from_utf8_lossy(&out.stderr));
    (start.elapsed(), format!("load {before} -> {}", load_average()))
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; a filter that does not name this bench skips it.
    if std::env::args().skip(1).any(|a| !a.starts_with("--") && !"sqlite_export".contains(&a)) {
        return;
    }
    let total = env_rows("PGREHEARSE_BENCH_ROWS", 1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &journal_scenario(dir.path(), total), &Quiet).await.unwrap();
    let rows = summary.total_rows;
    let url = db.url();
    let ours = dir.path().join("pgrehearse.db");
    let (export, export_load) = timed(Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(["export-sqlite", "--quiet", "--database-url", &url, "--out", ours.to_str().unwrap()]));
    let (verify, verify_load) = timed(Command::new(env!("CARGO_BIN_EXE_pgrehearse")).args(["verify-sqlite", "--quiet", "--database-url", &url, ours.to_str().unwrap()]));
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!("sqlite_export: {rows} rows seeded (journal-1m's tables and anomalies)");
    println!("  pgrehearse export-sqlite  {:>8.2} s  {:>10.0} rows/s  ({export_load})", export.as_secs_f64(), rate(export));
    println!("  pgrehearse verify-sqlite  {:>8.2} s  {:>10.0} rows/s  ({verify_load})", verify.as_secs_f64(), rate(verify));
    match db_to_sqlite() {
        Some(exe) => {
            let theirs = dir.path().join("db-to-sqlite.db");
            // SQLAlchemy 2 reads a plain postgresql:// URL as psycopg 3; name the driver installed.
            let sqlalchemy_url = url.replacen("postgres://", "postgresql+psycopg2://", 1).replacen("postgresql://", "postgresql+psycopg2://", 1);
            let (them, them_load) = timed(Command::new(exe).args(["--all"]).arg(&sqlalchemy_url).arg(&theirs));
            println!("  db-to-sqlite --all        {:>8.2} s  {:>10.0} rows/s  ({them_load})", them.as_secs_f64(), rate(them));
            println!("  ratio export-sqlite / db-to-sqlite: {:.1}x (goal >= 5x); with verify-sqlite on top: {:.1}x", rate(export) / rate(them), them.as_secs_f64() / (export + verify).as_secs_f64());
        }
        None => println!("  db-to-sqlite --all        not run"),
    }
    server.drop_database(db).await.unwrap();
}
