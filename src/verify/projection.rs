//! One side of a comparison as SQL: each row of a table (and of its quarantine tables)
//! projected to a canonical key `k`, a canonical row `r`, its column values `cols`, a flag
//! `u` for "some old value could not be cast", and its source `src`; or, for a
//! fingerprint, to the bucket `b` of its key and a 64-bit hash `h` of its values.
//!
//! Canonical text makes equal values equal across a type change: each column is
//! `quote_nullable(col::text)`, or, when its type differs from the target type,
//! `quote_literal(try_cast(col)::text)`; a value that cannot be cast becomes `!` followed
//! by its quoted old text, which matches nothing on the other side. Quoting keeps
//! `('a|', 'b')` and `('a', '|b')` apart, and NULL apart from the text `NULL`.
//!
//! A fingerprint hashes each value as the type it is compared as hashes it, mostly without
//! printing it ([`value_hash`]), seeded by its position, and XORs the hashes: two rows
//! hash alike exactly when their canonical texts are equal (but for a collision), and
//! printing a timestamp or quoting and joining every column cost three times the hashing.

use std::collections::HashMap;

use sqlx::PgConnection;

use super::cast_helper::{already_canonical, ensure_try_cast};
use super::error::VerifyError;
use crate::quote::quote_ident;
use crate::vocabulary::TableName;

/// A column of a source, and the type its values are compared as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnProjection {
    pub name: String,
    /// `Some(type)` when this side's type differs from the type compared against: its
    /// values are cast to it.
    pub cast_to: Option<String>,
    /// The type (`format_type`) the values are compared as: the column's own, the one cast
    /// to, or `text` for values compared by their text. It decides how they are hashed.
    pub compared_as: String,
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
    /// Each source with its own `b`, `h` derived table, so that a state's stored bucket
    /// fingerprints can stand in for a source that projects the table as the state did.
    pub sources: Vec<PreparedSource>,
    /// A derived table with columns `k`, `r`, `cols`, `u`, `src`: for row-by-row diffs.
    pub rows_sql: String,
    /// The same, holding only rows whose key hashes into the buckets bound as `$1`
    /// (`int[]`); the filter runs before the columns are made canonical.
    pub rows_in_buckets_sql: String,
    /// A derived table with columns `b`, `h` only: for fingerprints, which must be fast.
    pub hash_sql: String,
}

/// One source of a prepared side: what it projects, and its `b`, `h` derived table, whole
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
    /// A table as a database state fingerprints it: every column (name and type) as it
    /// is, in table order, keyed by its primary key (every column when it has none).
    pub fn whole_table(table: &TableName, columns: &[(String, String)], primary_key: &[String]) -> SourceProjection {
        let key: Vec<usize> = primary_key.iter().filter_map(|k| columns.iter().position(|(c, _)| c == k)).collect();
        let key = if key.is_empty() || key.len() != primary_key.len() { (0..columns.len()).collect() } else { key };
        let columns = columns
            .iter()
            .map(|(name, data_type)| ColumnProjection { name: name.clone(), cast_to: None, compared_as: data_type.clone() })
            .collect();
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
        let union = |filter: Filter| {
            let selects: Vec<String> = self.sources.iter().map(|s| rows_sql(s, &helpers, filter)).collect();
            format!("({})", selects.join(" UNION ALL "))
        };
        let sources: Vec<PreparedSource> = self
            .sources
            .iter()
            .map(|s| PreparedSource {
                projection: s.clone(),
                hash_sql: format!("({})", hash_sql(s, &helpers, Filter::None)),
                hash_sql_from: format!("({})", hash_sql(s, &helpers, Filter::FromBlock)),
                hash_sql_between: format!("({})", hash_sql(s, &helpers, Filter::BetweenBlocks)),
            })
            .collect();
        let hashes: Vec<String> = self.sources.iter().map(|s| hash_sql(s, &helpers, Filter::None)).collect();
        Ok(PreparedSide {
            hash_sql: format!("({})", hashes.join(" UNION ALL ")),
            sources,
            rows_sql: union(Filter::None),
            rows_in_buckets_sql: union(Filter::InBuckets),
        })
    }
}

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

