//! Cleanup you can trust: a child `pgrehearse provision` that exits normally, returns an
//! error, panics, or is stopped by SIGINT leaves no server process, container, temporary
//! directory or database behind; one killed by SIGKILL is swept at the next start.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use pgrehearse::provision::{self, BackendChoice, ProvisionOptions};

/// What a child reported holding, from its `resource ...` lines.
#[derive(Debug, Default)]
struct Held {
    dirs: Vec<String>,
    pids: Vec<u32>,
    containers: Vec<String>,
    databases: Vec<String>,
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
}

fn spawn(backend_args: &[String], ending: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .arg("provision")
        .args(backend_args)
        .args(["--clones", "1", "--then", ending])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pgrehearse")
}

/// Reads the child's stdout up to its last resource line (and the wait line, if any).
fn read_held(child: &mut Child, until_waiting: bool) -> Held {
    let stdout = child.stdout.take().unwrap();
    let mut held = Held::default();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.starts_with("resource ") {
            held.dirs.extend(field(&line, "dir").map(String::from));
            held.pids.extend(field(&line, "pid").and_then(|p| p.parse::<u32>().ok()));
            held.containers.extend(field(&line, "id").map(String::from));
            held.databases.extend(field(&line, "name").map(String::from));
        }
        if until_waiting && line == "waiting for a signal" {
            break;
        }
    }
    held
}

fn assert_nothing_left(held: &Held, how: &str) {
    assert!(!held.databases.is_empty(), "{how}: the child reported no resources at all");
    for dir in &held.dirs {
        assert!(!std::path::Path::new(dir).exists(), "{how}: directory {dir} left behind");
    }
    for pid in &held.pids {
        assert!(!support::is_process_alive(*pid), "{how}: postgres {pid} still runs");
    }
    for id in &held.containers {
        assert!(!support::container_exists(id), "{how}: container {id} left behind");
    }
}

fn run_to_end(backend_args: &[String], ending: &str) -> (Held, i32) {
    let mut child = spawn(backend_args, ending);
    let held = read_held(&mut child, false);
    let status = child.wait().unwrap();
    (held, status.code().unwrap_or(-1))
}

fn interrupt(backend_args: &[String]) -> (Held, i32) {
    let mut child = spawn(backend_args, "wait");
    let held = read_held(&mut child, true);
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    (held, status.code().unwrap_or(-1))
}

fn check_every_ending(backend_args: &[String], backend: &str) {
    let (held, code) = run_to_end(backend_args, "exit");
    assert_eq!(code, 0, "{backend}: normal exit");
    assert_nothing_left(&held, &format!("{backend} normal exit"));

    let (held, code) = run_to_end(backend_args, "error");
    assert_eq!(code, 4, "{backend}: an error is an internal error (exit 4)");
    assert_nothing_left(&held, &format!("{backend} error"));

    let (held, code) = run_to_end(backend_args, "panic");
    assert_eq!(code, 101, "{backend}: panic exit");
    assert_nothing_left(&held, &format!("{backend} panic"));

    let (held, code) = interrupt(backend_args);
    assert_eq!(code, 130, "{backend}: SIGINT exit code");
    assert_nothing_left(&held, &format!("{backend} SIGINT"));
}

#[test]
fn native_cleans_up_on_exit_error_panic_and_sigint() {
    check_every_ending(&["--backend".into(), "native".into()], "native");
}

#[test]
fn container_cleans_up_on_exit_error_panic_and_sigint() {
    if !support::container_backend_ready("container_cleans_up") {
        return;
    }
    check_every_ending(&["--backend".into(), "container".into(), "--image".into(), support::test_image()], "container");
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_server_databases_are_dropped_on_exit_error_panic_and_sigint() {
    let host = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let args = vec!["--backend".into(), "existing".into(), "--server-url".into(), host.endpoint().url("postgres")];
    let mut admin = host.admin_connection().await.unwrap();
    for ending in ["exit", "error", "panic", "sigint"] {
        let (held, _) = tokio::task::block_in_place(|| if ending == "sigint" { interrupt(&args) } else { run_to_end(&args, ending) });
        assert!(!held.databases.is_empty(), "{ending}: no databases reported");
        let left: Vec<String> = sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname = ANY($1)")
            .bind(&held.databases)
            .fetch_all(&mut admin)
            .await
            .unwrap();
        assert!(left.is_empty(), "{ending}: databases left behind: {left:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_left_by_sigkill_is_swept_at_the_next_start() {
    let mut child = spawn(&["--backend".into(), "native".into()], "wait");
    let held = tokio::task::block_in_place(|| read_held(&mut child, true));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(held.dirs.len(), 1);
    assert!(std::path::Path::new(&held.dirs[0]).exists(), "SIGKILL leaves the directory (nothing can run)");

    let _next = provision::provision(&ProvisionOptions { backend: BackendChoice::Native, ..Default::default() }).await.unwrap();
    assert_nothing_left(&held, "after the next start's sweep");
}
