//! One side of a comparison as SQL: each row of a table (and of its quarantine tables)
//! projected to a canonical key `k`, a canonical row `r`, its column values `cols`, a flag
//! `u` for "some old value could not be cast", and its source `src`.
//!
//! Canonical text makes equal values hash equally across a type change: each column is
//! `quote_nullable(col::text)`, or, when its type differs from the target type,
//! `quote_literal(col::text::target::text)`; a value that cannot be cast becomes
//! `!` followed by its quoted old text, which matches nothing on the other side. Quoting
//! keeps `('a|', 'b')` and `('a', '|b')` apart, and NULL apart from the text `NULL`.

use std::collections::HashMap;

use sqlx::PgConnection;

use super::cast_helper::ensure_try_cast;
use super::error::VerifyError;
use crate::vocabulary::TableName;
use crate::quote::quote_ident;

/// A column of a source, and the type its values are compared as (when it differs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnProjection {
    pub name: String,
    /// `Some(type)` when this side's type differs from the type compared against.
    pub cast_to: Option<String>,
}

/// One relation of a side. `columns` are in the same order on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProjection {
    pub table: TableName,
    pub columns: Vec<ColumnProjection>,
    /// Indexes into `columns` that form the key rows are matched on.
    pub key: Vec<usize>,
    /// `T` for the table itself, `Q` for a quarantine table.
    pub is_quarantine: bool,
}

/// All relations of one side, read as one multiset of rows (`UNION ALL`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Side {
    pub sources: Vec<SourceProjection>,
}

/// The SQL of a side, with its helper functions installed.
#[derive(Debug, Clone)]
pub struct PreparedSide {
    /// Each source with its own `k`, `r` derived table, so that a state's stored bucket
    /// fingerprints can stand in for a source that projects the table as the state did.
    pub sources: Vec<PreparedSource>,
    /// A derived table with columns `k`, `r`, `cols`, `u`, `src`: for row-by-row diffs.
    pub rows_sql: String,
    /// The same, holding only rows whose key hashes into the buckets bound as `$1`
    /// (`int[]`); the filter runs before the non-key columns are made canonical.
    pub rows_in_buckets_sql: String,
    /// A derived table with columns `k`, `r` only: for fingerprints, which must be fast.
    pub hash_sql: String,
}

/// One source of a prepared side: what it projects, and its `k`, `r` derived table, whole
/// or in a range of heap blocks (so that several connections can share one large table).
#[derive(Debug, Clone)]
pub struct PreparedSource {
    pub projection: SourceProjection,
    pub hash_sql: String,
    /// Only the rows in blocks `$1` and after (`$1` a `tid` as text, such as `(1024,0)`).
    pub hash_sql_from: String,
    /// Only the rows in blocks from `$1` up to, not including, `$2`.
    pub hash_sql_between: String,
}

impl SourceProjection {
    /// A table as a database state fingerprints it: every column as raw text, in table
    /// order, keyed by its primary key (every column when it has none).
    pub fn whole_table(table: &TableName, columns: &[String], primary_key: &[String]) -> SourceProjection {
        let key: Vec<usize> = primary_key.iter().filter_map(|k| columns.iter().position(|c| c == k)).collect();
        let key = if key.is_empty() || key.len() != primary_key.len() { (0..columns.len()).collect() } else { key };
        let columns = columns.iter().map(|name| ColumnProjection { name: name.clone(), cast_to: None }).collect();
        SourceProjection { table: table.clone(), columns, key, is_quarantine: false }
    }
}

impl Side {
    /// Installs the cast helpers this side needs on `conn` and builds its SQL.
    pub async fn prepare(&self, conn: &mut PgConnection) -> Result<PreparedSide, VerifyError> {
        let mut helpers: HashMap<String, String> = HashMap::new();
        for column in self.sources.iter().flat_map(|s| &s.columns) {
            if let Some(target) = &column.cast_to {
                if !helpers.contains_key(target) {
                    helpers.insert(target.clone(), ensure_try_cast(conn, target).await?);
                }
            }
        }
        let union = |full: bool, in_buckets: bool| {
            let filter = if in_buckets { Filter::InBuckets } else { Filter::None };
            let selects: Vec<String> = self.sources.iter().map(|s| source_sql(s, &helpers, full, filter)).collect();
            format!("({})", selects.join(" UNION ALL "))
        };
        let sources = self
            .sources
            .iter()
            .map(|s| PreparedSource {
                projection: s.clone(),
                hash_sql: format!("({})", source_sql(s, &helpers, false, Filter::None)),
                hash_sql_from: format!("({})", source_sql(s, &helpers, false, Filter::FromBlock)),
                hash_sql_between: format!("({})", source_sql(s, &helpers, false, Filter::BetweenBlocks)),
            })
            .collect();
        Ok(PreparedSide {
            sources,
            rows_sql: union(true, false),
            rows_in_buckets_sql: union(true, true),
            hash_sql: union(false, false),
        })
    }
}

