//! The schema of a database as the catalog describes it: tables, columns in order with
//! types, nullability and defaults, constraints with their validated state, indexes and
//! views, and every other object (triggers, functions, sequences, types, ...: see
//! [`super::schema_objects`]). Two snapshots compare with `==` and diff with
//! [`super::schema_diff`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Row};

use super::error::VerifyError;
use super::pattern::{matches_any, TablePattern};
use crate::vocabulary::{Relation, TableName};

/// Schemas that never hold user data: the system's, the dataset's ground truth, and the
/// helper functions the verifier installs.
pub const SYSTEM_SCHEMAS: &[&str] =
    &["pg_catalog", "information_schema", "pg_toast", "pgrehearse_truth", "pgrehearse_verify"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaSnapshot {
    /// Keyed by `schema.table`.
    pub tables: BTreeMap<TableName, TableSchema>,
    /// View and materialized view definitions (`pg_get_viewdef`), by `schema.view`.
    pub views: BTreeMap<TableName, String>,
    /// Every FK whose child table is in `tables`, in (schema, table, name) order.
    pub foreign_keys: Vec<Relation>,
    /// Every other object, `kind schema.name` → its description: see [`super::schema_objects`].
    #[serde(default)]
    pub objects: BTreeMap<String, String>,
    /// Which defaults are volatile and which functions are in use: see [`super::schema_usage`].
    #[serde(default)]
    pub usage: super::schema_usage::Usage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    /// Columns in `attnum` order: a rollback that re-adds a column at the end is a change.
    pub columns: Vec<ColumnSchema>,
    /// Primary key columns in key order; empty when there is none.
    pub primary_key: Vec<String>,
    pub constraints: BTreeMap<String, ConstraintSchema>,
    /// Index definitions (`pg_get_indexdef`) by index name.
    pub indexes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSchema {
    pub name: String,
    /// `format_type(atttypid, atttypmod)`, e.g. `character varying(36)`.
    pub data_type: String,
    pub not_null: bool,
    /// `pg_get_expr` of the default, if any.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintSchema {
    /// `p`, `f`, `u`, `c` or `x`, as `pg_constraint.contype`.
    pub kind: String,
    /// `pg_get_constraintdef`, e.g. `FOREIGN KEY (user_id) REFERENCES users(id)`.
    pub definition: String,
    /// False for a constraint added `NOT VALID` and never validated.
    pub validated: bool,
}

impl TableSchema {
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Which objects a snapshot leaves out, beyond [`SYSTEM_SCHEMAS`]: the engine's
/// bookkeeping (`migration_log`, `migration_backup.*`, ...) unless the scenario keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOptions {
    pub excluded: Vec<TablePattern>,
}

const COLUMNS_SQL: &str = "
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS data_type,
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default_expr
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
   AND n.nspname <> ALL($1) AND n.nspname NOT LIKE 'pg_temp%'
 ORDER BY n.nspname, c.relname, a.attnum";

const CONSTRAINTS_SQL: &str = "
SELECT n.nspname, c.relname, con.conname, con.contype::text AS kind,
       pg_get_constraintdef(con.oid) AS definition, con.convalidated
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname <> ALL($1)";

const INDEXES_SQL: &str = "
SELECT n.nspname, c.relname, i.relname AS index_name, pg_get_indexdef(i.oid) AS definition
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname <> ALL($1)";

const PRIMARY_KEYS_SQL: &str = "
SELECT n.nspname, c.relname, a.attname
  FROM pg_index x
  JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
 WHERE x.indisprimary AND n.nspname <> ALL($1)
 ORDER BY n.nspname, c.relname, array_position(x.indkey::int2[], a.attnum)";

const VIEWS_SQL: &str = "
SELECT n.nspname, c.relname, pg_get_viewdef(c.oid) AS definition
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm') AND n.nspname <> ALL($1)";

const FOREIGN_KEYS_SQL: &str = "
SELECT n.nspname, c.relname, con.conname, pn.nspname AS parent_schema, p.relname AS parent_table, con.convalidated,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS child_columns,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_columns
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class p ON p.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE con.contype = 'f' AND n.nspname <> ALL($1)
 ORDER BY n.nspname, c.relname, con.conname";

/// How many snapshots this process has read: a rehearsal reads each database state once,
/// and a test holds it to that.
static SNAPSHOTS_TAKEN: AtomicUsize = AtomicUsize::new(0);

pub fn snapshots_taken() -> usize {
    SNAPSHOTS_TAKEN.load(Ordering::Relaxed)
}

/// Reads the snapshot of the database `conn` is connected to.
pub async fn snapshot(conn: &mut PgConnection, options: &SnapshotOptions) -> Result<SchemaSnapshot, VerifyError> {
    SNAPSHOTS_TAKEN.fetch_add(1, Ordering::Relaxed);
    let mut system: Vec<String> = SYSTEM_SCHEMAS.iter().map(|s| s.to_string()).collect();
    // Temporary objects of any session (the engine's own, a client's) live in pg_temp_N
    // and vanish with their session: never part of the state a migration leaves.
    let temporary: Vec<String> = sqlx::query_scalar(r"SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'pg\_temp\_%' OR nspname LIKE 'pg\_toast\_temp\_%'")
        .fetch_all(&mut *conn)
        .await
        .map_err(VerifyError::query("list the temporary schemas"))?;
    system.extend(temporary);
    let keep = |t: &TableName| !matches_any(&options.excluded, t);
    let mut snap = SchemaSnapshot::default();
    for row in fetch(conn, COLUMNS_SQL, &system, "read columns from the catalog").await? {
        let table = table_of(&row);
        if !keep(&table) {
            continue;
        }
        let column = ColumnSchema {
            name: row.get("attname"),
            data_type: row.get("data_type"),
            not_null: row.get("attnotnull"),
            default: row.get("default_expr"),
        };
        snap.tables.entry(table).or_insert_with(empty_table).columns.push(column);
    }
    for row in fetch(conn, CONSTRAINTS_SQL, &system, "read constraints from the catalog").await? {
        if let Some(t) = snap.tables.get_mut(&table_of(&row)) {
            let constraint = ConstraintSchema {
                kind: row.get("kind"),
                definition: row.get("definition"),
                validated: row.get("convalidated"),
            };
            t.constraints.insert(row.get("conname"), constraint);
        }
    }
    for row in fetch(conn, INDEXES_SQL, &system, "read indexes from the catalog").await? {
        if let Some(t) = snap.tables.get_mut(&table_of(&row)) {
            t.indexes.insert(row.get("index_name"), row.get("definition"));
        }
    }
    for row in fetch(conn, PRIMARY_KEYS_SQL, &system, "read primary keys from the catalog").await? {
        if let Some(t) = snap.tables.get_mut(&table_of(&row)) {
            t.primary_key.push(row.get("attname"));
        }
    }
    for row in fetch(conn, VIEWS_SQL, &system, "read views from the catalog").await? {
        let view = table_of(&row);
        if keep(&view) {
            snap.views.insert(view, row.get("definition"));
        }
    }
    for row in fetch(conn, FOREIGN_KEYS_SQL, &system, "read foreign keys from the catalog").await? {
        let child = table_of(&row);
        if snap.tables.contains_key(&child) {
            snap.foreign_keys.push(Relation {
                constraint: Some(row.get("conname")),
                child,
                child_columns: row.get("child_columns"),
                parent: TableName::new(row.get::<String, _>("parent_schema"), row.get::<String, _>("parent_table")),
                parent_columns: row.get("parent_columns"),
                validated: row.get("convalidated"),
            });
        }
    }
    snap.objects = super::schema_objects::read_objects(conn, &system, &options.excluded).await?;
    snap.usage = super::schema_usage::read_usage(conn, &system, &options.excluded).await?;
    Ok(snap)
}

async fn fetch(
    conn: &mut PgConnection,
    sql: &str,
    system: &[String],
    what: &str,
) -> Result<Vec<sqlx::postgres::PgRow>, VerifyError> {
    sqlx::query(sql).bind(system).fetch_all(conn).await.map_err(VerifyError::query(what))
}

fn table_of(row: &sqlx::postgres::PgRow) -> TableName {
    TableName::new(row.get::<String, _>("nspname"), row.get::<String, _>("relname"))
}

fn empty_table() -> TableSchema {
    TableSchema { columns: Vec::new(), primary_key: Vec::new(), constraints: BTreeMap::new(), indexes: BTreeMap::new() }
}
