//! Shared fixtures for the engine tests: a journal-like schema with seeded anomalies,
//! an oracle that asks Postgres itself whether a string is a uuid, and snapshots of the
//! catalog and the data to compare before and after.
#![allow(dead_code)]

pub mod fixture;
pub mod role;
pub mod snapshot;

use pgrehearse::engine::{ConvertMethod, Engine, EngineOptions, Progress, Step, StepReport};
use pgrehearse::vocabulary::{BatchSize, Policies};
use pgrehearse::provision::Database;
use std::process::{Command, Stdio};

/// Runs one step in-process against `db`.
pub async fn step(db: &Database, options: &EngineOptions, step: Step) -> StepReport {
    let mut engine = Engine::connect(&db.connect_options(), options.clone(), step, Progress::hidden()).await.expect("connect engine");
    engine.run(step).await.unwrap_or_else(|e| panic!("step {} failed to {e}", step.name()))
}

pub fn options(policies: Policies, batch_size: u64) -> EngineOptions {
    EngineOptions {
        relations: vec!["reminders.user_id=users.id".parse().unwrap()],
        policies,
        batch_size: BatchSize::new(batch_size).expect("a batch size of at least 1"),
        convert: convert_method().into(),
        ..Default::default()
    }
}

/// The convert method the engine tests run with. `cargo test` builds each engine test
/// twice: in its own binary, with `rebuild` (what the default, `auto`, chooses for their
/// tables), and in `tests/engine_suite_in_place.rs`, which gathers them all and runs them
/// against `in-place`, so both methods are checked on every run.
/// `PGREHEARSE_TEST_CONVERT=rebuild` or `in-place` overrides the method of the tests' own
/// binaries.
pub fn convert_method() -> ConvertMethod {
    if env!("CARGO_CRATE_NAME") == "engine_suite_in_place" {
        return ConvertMethod::InPlace;
    }
    match std::env::var("PGREHEARSE_TEST_CONVERT") {
        Ok(name) => <ConvertMethod as clap::ValueEnum>::from_str(&name, false).unwrap_or_else(|_| panic!("PGREHEARSE_TEST_CONVERT={name}: use rebuild or in-place")),
        Err(_) => ConvertMethod::Rebuild,
    }
}

/// `--convert <method>` for tests that run the `pgrehearse migrate` binary.
pub fn convert_args() -> [&'static str; 2] {
    ["--convert", convert_method().name()]
}

/// `pgrehearse migrate STEP` against `db` as the crash tests run it: batches of 20, the
/// fixture's unenforced relation declared, every policy `quarantine`, JSON on stdout
/// (discarded), stderr kept for the assertion messages.
pub fn migrate_command(db: &Database, step: &str, convert: ConvertMethod) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgrehearse"));
    command
        .args(["migrate", step, "--database-url", &db.url(), "--format", "json", "--batch-size", "20"])
        .args(["--relation", "reminders.user_id=users.id"])
        .args(["--convert", convert.name()])
        .args(["--on-invalid", "quarantine", "--on-orphan", "quarantine", "--on-collision", "quarantine"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Runs [`migrate_command`] to its end and asserts it exits 0.
pub fn migrate_to_end(db: &Database, step: &str, convert: ConvertMethod) {
    let output = migrate_command(db, step, convert).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "migrate {step}: {}", String::from_utf8_lossy(&output.stderr));
}
