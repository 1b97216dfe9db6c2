//! The SQLite side of an export: open the file with the export's pragmas, insert a table's
//! rows with one prepared statement, and read a table back in key order.

use std::path::Path;

use rusqlite::{params_from_iter, Connection, OpenFlags};
use tokio::sync::mpsc;

use super::checksum::RowHasher;
use super::error::ExportError;
use super::plan::TablePlan;
use super::progress::TableProgress;
use super::read::Row;
use super::value::SqlValue;
use crate::quote::quote_ident;

/// Creates the file in WAL mode with foreign keys off for the load: they are checked in
/// one pass by `PRAGMA foreign_key_check` before the commit (the deferred check).
pub fn create(path: &Path) -> Result<Connection, ExportError> {
    let conn = Connection::open(path).map_err(ExportError::sqlite(format!("create {}", path.display())))?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536")
        .map_err(ExportError::sqlite("set the export's pragmas"))?;
    Ok(conn)
}

/// Opens an existing export read-only; a file that is not SQLite is bad input.
pub fn open_read_only(path: &Path) -> Result<Connection, ExportError> {
    let not_sqlite = |reason: String| ExportError::NotSqlite { path: path.to_path_buf(), reason };
    if !path.is_file() {
        return Err(not_sqlite("no such file".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(|e| not_sqlite(e.to_string()))?;
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)).map_err(|e| not_sqlite(format!("not a SQLite database ({e})")))?;
    Ok(conn)
}

/// Inserts every batch from `rows` into the table; returns the hasher of what it inserted.
pub fn load_table(conn: &Connection, table: &TablePlan, mut rows: mpsc::Receiver<Vec<Row>>, progress: &TableProgress) -> Result<RowHasher, ExportError> {
    let columns: Vec<String> = table.column_names().map(quote_ident).collect();
    let marks = vec!["?"; columns.len()].join(", ");
    let sql = format!("INSERT INTO {} ({}) VALUES ({marks})", quote_ident(&table.name), columns.join(", "));
    let action = || format!("insert into {}", table.name);
    let mut insert = conn.prepare(&sql).map_err(ExportError::sqlite(action()))?;
    let mut hasher = RowHasher::default();
    while let Some(batch) = rows.blocking_recv() {
        for row in &batch {
            insert.execute(params_from_iter(row.iter())).map_err(ExportError::sqlite(action()))?;
            hasher.add(row);
        }
        progress.inc(batch.len() as u64);
    }
    Ok(hasher)
}

/// `SELECT <columns> FROM t ORDER BY <key>`: the table in the stream's order.
pub fn select_in_key_order(table: &TablePlan) -> String {
    let columns: Vec<String> = table.column_names().map(quote_ident).collect();
    let key: Vec<String> = table.key.iter().map(|&k| quote_ident(&table.columns[k].source.name)).collect();
    format!("SELECT {} FROM {} ORDER BY {}", columns.join(", "), quote_ident(&table.name), key.join(", "))
}

/// Calls `each` with every row of the table in key order.
pub fn for_each_row(conn: &Connection, table: &TablePlan, mut each: impl FnMut(Row) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let action = || format!("read {} from SQLite", table.name);
    let mut statement = conn.prepare(&select_in_key_order(table)).map_err(ExportError::sqlite(action()))?;
    let width = table.columns.len();
    let mut rows = statement.query([]).map_err(ExportError::sqlite(action()))?;
    while let Some(row) = rows.next().map_err(ExportError::sqlite(action()))? {
        let values = (0..width).map(|i| row.get_ref(i).map(SqlValue::from_sqlite)).collect::<Result<Row, _>>().map_err(ExportError::sqlite(action()))?;
        each(values)?;
    }
    Ok(())
}

/// The SQLite side's row count and checksum of a table.
pub fn checksum(conn: &Connection, table: &TablePlan) -> Result<(u64, String), ExportError> {
    let mut hasher = RowHasher::default();
    for_each_row(conn, table, |row| {
        hasher.add(&row);
        Ok(())
    })?;
    Ok(hasher.finish())
}

/// `PRAGMA foreign_key_check`: (table, rowid, parent) of every row whose reference has no
/// parent.
pub fn foreign_key_violations(conn: &Connection) -> Result<Vec<(String, Option<i64>, String)>, ExportError> {
    let mut statement = conn.prepare("PRAGMA foreign_key_check").map_err(ExportError::sqlite("run PRAGMA foreign_key_check"))?;
    let rows = statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?)))
        .map_err(ExportError::sqlite("run PRAGMA foreign_key_check"))?;
    rows.collect::<Result<_, _>>().map_err(ExportError::sqlite("run PRAGMA foreign_key_check"))
}

/// A row's key, read by rowid, for naming it in a finding.
pub fn key_of_rowid(conn: &Connection, table: &TablePlan, rowid: i64) -> String {
    let columns: Vec<String> = table.key.iter().map(|&k| quote_ident(&table.columns[k].source.name)).collect();
    let sql = format!("SELECT {} FROM {} WHERE rowid = ?", columns.join(", "), quote_ident(&table.name));
    let values: Option<Vec<SqlValue>> = conn
        .query_row(&sql, [rowid], |r| (0..columns.len()).map(|i| r.get_ref(i).map(SqlValue::from_sqlite)).collect())
        .ok();
    match values {
        Some(values) => super::read::describe_key(table, |k| values[table.key.iter().position(|&x| x == k).expect("a key column")].display()),
        None => format!("(rowid={rowid})"),
    }
}
