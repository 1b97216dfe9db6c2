//! Five PostgreSQL versions: the native backend and the core rehearsals (the built-in
//! engine on `journal-small`, the user's SQL on `byo-uuid`) on 14, 15, 16, 17 and 18. 15 is
//! Debian's package; the others come from `ci/install-postgres-versions.sh`, which `.ci/run`
//! calls. A version that is not installed fails its test with how to install it: skipping
//! it would let a broken version pass unseen. `PGREHEARSE_SKIP_PG_VERSIONS=1` skips them on
//! purpose on a developer machine, never under CI=true.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use pgrehearse::provision::{self, NativeOptions, PgBinaries, Template};

/// Where the install script puts each major version (`<dir>/<major>/bin`).
fn versions_dir() -> PathBuf {
    std::env::var_os("PGREHEARSE_PG_VERSIONS_DIR").map(PathBuf::from).unwrap_or_else(|| "/opt/pgrehearse/postgresql".into())
}

/// The binaries of one major version, or None when this test is skipped on purpose.
fn binaries(major: u32) -> Option<PgBinaries> {
    let candidates = [versions_dir().join(major.to_string()).join("bin"), PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"))];
    if let Some(found) = candidates.iter().find_map(|dir| PgBinaries::in_dir(dir).ok()) {
        assert_eq!(found.major(), major, "{} holds PostgreSQL {}", found.bindir.display(), found.version);
        return Some(found);
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !in_ci && std::env::var("PGREHEARSE_SKIP_PG_VERSIONS").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED PostgreSQL {major}: PGREHEARSE_SKIP_PG_VERSIONS=1");
        return None;
    }
    panic!(
        "PostgreSQL {major} is not installed (looked in {}). Install 14, 16, 17 and 18 as CI does: \
         `sudo bash ci/install-postgres-versions.sh` (PGREHEARSE_PG_VERSIONS_DIR picks another directory), \
         and Debian's postgresql-15 for 15; or set PGREHEARSE_SKIP_PG_VERSIONS=1 to skip these tests on purpose",
        candidates.map(|c| c.display().to_string()).join(", ")
    );
}

/// A native cluster of this version hands out databases and template clones (whose
/// `CREATE DATABASE` takes `STRATEGY` only from 15 on).
async fn provision_native(binaries: &PgBinaries) {
    let options = NativeOptions { bindir: Some(binaries.bindir.clone()), ..NativeOptions::default() };
    let server = provision::start_native(&options).await.unwrap_or_else(|err| panic!("PostgreSQL {}: {err}", binaries.version));
    assert_eq!(server.version_num() / 10000, binaries.major(), "the server runs the version asked for");
    let seeded = server.create_database().await.unwrap();
    let mut conn = seeded.connect().await.unwrap();
    sqlx::query("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g").execute(&mut conn).await.unwrap();
    drop(conn);
    let template = Template::freeze(&server, seeded).await.unwrap();
    let clone = template.clone_database().await.unwrap_or_else(|err| panic!("PostgreSQL {}: {err}", binaries.version));
    let mut conn = clone.connect().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut conn).await.unwrap();
    assert_eq!(rows, 100, "a clone holds the template's rows");
}

/// `pgrehearse run` of the core scenarios on a native cluster of this version: every
/// invariant holds, and the report names the version.
fn rehearse(binaries: &PgBinaries) {
    let out = tempfile::tempdir().unwrap();
    let scenarios = ["scenarios/journal-small.toml", "scenarios/byo-uuid.toml"];
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("run")
        .args(scenarios)
        .args(["--quiet", "--backend", "native", "--pg-bindir"])
        .arg(&binaries.bindir)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "PostgreSQL {}: run failed:\n{stdout}\n{stderr}", binaries.version);
    let reports = report_files(out.path());
    assert_eq!(reports.len(), scenarios.len(), "one report.json per scenario: {reports:?}");
    for report in reports {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let version = json.pointer("/backend/server_version").and_then(|v| v.as_str()).unwrap_or_default();
        assert!(version.starts_with(&format!("{}.", binaries.major())) || version.starts_with(&format!("{}beta", binaries.major())), "{} ran on {version}", report.display());
    }
}

fn report_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(report_files(&path));
        } else if path.file_name().is_some_and(|n| n == "report.json") {
            found.push(path);
        }
    }
    found
}

async fn core_subset(major: u32) {
    let Some(binaries) = binaries(major) else { return };
    provision_native(&binaries).await;
    tokio::task::spawn_blocking(move || rehearse(&binaries)).await.unwrap();
}

#[tokio::test]
async fn postgres_14() {
    core_subset(14).await;
}

#[tokio::test]
async fn postgres_15() {
    core_subset(15).await;
}

#[tokio::test]
async fn postgres_16() {
    core_subset(16).await;
}

#[tokio::test]
async fn postgres_17() {
    core_subset(17).await;
}

#[tokio::test]
async fn postgres_18() {
    core_subset(18).await;
}
