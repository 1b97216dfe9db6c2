//! The free-space check before a rebuild writes its new tables: about twice the planned
//! tables' total size (the new tables with their indexes, and the WAL they write) against
//! the free space of the server's data directory, when that directory is on this machine
//! (a native cluster) and the engine's role may read where it is; otherwise the check is
//! skipped and says so.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use sqlx::PgConnection;

use super::super::error::EngineError;
use super::super::plan::Plan;

/// Free bytes of the filesystem holding `path`.
fn free_bytes(path: &Path) -> Option<u64> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is NUL-terminated and `stats` is a valid out-pointer for the call.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    Some(stats.f_bavail as u64 * stats.f_frsize as u64)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

/// Refuses the rebuild when it cannot fit; returns a note saying what was checked.
pub async fn check(conn: &mut PgConnection, plan: &Plan) -> Result<String, EngineError> {
    let tables: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    let sql = "SELECT coalesce(sum(pg_total_relation_size(t::regclass)), 0)::bigint FROM unnest($1::text[]) t";
    let size: i64 = sqlx::query_scalar(sql).bind(&tables).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))?;
    let needed = 2 * size.max(0) as u64;
    // Only a superuser or a member of pg_read_all_settings may read where the data is.
    let sql = "SELECT pg_has_role('pg_read_all_settings', 'USAGE'), CASE WHEN pg_has_role('pg_read_all_settings', 'USAGE') THEN current_setting('data_directory', true) END";
    let (may_read, data_directory): (bool, Option<String>) = sqlx::query_as(sql).fetch_one(&mut *conn).await.map_err(EngineError::query(sql))?;
    if !may_read {
        return Ok(format!("free space not checked: the engine's role may not read where the server keeps its data (pg_read_all_settings); the rebuild needs about {}", mib(needed)));
    }
    let Some((directory, free)) = data_directory.and_then(|d| free_bytes(Path::new(&d)).filter(|_| Path::new(&d).is_dir()).map(|f| (d, f))) else {
        return Ok(format!("free space not checked: the server's data directory is not on this machine (the rebuild needs about {})", mib(needed)));
    };
    if free < needed {
        return Err(EngineError::NotEnoughSpace { needed: mib(needed), free: mib(free), directory });
    }
    Ok(format!("free space checked: the rebuild needs about {} (twice the planned tables), {} free in {directory}", mib(needed), mib(free)))
}