/// One column's value as the type it is compared as (`v`; a cast value may be its text),
/// beside its original (`o`), both as SQL over the source's table.
struct Value {
    typed: String,
    original: String,
    cast: bool,
}

fn values(source: &SourceProjection, helpers: &HashMap<String, String>) -> Vec<Value> {
    source
        .columns
        .iter()
        .map(|c| {
            let col = quote_ident(&c.name);
            match &c.cast_to {
                Some(target) => {
                    let text = format!("{col}::text");
                    let cast = format!("{}({text})", helpers[target]);
                    // A value already in the target's canonical text is its own cast, as text.
                    let typed = match already_canonical(target, &text) {
                        Some(same) => format!("CASE WHEN {same} THEN {text} ELSE {cast}::text END"),
                        None => cast,
                    };
                    Value { typed, original: col, cast: true }
                }
                None => Value { typed: col.clone(), original: col, cast: false },
            }
        })
        .collect()
}

/// The inner select of a source: its values as `v0…`, the originals of cast columns as
/// `o0…`, from the rows `filter` keeps. `OFFSET 0` keeps the planner from flattening it
/// when there are casts: flattened, each cast would run again for every use of its value.
fn inner_sql(source: &SourceProjection, helpers: &HashMap<String, String>, filter: Filter) -> String {
    let values = values(source, helpers);
    let mut selected = Vec::new();
    for (i, v) in values.iter().enumerate() {
        selected.push(format!("{} AS v{i}", v.typed));
        if v.cast {
            selected.push(format!("{} AS o{i}", v.original));
        }
    }
    let filter = match filter {
        Filter::None => String::new(),
        Filter::InBuckets => format!(" WHERE {} = ANY($1)", bucket_expr(&key_hash(source, &values))),
        Filter::FromBlock => " WHERE ctid >= $1::text::tid".to_string(),
        Filter::BetweenBlocks => " WHERE ctid >= $1::text::tid AND ctid < $2::text::tid".to_string(),
    };
    let fence = if values.iter().any(|v| v.cast) { " OFFSET 0" } else { "" };
    format!("SELECT {} FROM {}{filter}{fence}", selected.join(", "), source.table.quoted())
}

/// The values of the inner select, by their aliases.
fn aliased(source: &SourceProjection) -> Vec<Value> {
    (0..source.columns.len())
        .map(|i| Value { typed: format!("v{i}"), original: format!("o{i}"), cast: source.columns[i].cast_to.is_some() })
        .collect()
}

/// `b`, `h` of each row of `source`.
fn hash_sql(source: &SourceProjection, helpers: &HashMap<String, String>, filter: Filter) -> String {
    let values = aliased(source);
    let hashes: Vec<String> = values.iter().enumerate().map(|(i, v)| column_hash(&source.columns[i], v, i as i64)).collect();
    format!(
        "SELECT {} AS b, {} AS h FROM ({}) AS p",
        bucket_expr(&key_hash(source, &values)),
        hashes.join(" # "),
        inner_sql(source, helpers, filter),
    )
}

