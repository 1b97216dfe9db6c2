//! Refuses a seed that cannot fit before a row is written: the rows asked for, times an
//! estimated width per row (heap tuple, keys and indexes), against the free space of the
//! server's data directory, when that directory is on this machine (a native cluster).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use sqlx::postgres::PgConnection;

use super::error::SeedError;
use super::model::{BaseType, SchemaModel};
use super::plan::SeedPlan;

/// Tuple header, item pointer and alignment: what every heap row costs besides its values.
const ROW_OVERHEAD: u64 = 32;

/// Bytes one value of `column` takes on disk, roughly (text as its typical generated length).
fn width(base: &BaseType, max_len: Option<usize>) -> u64 {
    match base {
        BaseType::Bool => 1,
        BaseType::Int2 => 2,
        BaseType::Int4 | BaseType::Date | BaseType::Float => 4,
        BaseType::Int8 | BaseType::Timestamp | BaseType::Timestamptz => 8,
        BaseType::Uuid => 16,
        BaseType::Numeric => 12,
        BaseType::Text => max_len.map(|m| m.min(40) as u64 + 1).unwrap_or(24),
        BaseType::Json | BaseType::Bytea | BaseType::Other(_) => 32,
    }
}

/// Rows per table (index into the model's tables) of a plan.
pub fn planned_rows(plan: &SeedPlan) -> Vec<(usize, u64)> {
    plan.tables.iter().enumerate().map(|(i, t)| (i, t.rows)).collect()
}

/// Estimated bytes `rows` take once loaded and indexed.
pub fn estimate(model: &SchemaModel, rows: &[(usize, u64)]) -> u128 {
    rows.iter()
        .map(|&(table, count)| {
            let table = &model.tables[table];
            let row: u64 = ROW_OVERHEAD + table.columns.iter().map(|c| width(&c.base, c.max_len)).sum::<u64>();
            // Each key or unique index holds about its columns plus a 16-byte index tuple.
            let indexed: u64 = std::iter::once(&table.primary_key).chain(&table.uniques).filter(|k| !k.is_empty()).map(|k| 16 + k.iter().map(|&c| width(&table.columns[c].base, table.columns[c].max_len)).sum::<u64>()).sum();
            u128::from(count) * u128::from(row + indexed)
        })
        .sum()
}

/// Free bytes of the filesystem holding `path`.
fn free_bytes(path: &Path) -> Option<u128> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is NUL-terminated and `stats` is a valid out-pointer for the call.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    Some(u128::from(stats.f_bavail as u64) * u128::from(stats.f_frsize as u64))
}

/// Errors when the estimate exceeds the free space of the server's data directory. A
/// server whose data directory this process cannot see (a container, a remote server,
/// no permission to read the setting) is not checked.
pub async fn check(conn: &mut PgConnection, model: &SchemaModel, rows: &[(usize, u64)]) -> Result<(), SeedError> {
    let estimate = estimate(model, rows);
    let data_directory: Option<String> = sqlx::query_scalar("SELECT current_setting('data_directory', true)").fetch_one(&mut *conn).await.ok().flatten();
    let Some(free) = data_directory.as_deref().map(Path::new).filter(|p| p.is_dir()).and_then(free_bytes) else { return Ok(()) };
    if estimate <= free {
        return Ok(());
    }
    let rows: u128 = rows.iter().map(|&(_, n)| u128::from(n)).sum();
    Err(SeedError::TooBig { rows, estimate: human(estimate), free: human(free) })
}

fn human(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(512), "512.0 B");
        assert_eq!(human(3 * 1024 * 1024 * 1024), "3.0 GB");
        assert!(human(u128::from(u64::MAX) * 100).ends_with("EB"));
    }
}
