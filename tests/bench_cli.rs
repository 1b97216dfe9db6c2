//! `pgrehearse bench` end to end: a small sweep writes bench.json with exactly the keys
//! issue 10 lists and figures that agree with each other and with the dataset, plus the
//! chart and the page; every kind of bad input exits 2 with its message, seeding nothing.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pgrehearse::bench::BenchResult;
use pgrehearse::scenario::BuiltinSchema;
use pgrehearse::scenario::Scenario;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

fn keys(value: &serde_json::Value) -> BTreeSet<String> {
    value.as_object().expect("an object").keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Rows of the tables the engine converts, from the scenario's row counts (the ground
/// truth loads exactly those): the root `users` and every table whose column references
/// `users.id`, by a declared relation or an FK in the schema's DDL.
fn converted_rows(scenario: &Scenario) -> u64 {
    let journal = BuiltinSchema::find("journal").unwrap();
    let mut tables: BTreeSet<String> = set(&["users"]);
    tables.extend(journal.relations.iter().filter(|(_, to)| *to == "users.id").map(|(from, _)| from.split('.').next().unwrap().to_string()));
    for block in journal.ddl.split("CREATE TABLE ").skip(1) {
        let (name, body) = block.split_once(' ').unwrap();
        if body.split(';').next().unwrap().contains("REFERENCES users(id)") {
            tables.insert(name.to_string());
        }
    }
    assert!(tables.len() >= 3, "the journal schema references users.id from several tables: {tables:?}");
    scenario.rows.iter().filter(|(t, _)| tables.contains(&t.table)).map(|(_, n)| *n).sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Runs `pgrehearse bench SCENARIO ARGS --quiet --out OUT`, asserts it exits 0, and
/// returns what it printed on stdout (the terminal table).
fn bench_passes(scenario: &Path, args: &[&str], out: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).arg("bench").arg(scenario).args(args).arg("--quiet").arg("--out").arg(out).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn a_small_sweep_writes_bench_json_with_exactly_the_issue_keys_and_consistent_figures() {
    let out = tempfile::tempdir().unwrap();
    let path = scenario("journal-small.toml");
    let stdout = bench_passes(&path, &["--batch-sizes", "500,4000", "--target-batch-ms", "20", "--workload-rate", "40"], out.path());
    assert!(stdout.contains("one-shot ALTER") && stdout.contains("adaptive, target 20 ms"), "the terminal table: {stdout}");
    assert!(stdout.contains("with the rebuild convert"), "the scenario's convert, `auto` by default, which rebuilds the journal's tables: {stdout}");

    let text = std::fs::read_to_string(out.path().join("bench.json")).expect("bench.json written");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys(&json), set(&["format", "scenario", "rows", "baseline", "results", "adaptive", "budget_ms", "recommended_batch_size"]));
    assert_eq!(keys(&json["baseline"]), set(&["seconds", "rows_per_s"]));
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        assert_eq!(
            keys(result),
            set(&[
                "batch_size", "seconds", "rows_per_s", "ratio_to_baseline", "convert_rows_per_s", "p50_batch_ms", "p99_batch_ms",
                "max_lock_ms", "wal_bytes", "workload_p50_ms", "workload_p99_ms", "workload_errors"
            ])
        );
    }
    assert_eq!(keys(&json["adaptive"]), set(&["target_batch_ms", "seconds", "rows_per_s", "ratio_to_baseline", "sizes_chosen"]));
    let bench: BenchResult = serde_json::from_str(&text).expect("bench.json parses into the format, no unknown key");

    let loaded = Scenario::load(&path).unwrap();
    assert_eq!(bench.format, 1);
    assert_eq!(bench.scenario, loaded.name);
    assert_eq!(bench.rows, converted_rows(&loaded), "rows are the converted tables' rows of the dataset");
    assert_eq!(bench.budget_ms, 200);
    assert!(bench.baseline.seconds > 0.0 && close(bench.baseline.rows_per_s, bench.rows as f64 / bench.baseline.seconds));
    assert_eq!(bench.results.iter().map(|r| r.batch_size).collect::<Vec<_>>(), vec![500, 4000], "every size, in the order given");
    for r in &bench.results {
        let size = r.batch_size;
        assert!(r.seconds > 0.0, "{size}");
        assert!(close(r.rows_per_s, bench.rows as f64 / r.seconds), "{size}: rows/s is rows ÷ seconds");
        assert!(close(r.ratio_to_baseline, bench.baseline.seconds / r.seconds), "{size}: the ratio is baseline seconds ÷ seconds");
        assert!(r.convert_rows_per_s >= r.rows_per_s, "{size}: convert alone is part of the whole migration");
        assert!(0.0 < r.p50_batch_ms && r.p50_batch_ms <= r.p99_batch_ms, "{size}: batch percentiles");
        assert!(r.max_lock_ms > 0.0, "{size}: the swap holds ACCESS EXCLUSIVE for some time");
        assert!(r.wal_bytes > 0, "{size}: converting writes WAL");
        assert!(0.0 < r.workload_p50_ms && r.workload_p50_ms <= r.workload_p99_ms, "{size}: the workload ran");
        assert_eq!(r.workload_errors, 0, "{size}: every application transaction succeeds through the old schema");
    }
    let adaptive = bench.adaptive.as_ref().unwrap();
    assert_eq!(adaptive.target_batch_ms, 20);
    assert!(close(adaptive.ratio_to_baseline, bench.baseline.seconds / adaptive.seconds));
    assert_eq!(adaptive.sizes_chosen.first(), Some(&1000), "the adaptive size starts at 1000");
    assert!(adaptive.sizes_chosen.iter().all(|s| (10..=100_000).contains(s)));
    let within = |r: &&pgrehearse::bench::SizeResult| r.p99_batch_ms <= 200.0 && r.max_lock_ms <= 200.0 && r.workload_p99_ms <= 200.0;
    let expected = bench.results.iter().filter(within).max_by(|a, b| a.rows_per_s.total_cmp(&b.rows_per_s)).map(|r| r.batch_size);
    assert_eq!(bench.recommended_batch_size, expected, "the fastest size within budget");

    let svg = std::fs::read_to_string(out.path().join("bench.svg")).expect("bench.svg written");
    assert!(svg.starts_with("<svg") && svg.contains("one-shot ALTER") && svg.matches("<circle").count() == 4, "two panels of two sizes");
    if let Some(size) = bench.recommended_batch_size {
        assert!(svg.contains(&format!("recommended: {size}")));
    }
    let html = std::fs::read_to_string(out.path().join("bench.html")).expect("bench.html written");
    assert!(html.contains("<svg") && html.contains("<table") && html.contains("sizes chosen"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"), "self-contained");
}

#[test]
fn convert_rebuild_measures_the_rebuild_route_with_the_workload_running() {
    let out = tempfile::tempdir().unwrap();
    let path = scenario("journal-small.toml");
    let stdout = bench_passes(&path, &["--convert", "rebuild", "--batch-sizes", "2000", "--workload-rate", "40"], out.path());
    assert!(stdout.contains("with the rebuild convert"), "the terminal table names the method: {stdout}");
    let text = std::fs::read_to_string(out.path().join("bench.json")).expect("bench.json written");
    let bench: BenchResult = serde_json::from_str(&text).expect("the same format, no unknown key");
    assert_eq!(bench.rows, converted_rows(&Scenario::load(&path).unwrap()));
    let [r] = bench.results.as_slice() else { panic!("one size: {text}") };
    assert_eq!(r.batch_size, 2000);
    assert!(close(r.ratio_to_baseline, bench.baseline.seconds / r.seconds), "{text}");
    assert!(r.p50_batch_ms > 0.0 && r.max_lock_ms > 0.0 && r.wal_bytes > 0, "copy chunks timed, the swap's lock measured, WAL counted: {text}");
    assert!(r.workload_p50_ms > 0.0, "the workload ran: {text}");
    assert_eq!(r.workload_errors, 0, "every application transaction succeeds across the swap: {text}");
    let html = std::fs::read_to_string(out.path().join("bench.html")).expect("bench.html written");
    assert!(html.contains("with the rebuild convert"), "the page names the method");
}

#[test]
fn bad_input_exits_2_with_its_message_before_anything_is_seeded() {
    let out = tempfile::tempdir().unwrap();
    let small = scenario("journal-small.toml").display().to_string();
    let byo = scenario("byo-uuid.toml").display().to_string();
    let shop = scenario("shop.toml").display().to_string();
    let cases: [(&[&str], &str); 6] = [
        (&[&small, "--batch-sizes", "500,0"], "batch size of 0"),
        (&[&small, "--batch-sizes", "500,abc"], "abc"),
        (&[&small, "--batch-sizes", "1000,1000"], "listed twice"),
        (&[&small, "--target-batch-ms", "0"], "--target-batch-ms"),
        (&[&byo, "--batch-sizes", "1000"], "pgrehearse run"),
        (&[&shop, "--batch-sizes", "1000"], "no [migration] section"),
    ];
    for (args, needle) in cases {
        let child = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
            .arg("bench")
            .args(args)
            .arg("--out")
            .arg(out.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: the message must say {needle:?}: {stderr}");
        assert_eq!(support::cluster_dirs_owned_by(pid), Vec::<String>::new(), "{args:?}: no server was started");
        assert!(!out.path().join("bench.json").exists(), "{args:?}: nothing was written");
    }
}
