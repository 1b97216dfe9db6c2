//! Reads any schema from the Postgres catalog into a [`SchemaModel`]: columns with types
//! and nullability, primary keys (composite too), unique constraints and foreign keys
//! (self-references too), CHECK constraints, enums' labels, and types through domains and
//! arrays. System schemas and the ground-truth schema are left out.

use std::collections::BTreeMap;

use sqlx::postgres::PgConnection;
use sqlx::Row;

use super::error::SeedError;
use super::model::{BaseType, ColumnModel, ForeignKeyModel, SchemaModel, TableModel};
use super::truth::TRUTH_SCHEMA;

const TABLES: &str = "SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> $1
    ORDER BY n.nspname, c.relname";

/// Each column's type resolved through a domain (`d`), an array (`e`: its element) and a
/// domain over the element (`b`), so the generator sees the base type it fills.
const COLUMNS: &str = "SELECT a.attrelid::int8 AS oid, a.attnum::int4 AS attnum, a.attname::text AS name,
        format_type(a.atttypid, a.atttypmod) AS sql_type, b.typname::text AS typname, b.oid::int8 AS type_oid,
        CASE WHEN b.oid <> e.oid THEN b.typtypmod WHEN d.oid <> t.oid THEN d.typtypmod ELSE a.atttypmod END AS typmod,
        a.attnotnull OR t.typnotnull AS not_null, a.attgenerated::text <> '' AS generated,
        e.oid <> d.oid AS is_array, b.typtype::text AS typtype,
        ARRAY(SELECT con.conname::text || E'\\n' || pg_get_constraintdef(con.oid) FROM pg_constraint con
              WHERE con.contypid IN (t.oid, e.oid) AND con.contype = 'c' ORDER BY con.conname) AS domain_checks
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type d ON d.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    JOIN pg_type e ON e.oid = CASE WHEN d.typcategory = 'A' AND d.typelem <> 0 THEN d.typelem ELSE d.oid END
    JOIN pg_type b ON b.oid = CASE WHEN e.typtype = 'd' THEN e.typbasetype ELSE e.oid END
    WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum";

/// Columns some index covers (by key or INCLUDE).
const INDEXED_COLUMNS: &str = "SELECT DISTINCT i.indrelid::int8 AS oid, k.attnum::int4 AS attnum
    FROM pg_index i, LATERAL unnest(i.indkey::int2[]) AS k(attnum)
    WHERE i.indrelid = ANY($1) AND k.attnum > 0";

const ENUM_LABELS: &str = "SELECT enumtypid::int8 AS type_oid, enumlabel::text AS label FROM pg_enum
    WHERE enumtypid = ANY($1) ORDER BY enumtypid, enumsortorder";

const CONSTRAINTS: &str = "SELECT con.conrelid::int8 AS oid, con.contype::text AS kind,
        con.conkey::int4[] AS columns, con.confrelid::int8 AS ref_oid, con.confkey::int4[] AS ref_columns,
        con.conname::text AS name, pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con
    WHERE con.conrelid = ANY($1) AND con.contype IN ('p', 'u', 'f', 'c')
    ORDER BY con.conrelid, con.conname";

