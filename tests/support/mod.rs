//! Shared helpers for the provisioning tests: the container image to use, and whether a
//! test that needs Docker may skip (never under CI=true).

#![allow(dead_code)]

use std::process::Command;

/// The image built by `ci/build-postgres-image.sh`, unless PGREHEARSE_IMAGE says otherwise.
pub fn test_image() -> String {
    std::env::var("PGREHEARSE_IMAGE").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "pgrehearse/postgres:15-bookworm".into())
}

/// True when the Docker engine answers and the test image is present. When it is not,
/// a test may skip on a developer's machine, but with CI=true this panics: in CI a
/// container test that cannot run is a failure, not a skip.
pub fn container_backend_ready(test: &str) -> bool {
    let engine = Command::new("docker").args(["version", "--format", "{{.Server.Version}}"]).output();
    let engine_ok = matches!(&engine, Ok(o) if o.status.success());
    let image_ok = engine_ok
        && Command::new("docker").args(["image", "inspect", &test_image()]).output().is_ok_and(|o| o.status.success());
    if engine_ok && image_ok {
        return true;
    }
    let why = if engine_ok { format!("image {} is missing (run ci/build-postgres-image.sh)", test_image()) } else { "no Docker engine answers".into() };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: container test cannot run under CI=true: {why}");
    }
    eprintln!("SKIPPED {test}: {why}");
    false
}

/// True while a process with this pid runs (a zombie, dead but not yet reaped by its
/// parent, does not count). A process just sent SIGKILL gets a few seconds to go.
pub fn is_process_alive(pid: u32) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().chars().next()))
            .flatten();
        let running = matches!(state, Some(s) if s != 'Z' && s != 'X');
        if !running || std::time::Instant::now() > deadline {
            return running;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// True while a container with this id exists (running or not).
pub fn container_exists(id: &str) -> bool {
    Command::new("docker")
        .args(["ps", "--all", "--quiet", "--no-trunc", "--filter", &format!("id={id}")])
        .output()
        .map(|o| !String::from_utf8_lossy(&o.stdout).trim().is_empty())
        .unwrap_or(false)
}

/// Cluster directories in the temp directory whose owner tag names this pid: what a
/// pgrehearse process with that pid left behind.
pub fn cluster_dirs_owned_by(pid: u32) -> Vec<String> {
    let tag = format!(" pid={pid} ");
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("pgrehearse-"))
        .filter(|e| std::fs::read_to_string(e.path().join("owner")).is_ok_and(|owner| owner.contains(&tag)))
        .map(|e| e.path().display().to_string())
        .collect()
}
