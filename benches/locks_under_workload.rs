//! The engine's longest exclusive lock and the application's latency while a workload
//! writes, at 1M rows and (with `PGREHEARSE_BENCH_SCALE=10`) at ten times as many: the
//! `pgrehearse bench` sweep (`src/bench/`) on `scenarios/journal-1m.toml` (or
//! `PGREHEARSE_BENCH_SCENARIO`), every table's rows multiplied for the larger size, one
//! batch size (`PGREHEARSE_BENCH_BATCH`, default 20000), the workload at 50 transactions
//! a second through the old schema. For each size it prints the one-shot ALTER's time and
//! lock, `migrate full`'s time (and the ratio one-shot ÷ migrate full, goal ≥ 0.5), the
//! longest ACCESS EXCLUSIVE transaction (goal ≤ 200 ms) and the workload's p99 and errors.
//! Run with `cargo bench --bench locks_under_workload`.

use std::path::{Path, PathBuf};

use pgrehearse::bench::{sweep, BenchOptions};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;

fn scenario_path() -> PathBuf {
    std::env::var_os("PGREHEARSE_BENCH_SCENARIO")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/journal-1m.toml"))
}

/// The scenario with every `[rows]` count multiplied by `factor`.
fn scaled(path: &Path, factor: u64) -> Scenario {
    let text = std::fs::read_to_string(path).expect("read the scenario");
    let mut in_rows = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with('[') {
                in_rows = line.trim() == "[rows]";
                return line.to_string();
            }
            match line.split_once('=') {
                Some((table, count)) if in_rows => match count.trim().parse::<u64>() {
                    Ok(n) => format!("{table}= {}", n * factor),
                    Err(_) => line.to_string(),
                },
                _ => line.to_string(),
            }
        })
        .collect();
    Scenario::from_text(path, &lines.join("\n")).expect("the scaled scenario loads")
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let factor: u64 = std::env::var("PGREHEARSE_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let batch: u64 = std::env::var("PGREHEARSE_BENCH_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(provision::provision(&ProvisionOptions::native())).expect("native server");
    let out = tempfile::tempdir().unwrap();
    let sizes = if factor > 1 { vec![1, factor] } else { vec![1] };
    for size in sizes {
        let scenario = scaled(&scenario_path(), size);
        let options = BenchOptions {
            batch_sizes: vec![batch],
            workload_rate: 50,
            target_batch_ms: None,
            budget_ms: 200,
            convert: None,
            out: out.path().to_path_buf(),
            progress: false,
        };
        let m = runtime.block_on(sweep(&server, &scenario, &options)).expect("the sweep runs");
        let (_, run) = &m.fixed[0];
        println!(
            "{} ×{size} ({} rows converted, {} convert, batch {batch}): one-shot ALTER {:.2} s holding ACCESS EXCLUSIVE {:.0} ms; \
             migrate full {:.2} s: one-shot ÷ migrate full = {:.2} (goal ≥ 0.5); longest exclusive lock {:.1} ms (goal ≤ 200); \
             workload p99 {:.1} ms, {} of {} transactions failed",
            m.scenario,
            m.rows,
            m.convert.name(),
            m.baseline.seconds,
            m.baseline.max_lock_ms,
            run.seconds,
            m.baseline.seconds / run.seconds,
            run.max_lock_ms,
            run.workload.p99_ms,
            run.workload.errors,
            run.workload.transactions,
        );
        assert_eq!(run.workload.errors, 0, "the workload's transactions all succeed");
    }
    drop(server);
}