/// `OFFSET 0` keeps the planner from flattening the inner select: flattened, each
/// canonical column (and its cast) would be computed again for `k`, `r` and `cols`. A
/// fingerprint of raw text goes without it: its key columns are computed twice, which is
/// cheap, and the planner may then split the scan and the aggregate over parallel workers
/// (the cast helpers are parallel unsafe, so a source with casts stays in one process).
/// Which rows of its table a source's SQL reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    None,
    /// Keys hashing into the buckets bound as `$1`.
    InBuckets,
    /// Rows whose `ctid` is at or after `$1` (Postgres reads only those blocks).
    FromBlock,
    /// Rows whose `ctid` is at or after `$1` and before `$2`.
    BetweenBlocks,
}

fn source_sql(source: &SourceProjection, helpers: &HashMap<String, String>, full: bool, filter: Filter) -> String {
    let in_buckets = filter == Filter::InBuckets;
    let exprs: Vec<String> =
        source.columns.iter().map(|c| column_expr(&c.name, c.cast_to.as_ref().map(|t| helpers[t].as_str()))).collect();
    let canon: Vec<String> = exprs.iter().enumerate().map(|(i, e)| format!("{e} AS c{i}")).collect();
    let filter = match filter {
        Filter::None => String::new(),
        Filter::InBuckets => {
            let key_exprs: Vec<&str> = source.key.iter().map(|&i| exprs[i].as_str()).collect();
            format!(" WHERE {} = ANY($1)", bucket_expr(&format!("concat_ws('|', {})", key_exprs.join(", "))))
        }
        Filter::FromBlock => " WHERE ctid >= $1::text::tid".to_string(),
        Filter::BetweenBlocks => " WHERE ctid >= $1::text::tid AND ctid < $2::text::tid".to_string(),
    };
    let all: Vec<String> = (0..source.columns.len()).map(|i| format!("c{i}")).collect();
    let key: Vec<String> = source.key.iter().map(|i| format!("c{i}")).collect();
    let cast_failed: Vec<String> = source
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.cast_to.is_some())
        .map(|(i, _)| format!("left(c{i}, 1) = '!'"))
        .collect();
    let u = if cast_failed.is_empty() { "false".to_string() } else { cast_failed.join(" OR ") };
    let src = if source.is_quarantine { "'Q'" } else { "'T'" };
    let extra = if full {
        format!(", ARRAY[{all}] AS cols, ({u}) AS u, {src}::text AS src", all = all.join(", "))
    } else {
        String::new()
    };
    let fence = if full || in_buckets || !cast_failed.is_empty() { " OFFSET 0" } else { "" };
    format!(
        "SELECT concat_ws('|', {key}) AS k, concat_ws('|', {all}) AS r{extra} FROM (SELECT {canon} FROM {table}{filter}{fence}) AS p",
        key = key.join(", "),
        all = all.join(", "),
        canon = canon.join(", "),
        table = source.table.quoted(),
    )
}

/// How many buckets a diff splits rows into: enough that one changed row streams about
/// 1/256 of a table.
pub const BUCKETS: i32 = 256;

/// The bucket (`0..BUCKETS`) of a canonical key: the same expression on both sides, so a key
/// lands in the same bucket in both databases.
pub fn bucket_expr(key: &str) -> String {
    format!("(hashtextextended({key}, 1) & {})::int", BUCKETS - 1)
}

/// The canonical text of one column; `try_cast` is the helper's qualified name.
fn column_expr(name: &str, try_cast: Option<&str>) -> String {
    let col = quote_ident(name);
    match try_cast {
        None => format!("quote_nullable({col}::text)"),
        Some(f) => format!(
            "CASE WHEN {col} IS NULL THEN 'NULL' ELSE coalesce(quote_literal({f}({col}::text)), '!' || quote_literal({col}::text)) END"
        ),
    }
}
