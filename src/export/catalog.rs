//! Reads the source schema from the Postgres catalog: tables, columns with their resolved
//! types, keys, foreign keys with their actions, CHECKs, indexes and defaults.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::error::ExportError;

/// A column's type as the catalog has it, domains resolved to their base type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgType {
    /// `format_type` of the declared type, as shown in errors (`numeric(12,2)`, `my_domain`).
    pub declared: String,
    /// `pg_type.typname` of the base type (`int4`, `_text` for arrays).
    pub name: String,
    /// `pg_type.typtype`: b(ase), e(num), r(ange), m(ultirange), c(omposite), p(seudo).
    pub kind: char,
    /// For an array, its element's base type name and kind.
    pub element: Option<(String, char)>,
    /// For an enum, its labels in sort order.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SourceColumn {
    pub name: String,
    pub pg_type: PgType,
    pub not_null: bool,
    /// `pg_get_expr` of the default, if any.
    pub default: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub name: String,
    /// Positions in the child's `columns`.
    pub columns: Vec<usize>,
    /// The parent's oid and its column names, in the order of `columns`.
    pub parent: i64,
    pub parent_columns: Vec<String>,
    /// `confupdtype` / `confdeltype`: a, r, c, n, d.
    pub on_update: char,
    pub on_delete: char,
    pub deferrable: bool,
    pub deferred: bool,
    /// False for a `NOT VALID` foreign key: Postgres does not vouch for existing rows.
    pub validated: bool,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Column positions and whether each is descending.
    pub columns: Vec<(usize, bool)>,
}

#[derive(Debug, Clone)]
pub struct SourceTable {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub columns: Vec<SourceColumn>,
    pub primary_key: Vec<usize>,
    pub uniques: Vec<Vec<usize>>,
    pub foreign_keys: Vec<ForeignKey>,
    /// `pg_get_constraintdef` of each CHECK, with its name.
    pub checks: Vec<(String, String)>,
    /// Indexes that no constraint owns, on plain columns (no expressions, no predicate).
    pub indexes: Vec<Index>,
    /// Indexes that could not be carried over (expressions, predicates), by name.
    pub skipped_indexes: Vec<String>,
}

impl SourceTable {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

type ColumnRow = (i64, i32, String, String, bool, Option<String>, String, String, Option<String>, Option<String>, i64);

/// Every ordinary and partitioned table (not the partitions) in `schemas`, by name.
pub async fn read_tables(conn: &mut PgConnection, schemas: &[String]) -> Result<Vec<SourceTable>, ExportError> {
    let tables: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY n.nspname, c.relname",
    )
    .bind(schemas)
    .fetch_all(&mut *conn)
    .await
    .map_err(ExportError::postgres("read the tables from the catalog"))?;
    let mut out: Vec<SourceTable> = tables
        .into_iter()
        .map(|(oid, schema, name)| SourceTable {
            oid,
            schema,
            name,
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            skipped_indexes: Vec::new(),
        })
        .collect();
    let oids: Vec<i64> = out.iter().map(|t| t.oid).collect();
    let position: BTreeMap<i64, usize> = out.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
    let labels = read_enum_labels(conn).await?;
    let columns: Vec<ColumnRow> = sqlx::query_as(
        "SELECT a.attrelid::int8, a.attnum::int4, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), bt.typname::text, bt.typtype::text, et.typname::text, et.typtype::text, bt.oid::int8
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
         LEFT JOIN pg_type e0 ON bt.typcategory = 'A' AND e0.oid = bt.typelem
         LEFT JOIN pg_type et ON et.oid = CASE WHEN e0.typtype = 'd' THEN e0.typbasetype ELSE e0.oid END
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid::int8 = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attrelid, a.attnum",
    )
    .bind(&oids)
    .fetch_all(&mut *conn)
    .await
    .map_err(ExportError::postgres("read the columns from the catalog"))?;
    let mut attnums: BTreeMap<(i64, i32), usize> = BTreeMap::new();
    for (rel, attnum, name, declared, not_null, default, typname, typtype, elem, elem_kind, type_oid) in columns {
        let table = &mut out[position[&rel]];
        attnums.insert((rel, attnum), table.columns.len());
        let kind = typtype.chars().next().unwrap_or('b');
        let element = elem.map(|e| (e, elem_kind.and_then(|k| k.chars().next()).unwrap_or('b')));
        let labels = if kind == 'e' { labels.get(&type_oid).cloned().unwrap_or_default() } else { Vec::new() };
        table.columns.push(SourceColumn { name, pg_type: PgType { declared, name: typname, kind, element, labels }, not_null, default });
    }
    read_constraints(conn, &oids, &position, &attnums, &mut out).await?;
    read_indexes(conn, &oids, &position, &attnums, &mut out).await?;
    Ok(out)
}

