//! `pgrehearse seed` as a person uses it: `--keep` serves the seeded database until Ctrl-C
//! with a `psql` line that works, a reader that stops early is no crash, and a password
//! that is not percent-encoded gets a hint instead of "invalid port number".

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::Connection;

const SCENARIO: &str = "scenarios/anomaly-null.toml";

fn pgrehearse() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgrehearse"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// The ground truth's row count per table, from the manifest `seed --manifest` wrote.
fn row_counts(manifest: &Path) -> BTreeMap<String, i64> {
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    serde_json::from_value(truth["row_counts"].clone()).expect("row_counts in the manifest")
}

#[tokio::test]
async fn seed_keep_serves_the_database_until_interrupted_then_cleans_up() {
    let out = tempfile::tempdir().unwrap();
    let manifest = out.path().join("truth.json");
    let mut child = pgrehearse()
        .args(["seed", SCENARIO, "--keep", "--backend", "native", "--manifest", manifest.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let psql_line = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("seed --keep ended without printing a psql line: {seen} ({:?})", child.wait());
        }
        seen.push_str(&line);
        if let Some(command) = line.trim().strip_prefix("connect with: ") {
            break command.to_string();
        }
    };
    // `PGPASSFILE=/path psql 'postgres://postgres@127.0.0.1:PORT/DB'`
    let (assignment, rest) = psql_line.split_once(' ').unwrap();
    let pgpass = PathBuf::from(assignment.strip_prefix("PGPASSFILE=").expect("the password travels in a file"));
    let url = rest.strip_prefix("psql ").unwrap().trim_matches('\'').to_string();
    assert!(!url.contains(":***@") && url::Url::parse(&url).unwrap().password().is_none(), "{url}");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&pgpass).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the pgpass file must be private");
    let password = std::fs::read_to_string(&pgpass).unwrap().trim_end().rsplit(':').next().unwrap().to_string();
    assert!(!seen.contains(&password), "the password was printed: {seen}");

    // The printed line works as printed: psql with the file, and the data is all there.
    let counts = row_counts(&manifest);
    let (table, expected) = counts.iter().next().expect("the manifest counts rows");
    let psql = Command::new("psql")
        .args(["-X", "-w", "-At", "-c", &format!("SELECT count(*) FROM {table}"), &url])
        .env("PGPASSFILE", &pgpass)
        .env_remove("PGPASSWORD")
        .output()
        .expect("run psql");
    assert!(psql.status.success(), "the printed psql line fails: {}", String::from_utf8_lossy(&psql.stderr));
    assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), expected.to_string(), "rows of {table}");
    let with_password = url.replacen("postgres@", &format!("postgres:{password}@"), 1);
    let mut conn = sqlx::PgConnection::connect(&with_password).await.unwrap();
    let data_dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')").fetch_one(&mut conn).await.unwrap();
    drop(conn);

    // Still serving a moment later: it waits for Ctrl-C, not for its own end.
    assert!(child.try_wait().unwrap().is_none(), "seed --keep exited on its own");
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "Ctrl-C ends seed --keep as interrupted");
    assert!(!Path::new(&data_dir).exists(), "the cluster {data_dir} was left behind");
    assert!(!pgpass.exists(), "the pgpass file {} was left behind", pgpass.display());
    assert!(sqlx::PgConnection::connect(&with_password).await.is_err(), "the server still answers");
}

#[test]
fn seed_into_a_closed_pipe_exits_quietly() {
    // `seed | head` when head has already gone: stdout is a pipe nobody reads.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = pgrehearse().args(["seed", SCENARIO, "--backend", "native"]).stdout(writer).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "seed panicked on a broken pipe: {stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_password_that_is_not_percent_encoded_gets_a_hint() {
    let output = pgrehearse().args(["seed", SCENARIO, "--database-url", "postgres://app:se/cr@t@127.0.0.1:1/app"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("percent-encode") && stderr.contains("--database-url"), "{stderr}");
    assert!(!stderr.contains("se/cr"), "the password was shown: {stderr}");
}
