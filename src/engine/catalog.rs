//! Reads [`CatalogFacts`] from `pg_catalog`: tables, columns, key and foreign key
//! constraints, indexes and view dependencies of every user schema, skipping the
//! engine's own bookkeeping schemas.

use sqlx::PgConnection;

use super::bookkeeping::BOOKKEEPING_SCHEMAS;
use super::error::EngineError;
use super::facts::{CatalogFacts, ColumnFacts, ConstraintFacts, IndexFacts, IndexKey, TableFacts, ViewFacts};

const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname <> ALL($1)";

pub async fn read(conn: &mut PgConnection) -> Result<CatalogFacts, EngineError> {
    let constraints = constraints(conn).await?;
    let mut tables = tables(conn).await?;
    for table in &mut tables {
        if let Some(pk) = constraints.iter().find(|c| c.kind == 'p' && c.schema == table.schema && c.table == table.name) {
            table.primary_key = pk.columns.clone();
        }
    }
    Ok(CatalogFacts { tables, constraints, indexes: indexes(conn).await?, views: views(conn).await? })
}

/// Every user table (not partitions: a partitioned table counts its partitions' rows), as
/// (schema, name) in name order.
pub async fn user_tables(conn: &mut PgConnection) -> Result<Vec<(String, String)>, EngineError> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {USER_SCHEMAS} ORDER BY 1, 2"
    );
    sqlx::query_as(&sql).bind(skipped()).fetch_all(&mut *conn).await.map_err(EngineError::query(&sql))
}

/// The planner's estimate of a relation's rows (`reltuples`, 0 when never analyzed): enough
/// to order work or size a progress bar, and it costs no scan.
pub async fn estimated_rows(conn: &mut PgConnection, relation: &str) -> Result<i64, EngineError> {
    let sql = "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass";
    sqlx::query_scalar(sql).bind(relation).fetch_one(conn).await.map_err(EngineError::query(sql))
}

fn skipped() -> Vec<String> {
    BOOKKEEPING_SCHEMAS.iter().map(|s| s.to_string()).collect()
}

type ColumnRow = (String, String, String, i16, String, bool, Option<String>);

async fn tables(conn: &mut PgConnection) -> Result<Vec<TableFacts>, EngineError> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {USER_SCHEMAS}
         ORDER BY 1, 2, 4"
    );
    let rows: Vec<ColumnRow> = sqlx::query_as(&sql).bind(skipped()).fetch_all(&mut *conn).await.map_err(EngineError::query(&sql))?;
    let mut tables: Vec<TableFacts> = Vec::new();
    for (schema, table, name, attnum, data_type, not_null, default) in rows {
        let column = ColumnFacts { name, attnum, data_type, not_null, default };
        match tables.last_mut() {
            Some(t) if t.schema == schema && t.name == table => t.columns.push(column),
            _ => tables.push(TableFacts { schema, name: table, columns: vec![column], primary_key: Vec::new() }),
        }
    }
    Ok(tables)
}

type ConstraintRow = (String, String, String, String, Vec<String>, Option<String>, Option<String>, Vec<String>, String, bool, bool, bool);

async fn constraints(conn: &mut PgConnection) -> Result<Vec<ConstraintFacts>, EngineError> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, k.conname::text, k.contype::text,
           ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.ord),
           fn.nspname::text, fc.relname::text,
           ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.ord),
           pg_get_constraintdef(k.oid), k.convalidated, k.condeferrable, k.condeferred
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
         WHERE k.contype IN ('p', 'u', 'f') AND {USER_SCHEMAS}
         ORDER BY 1, 2, 3"
    );
    let rows: Vec<ConstraintRow> = sqlx::query_as(&sql).bind(skipped()).fetch_all(&mut *conn).await.map_err(EngineError::query(&sql))?;
    Ok(rows
        .into_iter()
        .map(|(schema, table, name, kind, columns, rs, rt, rcols, definition, validated, deferrable, deferred)| ConstraintFacts {
            schema,
            table,
            name,
            kind: kind.chars().next().unwrap_or('?'),
            columns,
            referenced: rs.zip(rt).map(|(s, t)| (s, t, rcols)),
            definition,
            validated,
            deferrable,
            deferred,
        })
        .collect())
}

