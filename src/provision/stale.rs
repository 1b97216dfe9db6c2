//! Sweeping what a process that died hard (SIGKILL, power loss) left behind: native cluster
//! directories and their servers, and throwaway databases on an existing server. Only
//! resources whose owner tag names a dead process on this host are touched.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sqlx::postgres::PgConnection;
use sqlx::Executor;

use super::cleanup::{self, DATABASE_PREFIX, DIRECTORY_PREFIX};
use super::initdb_cache::CACHE_DIR_NAME;
use crate::quote::quote_ident;

/// Removes `pgrehearse-*` directories whose owner is dead, killing any server left in them.
/// Only directories owned by one of `uids` (this process, the server's account) are
/// touched: another user's directory, or one planted to look like ours, is left alone.
pub fn sweep_directories(root: &Path, uids: &[u32]) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with(DIRECTORY_PREFIX) || name.starts_with(CACHE_DIR_NAME) {
            continue;
        }
        let path = entry.path();
        let owned = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && uids.contains(&m.uid()));
        if !owned {
            continue;
        }
        let Ok(tag) = std::fs::read_to_string(path.join("owner")) else { continue };
        if cleanup::is_owner_dead(&tag) {
            kill_postmaster(&path.join("data"));
            tracing::info!("swept stale cluster directory {}", path.display());
            cleanup::remove_dir(&path);
        }
    }
}

/// Kills the postmaster named in a data directory's `postmaster.pid`, with its process
/// group (we start it as a group leader), if that process really runs from this directory.
fn kill_postmaster(data_dir: &Path) {
    let Ok(pid_file) = std::fs::read_to_string(data_dir.join("postmaster.pid")) else { return };
    let Some(pid) = pid_file.lines().next().and_then(|l| l.trim().parse::<i32>().ok()) else { return };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    if cmdline.contains("postgres") && cmdline.contains(&*data_dir.to_string_lossy()) {
        // SAFETY: plain kill(2) on a pid we just checked belongs to our stale server.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// Drops `pgrehearse_*` databases on an existing server whose owner tag (the database's
/// comment) names a dead process on this host. Returns the names dropped.
pub async fn sweep_databases(conn: &mut PgConnection) -> Vec<String> {
    let rows: Vec<(String, Option<String>)> = match sqlx::query_as(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE starts_with(datname, $1)",
    )
    .bind(DATABASE_PREFIX)
    .fetch_all(&mut *conn)
    .await
    {
        Ok(rows) => rows,
        Err(err) => {
            tracing::warn!("could not list stale databases: {err}");
            return Vec::new();
        }
    };
    let mut dropped = Vec::new();
    for (name, tag) in rows {
        if !tag.as_deref().is_some_and(cleanup::is_owner_dead) {
            continue;
        }
        let unmark = format!("ALTER DATABASE {} IS_TEMPLATE false", quote_ident(&name));
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&name));
        let _ = conn.execute(unmark.as_str()).await;
        match conn.execute(drop.as_str()).await {
            Ok(_) => dropped.push(name),
            Err(err) => tracing::warn!("could not drop stale database {name}: {err}"),
        }
    }
    dropped
}
