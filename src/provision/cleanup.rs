//! Cleanup you can trust: every disposable resource registers its teardown here, so it runs
//! on a normal drop, during a panic's unwinding, and from the Ctrl-C / SIGTERM handler.
//! Resources left by a process that died hard (SIGKILL) carry an owner tag and are swept at
//! the next start.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once};

type Teardown = Box<dyn FnOnce() + Send>;

/// Teardowns of resources alive right now, in creation order.
static REGISTRY: Mutex<BTreeMap<u64, (String, Teardown)>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// Set by the signal handler before it tears down, so `main` does not race it to an exit
/// code: work that fails because its server just went away is not the error to report.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Prefix of every database and temporary directory pgrehearse creates.
pub const DATABASE_PREFIX: &str = "pgrehearse_";
pub const DIRECTORY_PREFIX: &str = "pgrehearse-";
/// Label put on every container, holding the owner tag.
pub const CONTAINER_LABEL: &str = "io.pgrehearse.owner";

/// Runs its teardown exactly once: on drop, or earlier from [`run_all`].
pub struct Guard {
    id: u64,
}

pub fn register(what: String, teardown: impl FnOnce() + Send + 'static) -> Guard {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).insert(id, (what, Box::new(teardown)));
    Guard { id }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let entry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
        if let Some((what, teardown)) = entry {
            tracing::debug!("tearing down {what}");
            teardown();
        }
    }
}

/// Tears down everything still registered, newest first (databases before their server).
pub fn run_all() {
    loop {
        let last = {
            let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
            let key = registry.keys().next_back().copied();
            key.and_then(|k| registry.remove(&k))
        };
        match last {
            Some((what, teardown)) => {
                tracing::debug!("tearing down {what}");
                teardown();
            }
            None => break,
        }
    }
}

/// On SIGINT or SIGTERM: tear everything down, then exit with 130 (or 143), as a shell
/// expects from a process stopped by that signal. Needs a running tokio runtime.
pub fn install_signal_handlers() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        tokio::spawn(async {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut interrupt), Ok(mut terminate)) =
                (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
            else {
                tracing::warn!("could not install signal handlers; Ctrl-C may leave resources behind");
                return;
            };
            let code = tokio::select! {
                _ = interrupt.recv() => 130,
                _ = terminate.recv() => 143,
            };
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("pgrehearse: interrupted, cleaning up");
            tokio::task::spawn_blocking(run_all).await.ok();
            std::process::exit(code);
        });
    });
}

/// True once SIGINT or SIGTERM arrived; the handler then exits the process itself.
pub fn is_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// `host=<h> pid=<p> start=<t>`: who created a resource, precise enough to tell a dead
/// owner from a live one even after the pid is reused.
pub fn owner_tag() -> String {
    let pid = std::process::id();
    format!("pgrehearse host={} pid={pid} start={}", hostname(), process_start_time(pid).unwrap_or(0))
}

/// True when the tag names a process on this host that no longer runs. Tags from other
/// hosts are never judged dead: their owner may be alive elsewhere.
pub fn is_owner_dead(tag: &str) -> bool {
    let field = |key: &str| {
        tag.split_whitespace()
            .find_map(|part| part.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .map(str::to_string)
    };
    let (Some(host), Some(pid), Some(start)) = (field("host"), field("pid"), field("start")) else {
        return false;
    };
    if host != hostname() {
        return false;
    }
    let Ok(pid) = pid.parse::<u32>() else { return false };
    match process_start_time(pid) {
        None => true,
        Some(actual) => start.parse::<u64>().map(|s| s != actual).unwrap_or(false),
    }
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or
/// None when no such process runs.
pub fn process_start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after its ')' are plain.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Removes a directory tree; quietly done if it is already gone.
pub fn remove_dir(path: &Path) {
    if let Err(err) = std::fs::remove_dir_all(path) {
        if err.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!("could not remove {}: {err}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_tag_is_alive_and_a_dead_pid_is_dead() {
        assert!(!is_owner_dead(&owner_tag()));
        let dead = format!("pgrehearse host={} pid=4194304 start=1", hostname());
        assert!(is_owner_dead(&dead), "pid beyond pid_max must count as dead");
        let elsewhere = "pgrehearse host=some-other-host pid=4194304 start=1";
        assert!(!is_owner_dead(elsewhere), "another host's resources are never swept");
    }

    #[test]
    fn run_all_runs_each_teardown_once_newest_first() {
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let (a, b) = (order.clone(), order.clone());
        let first = register("first".into(), move || a.lock().unwrap().push(1));
        let second = register("second".into(), move || b.lock().unwrap().push(2));
        run_all();
        drop(first);
        drop(second);
        let seen = order.lock().unwrap().clone();
        assert_eq!(seen.iter().filter(|&&x| x == 1).count(), 1);
        assert_eq!(seen.iter().filter(|&&x| x == 2).count(), 1);
        let pos = |x| seen.iter().position(|&y| y == x).unwrap();
        assert!(pos(2) < pos(1));
    }
}