async fn read_enum_labels(conn: &mut PgConnection) -> Result<BTreeMap<i64, Vec<String>>, ExportError> {
    let rows: Vec<(i64, Vec<String>)> =
        sqlx::query_as("SELECT enumtypid::int8, array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum GROUP BY enumtypid")
            .fetch_all(&mut *conn)
            .await
            .map_err(ExportError::postgres("read the enum labels"))?;
    Ok(rows.into_iter().collect())
}

type ConstraintRow = (i64, String, String, Vec<i16>, i64, Option<Vec<i16>>, String, String, bool, bool, String, bool);

async fn read_constraints(
    conn: &mut PgConnection,
    oids: &[i64],
    position: &BTreeMap<i64, usize>,
    attnums: &BTreeMap<(i64, i32), usize>,
    out: &mut [SourceTable],
) -> Result<(), ExportError> {
    let rows: Vec<ConstraintRow> = sqlx::query_as(
        "SELECT conrelid::int8, conname::text, contype::text, conkey, confrelid::int8, confkey, confupdtype::text, confdeltype::text,
                condeferrable, condeferred, pg_get_constraintdef(oid), convalidated
         FROM pg_constraint WHERE conrelid::int8 = ANY($1) AND contype IN ('p', 'u', 'f', 'c') ORDER BY conrelid, conname",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await
    .map_err(ExportError::postgres("read the constraints from the catalog"))?;
    let parent_names: BTreeMap<(i64, i32), String> =
        out.iter().flat_map(|t| attnums.iter().filter(move |((rel, _), _)| *rel == t.oid).map(move |(k, &i)| (*k, t.columns[i].name.clone()))).collect();
    for (rel, name, kind, key, parent, parent_key, on_update, on_delete, deferrable, deferred, definition, validated) in rows {
        let columns: Option<Vec<usize>> = key.iter().map(|&a| attnums.get(&(rel, a as i32)).copied()).collect();
        let table = &mut out[position[&rel]];
        let Some(columns) = columns else { continue };
        match kind.as_str() {
            "p" => table.primary_key = columns,
            "u" => table.uniques.push(columns),
            "c" => table.checks.push((name, definition)),
            "f" => {
                // A parent outside the exported schemas has no SQLite table to point at.
                let names: Option<Vec<String>> = parent_key.unwrap_or_default().iter().map(|&a| parent_names.get(&(parent, a as i32)).cloned()).collect();
                if let Some(parent_columns) = names.filter(|_| position.contains_key(&parent)) {
                    let first = |s: &str| s.chars().next().unwrap_or('a');
                    table.foreign_keys.push(ForeignKey { name, columns, parent, parent_columns, on_update: first(&on_update), on_delete: first(&on_delete), deferrable, deferred, validated });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

async fn read_indexes(
    conn: &mut PgConnection,
    oids: &[i64],
    position: &BTreeMap<i64, usize>,
    attnums: &BTreeMap<(i64, i32), usize>,
    out: &mut [SourceTable],
) -> Result<(), ExportError> {
    let rows: Vec<(i64, String, bool, Vec<i16>, Vec<i16>, i16, bool)> = sqlx::query_as(
        "SELECT i.indrelid::int8, ic.relname::text, i.indisunique, string_to_array(i.indkey::text, ' ')::int2[], string_to_array(i.indoption::text, ' ')::int2[], i.indnkeyatts,
                (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid::int8 = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
         ORDER BY ic.relname",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await
    .map_err(ExportError::postgres("read the indexes from the catalog"))?;
    for (rel, name, unique, keys, options, key_count, complex) in rows {
        let table = &mut out[position[&rel]];
        let columns: Option<Vec<(usize, bool)>> = keys
            .iter()
            .take(key_count as usize)
            .zip(options.iter().chain(std::iter::repeat(&0)))
            .map(|(&a, &o)| attnums.get(&(rel, a as i32)).map(|&c| (c, o & 1 == 1)))
            .collect();
        match columns {
            Some(columns) if !complex && !columns.is_empty() => table.indexes.push(Index { name, unique, columns }),
            _ => table.skipped_indexes.push(name),
        }
    }
    Ok(())
}

/// `SHOW server_version`.
pub async fn server_version(conn: &mut PgConnection) -> Result<String, ExportError> {
    sqlx::query_scalar("SHOW server_version").fetch_one(&mut *conn).await.map_err(ExportError::postgres("read the server version"))
}
