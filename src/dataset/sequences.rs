//! After loading explicit values into `serial`/identity columns, moves each column's
//! sequence past the largest value, so the application's next insert does not collide.

use sqlx::postgres::PgConnection;
use sqlx::Row;

use super::error::SeedError;
use super::truth::TRUTH_SCHEMA;
use crate::quote::{quote_ident, quote_qualified};

const OWNED_SEQUENCES: &str = "
    SELECT n.nspname::text AS schema, c.relname::text AS table_name, a.attname::text AS column_name,
           pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> $1
      AND pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL
    ORDER BY 1, 2, 3";

/// Sets every owned sequence to continue after its column's largest value.
pub async fn advance_sequences(conn: &mut PgConnection) -> Result<usize, SeedError> {
    let rows = sqlx::query(OWNED_SEQUENCES).bind(TRUTH_SCHEMA).fetch_all(&mut *conn).await.map_err(SeedError::database("find sequences owned by columns"))?;
    for row in &rows {
        let (schema, table, column): (String, String, String) = (row.get("schema"), row.get("table_name"), row.get("column_name"));
        let sequence: String = row.get("sequence");
        let sql = format!(
            "SELECT setval($1::regclass, coalesce(max({column}), 0) + 1, false) FROM {table}",
            column = quote_ident(&column),
            table = quote_qualified(&schema, &table)
        );
        sqlx::query(&sql).bind(&sequence).execute(&mut *conn).await.map_err(SeedError::database(format!("advance sequence {sequence}")))?;
    }
    Ok(rows.len())
}