/// `k`, `r`, `cols`, `u`, `src` of each row of `source`.
fn rows_sql(source: &SourceProjection, helpers: &HashMap<String, String>, filter: Filter) -> String {
    let values = aliased(source);
    let canon: Vec<String> = values.iter().enumerate().map(|(i, v)| format!("{} AS c{i}", canonical_text(v))).collect();
    let all: Vec<String> = (0..values.len()).map(|i| format!("c{i}")).collect();
    let key: Vec<String> = source.key.iter().map(|i| format!("c{i}")).collect();
    let failed: Vec<String> = values.iter().filter(|v| v.cast).map(|v| format!("({} IS NOT NULL AND {} IS NULL)", v.original, v.typed)).collect();
    let u = if failed.is_empty() { "false".to_string() } else { failed.join(" OR ") };
    let src = if source.is_quarantine { "'Q'" } else { "'T'" };
    format!(
        "SELECT concat_ws('|', {key}) AS k, concat_ws('|', {all}) AS r, ARRAY[{all}] AS cols, u, {src}::text AS src \
         FROM (SELECT {canon}, {u} AS u FROM ({inner}) AS i OFFSET 0) AS p",
        key = key.join(", "),
        all = all.join(", "),
        canon = canon.join(", "),
        inner = inner_sql(source, helpers, filter),
    )
}

/// How many buckets a diff splits rows into: enough that one changed row streams about
/// 1/256 of a table.
pub const BUCKETS: i32 = 256;

/// The bucket (`0..BUCKETS`) of a key hash: the same expression on both sides, so a key
/// lands in the same bucket in both databases.
fn bucket_expr(key_hash: &str) -> String {
    format!("(({key_hash}) & {})::int", BUCKETS - 1)
}

/// The key's hash: its columns' hashes, seeded apart from the row hash's.
fn key_hash(source: &SourceProjection, values: &[Value]) -> String {
    let hashes: Vec<String> = source
        .key
        .iter()
        .enumerate()
        .map(|(j, &i)| column_hash(&source.columns[i], &values[i], KEY_SEED + j as i64))
        .collect();
    hashes.join(" # ")
}

/// The seeds of the key hash start here, far from the columns' positions.
const KEY_SEED: i64 = 1 << 20;

/// One value's hash with `seed`: NULL as a constant of its own, a value that could not be
/// cast as the hash of `!` and its original text (which nothing on the other side has).
fn column_hash(column: &ColumnProjection, value: &Value, seed: i64) -> String {
    let hash = value_hash(&value.typed, &column.compared_as, seed);
    let null = -seed - 1;
    if value.cast {
        format!(
            "coalesce({hash}, CASE WHEN {o} IS NULL THEN {null} ELSE hashtextextended('!' || {o}::text, {seed}) END)",
            o = value.original
        )
    } else {
        format!("coalesce({hash}, {null})")
    }
}

/// The 64-bit hash of `expr`, of type `compared_as`, with `seed`: by the type's own hash
/// function where two values hash alike exactly when their texts are equal, else of its
/// text, byte for byte (`COLLATE "C"`: a nondeterministic collation would hash `A` as `a`).
/// A `timestamptz` is hashed as the UTC time it stands for, which its text shows whatever
/// the session's time zone. A uuid is hashed by its text: a converted value already
/// written canonically then needs no cast ([`already_canonical`]), which saves more than
/// printing a uuid costs.
pub fn value_hash(expr: &str, compared_as: &str, seed: i64) -> String {
    match compared_as {
        "smallint" => format!("hashint2extended({expr}, {seed})"),
        "integer" => format!("hashint4extended({expr}, {seed})"),
        "bigint" => format!("hashint8extended({expr}, {seed})"),
        "boolean" => format!("hashint4extended(({expr})::int, {seed})"),
        "timestamp without time zone" => format!("timestamp_hash_extended({expr}, {seed})"),
        "timestamp with time zone" => format!("timestamp_hash_extended(({expr}) AT TIME ZONE 'UTC', {seed})"),
        _ => format!("hashtextextended(({expr})::text COLLATE \"C\", {seed})"),
    }
}

/// The canonical text of one value.
fn canonical_text(value: &Value) -> String {
    if value.cast {
        format!(
            "CASE WHEN {o} IS NULL THEN 'NULL' ELSE coalesce(quote_literal({v}::text), '!' || quote_literal({o}::text)) END",
            v = value.typed,
            o = value.original
        )
    } else {
        format!("quote_nullable({}::text)", value.typed)
    }
}