type IndexRow = (String, String, String, bool, String, Vec<String>, Vec<String>, Vec<i32>, Option<String>, Vec<String>);

async fn indexes(conn: &mut PgConnection) -> Result<Vec<IndexFacts>, EngineError> {
    let sql = format!(
        "SELECT n.nspname::text, t.relname::text, i.relname::text, x.indisunique, am.amname::text,
           ARRAY(SELECT coalesce(a.attname::text, '') FROM generate_series(0, x.indnkeyatts - 1) k
                 LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k] AND x.indkey[k] <> 0 ORDER BY k),
           ARRAY(SELECT pg_get_indexdef(x.indexrelid, k + 1, true) FROM generate_series(0, x.indnkeyatts - 1) k ORDER BY k),
           ARRAY(SELECT x.indoption[k]::int4 FROM generate_series(0, x.indnkeyatts - 1) k ORDER BY k),
           pg_get_expr(x.indpred, x.indrelid),
           ARRAY(SELECT a.attname::text FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid AND d.refclassid = 'pg_class'::regclass
                   AND d.refobjid = x.indrelid AND d.refobjsubid > 0
                   AND (NOT d.refobjsubid = ANY (x.indkey::int2[])
                        OR coalesce(x.indexprs::text, '') || coalesce(x.indpred::text, '') ~ (':varattno ' || d.refobjsubid || ' '))
                 ORDER BY a.attnum)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
         WHERE t.relkind IN ('r', 'p') AND {USER_SCHEMAS}
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
         ORDER BY 1, 2, 3"
    );
    let rows: Vec<IndexRow> = sqlx::query_as(&sql).bind(skipped()).fetch_all(&mut *conn).await.map_err(EngineError::query(&sql))?;
    Ok(rows
        .into_iter()
        .map(|(schema, table, name, unique, method, columns, expressions, options, predicate, expression_columns)| {
            let keys = columns
                .into_iter()
                .zip(expressions)
                .zip(options)
                .map(|((column, expression), option)| IndexKey {
                    column: (!column.is_empty()).then_some(column),
                    expression,
                    descending: option & 1 != 0,
                    nulls_first: option & 2 != 0,
                })
                .collect();
            IndexFacts { schema, table, name, unique, method, keys, predicate, expression_columns }
        })
        .collect())
}

type ViewRow = (String, String, String, String, String, String, String);

async fn views(conn: &mut PgConnection) -> Result<Vec<ViewFacts>, EngineError> {
    let sql = format!(
        "SELECT DISTINCT n.nspname::text, v.relname::text, v.relkind::text, pg_get_viewdef(v.oid, true), rn.nspname::text, r.relname::text, a.attname::text
         FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class v ON v.oid = w.ev_class
         JOIN pg_namespace n ON n.oid = v.relnamespace
         JOIN pg_class r ON r.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = r.relnamespace
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
           AND v.oid <> d.refobjid AND v.relkind IN ('v', 'm') AND {USER_SCHEMAS}
         ORDER BY 1, 2"
    );
    let rows: Vec<ViewRow> = sqlx::query_as(&sql).bind(skipped()).fetch_all(&mut *conn).await.map_err(EngineError::query(&sql))?;
    let mut views: Vec<ViewFacts> = Vec::new();
    for (schema, name, kind, definition, rs, rt, rc) in rows {
        match views.iter_mut().find(|v| v.schema == schema && v.name == name) {
            Some(v) => v.reads.push((rs, rt, rc)),
            None => views.push(ViewFacts { schema, name, kind: kind.chars().next().unwrap_or('v'), definition, reads: vec![(rs, rt, rc)] }),
        }
    }
    Ok(views)
}