/// Unique indexes that back no constraint still make a column unique. `indkey` is an
/// int2vector whose array lower bound is 0, which no array decoder accepts: unnest it.
const UNIQUE_INDEXES: &str = "SELECT i.indrelid::int8 AS oid,
        ARRAY(SELECT k::int4 FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(k, ord) ORDER BY ord) AS columns
    FROM pg_index i
    WHERE i.indrelid = ANY($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
    ORDER BY i.indrelid, i.indexrelid";

/// Reads every user table of the connected database.
pub async fn read_schema(conn: &mut PgConnection) -> Result<SchemaModel, SeedError> {
    let rows = sqlx::query(TABLES).bind(TRUTH_SCHEMA).fetch_all(&mut *conn).await.map_err(SeedError::database("read tables from the catalog"))?;
    let mut oids = Vec::new();
    let mut tables = Vec::new();
    for row in rows {
        oids.push(row.get::<i64, _>("oid"));
        tables.push(TableModel {
            schema: row.get("schema"),
            name: row.get("name"),
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            multi_column_checks: Vec::new(),
            is_partitioned: row.get("partitioned"),
        });
    }
    let index_of: BTreeMap<i64, usize> = oids.iter().enumerate().map(|(i, &oid)| (oid, i)).collect();
    let attnums = read_columns(conn, &oids, &index_of, &mut tables).await?;
    read_constraints(conn, &oids, &index_of, &attnums, &mut tables).await?;
    Ok(SchemaModel { tables })
}

/// Fills columns; returns per table the map from `attnum` to column index.
async fn read_columns(conn: &mut PgConnection, oids: &[i64], index_of: &BTreeMap<i64, usize>, tables: &mut [TableModel]) -> Result<Vec<BTreeMap<i32, usize>>, SeedError> {
    let rows = sqlx::query(COLUMNS).bind(oids).fetch_all(&mut *conn).await.map_err(SeedError::database("read columns from the catalog"))?;
    let mut attnums = vec![BTreeMap::new(); tables.len()];
    let mut enum_columns: Vec<(i64, usize, usize)> = Vec::new();
    for row in rows {
        let table = index_of[&row.get::<i64, _>("oid")];
        let typname: String = row.get("typname");
        let typmod: i32 = row.get("typmod");
        let base = BaseType::from_typname(&typname);
        let max_len = (matches!(typname.as_str(), "varchar" | "bpchar") && typmod > 4).then(|| (typmod - 4) as usize);
        // numeric's typmod packs (precision << 16 | scale) + 4.
        let numeric = (typname == "numeric" && typmod >= 4).then(|| (((typmod - 4) >> 16) as u32 & 0xffff, (typmod - 4) as u32 & 0xffff));
        let column = tables[table].columns.len();
        if row.get::<String, _>("typtype") == "e" {
            enum_columns.push((row.get("type_oid"), table, column));
        }
        let checks = row.get::<Vec<String>, _>("domain_checks").into_iter().filter_map(|c| c.split_once('\n').map(|(n, d)| (n.to_string(), d.to_string()))).collect();
        attnums[table].insert(row.get::<i32, _>("attnum"), column);
        tables[table].columns.push(ColumnModel {
            name: row.get("name"),
            sql_type: row.get("sql_type"),
            base,
            max_len,
            not_null: row.get("not_null"),
            is_generated: row.get("generated"),
            numeric,
            labels: Vec::new(),
            is_array: row.get("is_array"),
            checks,
            is_indexed: false,
        });
    }
    let rows = sqlx::query(INDEXED_COLUMNS).bind(oids).fetch_all(&mut *conn).await.map_err(SeedError::database("read indexed columns from the catalog"))?;
    for row in rows {
        let table = index_of[&row.get::<i64, _>("oid")];
        if let Some(&column) = attnums[table].get(&row.get::<i32, _>("attnum")) {
            tables[table].columns[column].is_indexed = true;
        }
    }
    read_enum_labels(conn, &enum_columns, tables).await?;
    Ok(attnums)
}

/// Gives each enum column its type's labels, in sort order.
async fn read_enum_labels(conn: &mut PgConnection, enum_columns: &[(i64, usize, usize)], tables: &mut [TableModel]) -> Result<(), SeedError> {
    if enum_columns.is_empty() {
        return Ok(());
    }
    let oids: Vec<i64> = enum_columns.iter().map(|c| c.0).collect();
    let rows = sqlx::query(ENUM_LABELS).bind(&oids).fetch_all(&mut *conn).await.map_err(SeedError::database("read enum labels from the catalog"))?;
    let mut labels: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in rows {
        labels.entry(row.get("type_oid")).or_default().push(row.get("label"));
    }
    for &(oid, table, column) in enum_columns {
        tables[table].columns[column].labels = labels.get(&oid).cloned().unwrap_or_default();
    }
    Ok(())
}

async fn read_constraints(conn: &mut PgConnection, oids: &[i64], index_of: &BTreeMap<i64, usize>, attnums: &[BTreeMap<i32, usize>], tables: &mut [TableModel]) -> Result<(), SeedError> {
    let to_columns = |table: usize, keys: Vec<i32>| -> Vec<usize> { keys.iter().filter_map(|k| attnums[table].get(k).copied()).collect() };
    let rows = sqlx::query(CONSTRAINTS).bind(oids).fetch_all(&mut *conn).await.map_err(SeedError::database("read constraints from the catalog"))?;
    for row in rows {
        let table = index_of[&row.get::<i64, _>("oid")];
        let columns = to_columns(table, row.try_get("columns").map_err(SeedError::database("read constraint columns from the catalog"))?);
        match row.get::<String, _>("kind").as_str() {
            "p" => tables[table].primary_key = columns,
            "u" => tables[table].uniques.push(columns),
            "c" => {
                let check = (row.get::<String, _>("name"), row.get::<String, _>("definition"));
                match columns.as_slice() {
                    [column] => tables[table].columns[*column].checks.push(check),
                    _ => tables[table].multi_column_checks.push(check),
                }
            }
            _ => {
                let Some(&ref_table) = index_of.get(&row.get::<i64, _>("ref_oid")) else { continue };
                let ref_columns = to_columns(ref_table, row.try_get("ref_columns").map_err(SeedError::database("read foreign key columns from the catalog"))?);
                tables[table].foreign_keys.push(ForeignKeyModel { columns, ref_table, ref_columns });
            }
        }
    }
    let rows = sqlx::query(UNIQUE_INDEXES).bind(oids).fetch_all(&mut *conn).await.map_err(SeedError::database("read unique indexes from the catalog"))?;
    for row in rows {
        let table = index_of[&row.get::<i64, _>("oid")];
        let columns = to_columns(table, row.try_get("columns").map_err(SeedError::database("read unique index columns from the catalog"))?);
        tables[table].uniques.push(columns);
    }
    Ok(())
}
