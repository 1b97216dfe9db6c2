//! Compares one table's two row streams, Postgres (mapped) and SQLite, merged in key
//! order: counts and checksums of both, and each difference as an example with the key,
//! the Postgres value and the SQLite value.

use std::cmp::Ordering;
use std::collections::VecDeque;

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::checksum::RowHasher;
use super::error::ExportError;
use super::plan::TablePlan;
use super::progress::TableProgress;
use super::read::{describe_key, Row};
use super::sqlite_side::select_in_key_order;
use super::value::{compare_keys, SqlValue};
use crate::quote::quote_ident;
use crate::verify::{CheckKind, Example, Finding};

/// Both sides of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableComparison {
    pub table: String,
    pub postgres: (u64, String),
    pub sqlite: (u64, String),
    pub findings: Vec<Finding>,
}

/// One finding per kind of difference on the table, created when first needed.
struct Differences {
    table: String,
    changed: Finding,
    missing: Finding,
    extra: Finding,
    nonconforming: Finding,
}

impl Differences {
    fn new(table: &str) -> Differences {
        let f = |message: &str| Finding::new(CheckKind::SqliteExport, Some(table.to_string()), message);
        Differences {
            table: table.to_string(),
            changed: f("values differ between Postgres (before) and SQLite (after)"),
            missing: f("rows in Postgres are missing from SQLite"),
            extra: f("rows in SQLite are not in Postgres"),
            nonconforming: f("SQLite values do not conform to the type mapping"),
        }
    }

    fn into_findings(self) -> Vec<Finding> {
        let _ = self.table;
        [self.changed, self.missing, self.extra, self.nonconforming].into_iter().filter(|f| f.count > 0).collect()
    }
}

/// Pulls Postgres rows from the channel one at a time.
struct PgRows {
    receiver: mpsc::Receiver<Vec<Row>>,
    buffered: VecDeque<Row>,
}

impl PgRows {
    fn next(&mut self) -> Option<Row> {
        while self.buffered.is_empty() {
            self.buffered = self.receiver.blocking_recv()?.into();
        }
        self.buffered.pop_front()
    }
}

fn row_text(row: &Row) -> String {
    row.iter().map(SqlValue::display).collect::<Vec<_>>().join(" | ")
}

/// Merges the two streams. Runs on a blocking thread; the Postgres rows arrive in key
/// order on `postgres`.
pub fn compare_table(sqlite: &Connection, table: &TablePlan, postgres: mpsc::Receiver<Vec<Row>>, progress: &TableProgress) -> Result<TableComparison, ExportError> {
    let action = || format!("read {} from SQLite", table.name);
    let mut statement = sqlite.prepare(&select_in_key_order(table)).map_err(ExportError::sqlite(action()))?;
    let width = table.columns.len();
    let mut sqlite_rows = statement.query([]).map_err(ExportError::sqlite(action()))?;
    let mut next_sqlite = || -> Result<Option<Row>, ExportError> {
        match sqlite_rows.next().map_err(ExportError::sqlite(action()))? {
            Some(row) => Ok(Some((0..width).map(|i| row.get_ref(i).map(SqlValue::from_sqlite)).collect::<Result<Row, _>>().map_err(ExportError::sqlite(action()))?)),
            None => Ok(None),
        }
    };
    let mut pg = PgRows { receiver: postgres, buffered: VecDeque::new() };
    let (mut pg_hash, mut lite_hash) = (RowHasher::default(), RowHasher::default());
    let mut diff = Differences::new(&table.name);
    let key_text = |row: &Row| describe_key(table, |k| row[k].display());
    let (mut left, mut right) = (pg.next(), next_sqlite()?);
    let mut seen = 0u64;
    loop {
        let order = match (&left, &right) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(p), Some(s)) => compare_keys(&table.key.iter().map(|&k| &p[k]).collect::<Vec<_>>(), &table.key.iter().map(|&k| &s[k]).collect::<Vec<_>>()),
        };
        if order != Ordering::Less {
            let s = right.as_ref().expect("a SQLite row");
            conformance(table, s, &key_text, &mut diff);
        }
        match order {
            Ordering::Less => {
                let p = left.take().expect("a Postgres row");
                diff.missing.record(Example { column: None, key: key_text(&p), before: Some(row_text(&p)), after: None });
                pg_hash.add(&p);
                left = pg.next();
            }
            Ordering::Greater => {
                let s = right.take().expect("a SQLite row");
                diff.extra.record(Example { column: None, key: key_text(&s), before: None, after: Some(row_text(&s)) });
                lite_hash.add(&s);
                right = next_sqlite()?;
            }
            Ordering::Equal => {
                let (p, s) = (left.take().expect("a Postgres row"), right.take().expect("a SQLite row"));
                for (i, (a, b)) in p.iter().zip(&s).enumerate() {
                    if !a.is_same(b) {
                        diff.changed.record(Example { column: None, key: format!("{} {}", key_text(&p), table.columns[i].source.name), before: Some(a.display()), after: Some(b.display()) });
                    }
                }
                pg_hash.add(&p);
                lite_hash.add(&s);
                left = pg.next();
                right = next_sqlite()?;
            }
        }
        seen += 1;
        if seen % 4096 == 0 {
            progress.inc(4096);
        }
    }
    Ok(TableComparison { table: table.name.clone(), postgres: pg_hash.finish(), sqlite: lite_hash.finish(), findings: diff.into_findings() })
}

fn conformance(table: &TablePlan, row: &Row, key_text: &dyn Fn(&Row) -> String, diff: &mut Differences) {
    for (column, value) in table.columns.iter().zip(row) {
        if let Some(why) = column.mapping.nonconformity(value) {
            diff.nonconforming.record(Example { column: None, key: format!("{} {}", key_text(row), column.source.name), before: Some(why), after: Some(value.display()) });
        }
    }
}

/// The columns SQLite's table lacks, or `None` when the table itself is missing.
pub fn missing_columns(sqlite: &Connection, table: &TablePlan) -> Result<Option<Vec<String>>, ExportError> {
    let mut statement = sqlite.prepare(&format!("PRAGMA table_info({})", quote_ident(&table.name))).map_err(ExportError::sqlite("read PRAGMA table_info"))?;
    let names: Vec<String> = statement.query_map([], |r| r.get::<_, String>(1)).and_then(|rows| rows.collect()).map_err(ExportError::sqlite("read PRAGMA table_info"))?;
    if names.is_empty() {
        return Ok(None);
    }
    Ok(Some(table.column_names().filter(|c| !names.iter().any(|n| n == c)).map(str::to_string).collect()))
}
