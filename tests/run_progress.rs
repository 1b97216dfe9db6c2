//! Progress as a CI log shows it: `pgrehearse run` with stderr piped prints a start and an
//! end line for every phase the rehearsal has (seed, up, verify, down, rerun), with rows
//! and rows/s where there are rows; Postgres notices never reach the user raw; `--color`
//! and `NO_COLOR` decide the escapes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn pgrehearse(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgrehearse"));
    command.args(args).env_remove("NO_COLOR").env_remove("PGREHEARSE_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run pgrehearse")
}

fn report(out: &Path, scenario: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join(scenario).join("report.json")).expect("report.json")).unwrap()
}

/// The progress phases of the phases the report timed.
fn phases_run(report: &serde_json::Value) -> Vec<&'static str> {
    let timed: Vec<&str> = report["timings"].as_array().unwrap().iter().map(|t| t["phase"].as_str().unwrap()).collect();
    [("seed", "seed"), ("migrate", "up"), ("verify", "verify"), ("rollback", "down"), ("re-run", "rerun")]
        .into_iter()
        .filter(|(timing, _)| timed.contains(timing))
        .map(|(_, phase)| phase)
        .collect()
}

/// The number before the first " rows" in `text` (`1.2 s, 12,345 rows, …` gives 12345).
fn rows_in(text: &str) -> Option<u64> {
    let number: String = text.split(" rows").next()?.rsplit(' ').next()?.chars().filter(|c| c.is_ascii_digit()).collect();
    number.parse().ok()
}

#[test]
fn a_piped_run_prints_a_line_as_every_phase_starts_and_ends() {
    let out = tempfile::tempdir().unwrap();
    let engine = scenarios().join("journal-small.toml");
    let sql = scenarios().join("byo-uuid.toml");
    let output = pgrehearse(&["run", engine.to_str().unwrap(), sql.to_str().unwrap(), "--out", out.path().to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains('\x1b'), "no colors when stderr is not a terminal:\n{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.lines().all(|l| !l.contains(": started")), "progress stays off stdout:\n{stdout}");
    let lines: Vec<&str> = stderr.lines().collect();
    for scenario in ["journal-small", "byo-uuid"] {
        let report = report(out.path(), scenario);
        let phases = phases_run(&report);
        assert!(phases.len() >= 4, "{scenario}: the report timed {phases:?}");
        for phase in phases {
            let prefix = format!("[{scenario}] {phase}: ");
            assert!(lines.contains(&format!("[{scenario}] {phase}: started").as_str()), "{prefix}started missing:\n{stderr}");
            assert!(lines.iter().any(|l| l.starts_with(&format!("{prefix}done in "))), "{prefix}done missing:\n{stderr}");
        }
        // Seeding counts rows per table: the line for users says how many the report found.
        let users = report["tables"].as_array().unwrap().iter().find(|t| t["table"] == "users" || t["table"] == "public.users").expect("users counted");
        let seeded = lines.iter().find_map(|l| l.strip_prefix(&format!("[{scenario}] seed: load users: done in "))).expect("a line for the users load");
        assert!(seeded.contains("rows/s"), "{seeded}");
        assert_eq!(rows_in(seeded), users["before"].as_u64(), "{seeded}");
    }
    // The engine's own steps show inside up and rerun, with rows and rows/s for the conversion.
    for phase in ["up", "rerun"] {
        assert!(lines.iter().any(|l| l.starts_with(&format!("[journal-small] {phase}: backup: done in "))), "{phase}: backup:\n{stderr}");
        let convert = lines.iter().find(|l| l.starts_with(&format!("[journal-small] {phase}: public.users: done in "))).unwrap_or_else(|| panic!("{phase}: users converted:\n{stderr}"));
        assert!(convert.contains(" rows/s"), "{convert}");
    }
    assert!(lines.iter().any(|l| l.starts_with("[journal-small] down: rollback: done in ")), "{stderr}");
}

/// A migration that makes Postgres raise a WARNING on every run.
fn warning_scenario(dir: &Path) -> PathBuf {
    let migrations = scenarios().join("migrations/byo-uuid");
    let up = std::fs::read_to_string(migrations.join("0001_uuid.up.sql")).unwrap();
    std::fs::write(dir.join("0001_uuid.up.sql"), format!("DO $$ BEGIN RAISE WARNING 'pgrehearse-test-notice'; END $$;\n{up}")).unwrap();
    std::fs::copy(migrations.join("0001_uuid.down.sql"), dir.join("0001_uuid.down.sql")).unwrap();
    let scenario = std::fs::read_to_string(scenarios().join("byo-uuid.toml")).unwrap().replace("migrations/byo-uuid/", "").replace("name = \"byo-uuid\"", "name = \"noisy\"");
    let path = dir.join("noisy.toml");
    std::fs::write(&path, scenario).unwrap();
    path
}

#[test]
fn postgres_notices_reach_the_log_only_at_debug() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = warning_scenario(dir.path());
    let out = dir.path().join("out");
    let args = ["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()];
    for quiet in [false, true] {
        let mut args = args.to_vec();
        if quiet {
            args.push("--quiet");
        }
        let output = pgrehearse(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("pgrehearse-test-notice") && !stderr.contains("sqlx"), "quiet={quiet}: the notice leaks:\n{stderr}");
        assert_eq!(stderr.contains(": started"), !quiet, "progress unless --quiet:\n{stderr}");
    }
    let output = pgrehearse(&args, &[("PGREHEARSE_LOG", "debug")]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("pgrehearse-test-notice"), "debug logging shows the notice");
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let seed = scenarios().join("anomaly-orphan.toml");
    let seed = seed.to_str().unwrap();
    let always = pgrehearse(&["seed", seed, "--color", "always"], &[("NO_COLOR", "1")]);
    let stderr = String::from_utf8_lossy(&always.stderr);
    assert_eq!(always.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("\x1b[1;36mseed\x1b[0m: load "), "--color always wins over NO_COLOR:\n{stderr}");
    assert!(!String::from_utf8_lossy(&always.stdout).contains('\x1b'), "the result on stdout stays plain");
    let plain = pgrehearse(&["seed", seed, "--color", "never"], &[]);
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\x1b'));
    assert!(String::from_utf8_lossy(&plain.stderr).lines().any(|l| l.starts_with("seed: load ") && l.contains(" rows/s")), "{}", String::from_utf8_lossy(&plain.stderr));
}
