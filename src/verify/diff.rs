//! Where two fingerprints differ, find the rows, as data-diff does: bucket the rows by a
//! hash of their key, compare bucket fingerprints, and stream row by row only the buckets
//! that differ, ordered by key, from both databases at once (the two sides live in
//! different databases, so no query can join them). Memory stays flat: one row per side.
//! The two sides are read at the same time, each on its own server process.

use futures::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::error::VerifyError;
use super::fingerprint::{side_buckets, Buckets, Fingerprint};
use super::projection::PreparedSide;

pub use super::projection::BUCKETS;

/// One row of a side, in canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideRow {
    pub key: String,
    pub row: String,
    /// Each column's canonical text, in pairing order.
    pub cols: Vec<String>,
    /// Some old value could not be cast to the new type.
    pub cast_failed: bool,
    pub is_quarantine: bool,
}

/// A row the two sides disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowDifference {
    /// The same key on both sides with different values.
    Changed { before: SideRow, after: SideRow },
    /// The key exists only before.
    Missing { before: SideRow },
    /// The key exists only after (or one more time after than before).
    Extra { after: SideRow },
}

/// What a diff compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffStats {
    pub before: Fingerprint,
    pub after: Fingerprint,
    pub mismatched_buckets: usize,
    /// Rows read row by row (both sides); zero when the fingerprints agree.
    pub rows_streamed: u64,
}

impl DiffStats {
    pub fn is_equal(&self) -> bool {
        self.mismatched_buckets == 0
    }
}

/// Compares two sides and calls `on_difference` for each differing row, in key order.
pub async fn diff(
    before_conn: &mut PgConnection,
    before: &PreparedSide,
    after_conn: &mut PgConnection,
    after: &PreparedSide,
    on_difference: impl FnMut(RowDifference),
) -> Result<DiffStats, VerifyError> {
    let (before_buckets, after_buckets) = futures::try_join!(side_buckets(before_conn, before), side_buckets(after_conn, after))?;
    diff_buckets(before_conn, before, &before_buckets, after_conn, after, &after_buckets, on_difference).await
}

/// [`diff`], from the two sides' bucket fingerprints already read (a state's stored ones).
pub async fn diff_buckets(
    before_conn: &mut PgConnection,
    before: &PreparedSide,
    before_buckets: &Buckets,
    after_conn: &mut PgConnection,
    after: &PreparedSide,
    after_buckets: &Buckets,
    mut on_difference: impl FnMut(RowDifference),
) -> Result<DiffStats, VerifyError> {
    let mut stats = DiffStats { before: before_buckets.total(), after: after_buckets.total(), ..DiffStats::default() };
    let mismatched: Vec<i32> = (0..BUCKETS).filter(|b| before_buckets.0.get(b) != after_buckets.0.get(b)).collect();
    stats.mismatched_buckets = mismatched.len();
    if mismatched.is_empty() {
        return Ok(stats);
    }
    let sql = |side: &PreparedSide| {
        format!(
            "SELECT k, r, cols, u, src FROM {} AS s ORDER BY k COLLATE \"C\", r COLLATE \"C\", src",
            side.rows_in_buckets_sql
        )
    };
    let (before_sql, after_sql) = (sql(before), sql(after));
    let mut b_rows = sqlx::query(&before_sql).bind(&mismatched).fetch(before_conn);
    let mut a_rows = sqlx::query(&after_sql).bind(&mismatched).fetch(after_conn);
    let read_error = VerifyError::query;
    // Both servers sort their rows at once: the first row of each is awaited together.
    let (first_b, first_a) = futures::join!(b_rows.try_next(), a_rows.try_next());
    let mut b = next_row(first_b.map_err(read_error("read rows before"))?);
    let mut a = next_row(first_a.map_err(read_error("read rows after"))?);
    loop {
        let step = match (&b, &a) {
            (None, None) => break,
            (Some(_), None) => Step::Before,
            (None, Some(_)) => Step::After,
            // Keys sort bytewise on both sides (COLLATE "C"), as Rust compares strings.
            (Some(x), Some(y)) => match x.key.cmp(&y.key) {
                std::cmp::Ordering::Less => Step::Before,
                std::cmp::Ordering::Greater => Step::After,
                std::cmp::Ordering::Equal => Step::Both,
            },
        };
        if matches!(step, Step::Before | Step::Both) {
            stats.rows_streamed += 1;
        }
        if matches!(step, Step::After | Step::Both) {
            stats.rows_streamed += 1;
        }
        match step {
            Step::Before => on_difference(RowDifference::Missing { before: b.take().expect("before row") }),
            Step::After => on_difference(RowDifference::Extra { after: a.take().expect("after row") }),
            Step::Both => {
                let (x, y) = (b.take().expect("before row"), a.take().expect("after row"));
                if x.row != y.row {
                    on_difference(RowDifference::Changed { before: x, after: y });
                }
            }
        }
        if b.is_none() {
            b = next_row(b_rows.try_next().await.map_err(read_error("read rows before"))?);
        }
        if a.is_none() {
            a = next_row(a_rows.try_next().await.map_err(read_error("read rows after"))?);
        }
    }
    Ok(stats)
}

enum Step {
    Before,
    After,
    Both,
}

fn next_row(row: Option<PgRow>) -> Option<SideRow> {
    row.map(|r| SideRow {
        key: r.get("k"),
        row: r.get("r"),
        cols: r.get("cols"),
        cast_failed: r.get("u"),
        is_quarantine: r.get::<String, _>("src") == "Q",
    })
}
