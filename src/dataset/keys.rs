//! Keys, constraints and indexes are built after loading: COPY runs at ~1M rows/s into
//! bare tables but ~58k rows/s with keys in place (PERF_NOTES). This module takes them off
//! and puts them back exactly as the catalog defines them (`pg_get_constraintdef`,
//! `pg_get_indexdef`), so no definition is ever rebuilt from raw input.

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::error::SeedError;
use super::truth::TRUTH_SCHEMA;
use crate::quote::{quote_ident, quote_qualified};

const DEFINITIONS: &str = "
    SELECT 0 AS phase, con.contype::text AS kind, n.nspname::text AS schema, c.relname::text AS table_name,
           con.conname::text AS name, pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE con.contype IN ('p', 'u', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> $1
    UNION ALL
    SELECT 1, 'i', n.nspname::text, c.relname::text, ic.relname::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> $1
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
    ORDER BY 1, 3, 4, 5";

/// One key, constraint or index, as the catalog defines it.
#[derive(Debug, Clone)]
struct Definition {
    /// `p`, `u`, `f`, or `i` for a plain index.
    kind: String,
    schema: String,
    table: String,
    name: String,
    definition: String,
}

/// The keys, constraints and indexes taken off the tables, to put back after loading.
#[derive(Debug, Clone, Default)]
pub struct DeferredKeys {
    definitions: Vec<Definition>,
}

impl DeferredKeys {
    /// Reads every primary key, unique constraint, FK and plain index, and drops them:
    /// FKs first, then the keys they lean on, then indexes.
    pub async fn take_off(conn: &mut PgConnection) -> Result<DeferredKeys, SeedError> {
        let rows = sqlx::query(DEFINITIONS).bind(TRUTH_SCHEMA).fetch_all(&mut *conn).await.map_err(SeedError::database("read keys and indexes"))?;
        let definitions: Vec<Definition> = rows
            .iter()
            .map(|row| Definition { kind: row.get("kind"), schema: row.get("schema"), table: row.get("table_name"), name: row.get("name"), definition: row.get("definition") })
            .collect();
        for kind in ["f", "p", "u", "i"] {
            for def in definitions.iter().filter(|d| d.kind == kind) {
                let sql = match kind {
                    "i" => format!("DROP INDEX {}", quote_qualified(&def.schema, &def.name)),
                    _ => format!("ALTER TABLE {} DROP CONSTRAINT {}", quote_qualified(&def.schema, &def.table), quote_ident(&def.name)),
                };
                conn.execute(sql.as_str()).await.map_err(SeedError::database(format!("drop {} before loading", def.name)))?;
            }
        }
        Ok(DeferredKeys { definitions })
    }

    /// Builds everything back: primary keys and uniques, then indexes, then FKs (which
    /// need the referenced keys and check every row once).
    pub async fn put_back(&self, conn: &mut PgConnection) -> Result<(), SeedError> {
        for kind in ["p", "u", "i", "f"] {
            for def in self.definitions.iter().filter(|d| d.kind == kind) {
                let sql = match kind {
                    "i" => def.definition.clone(),
                    _ => format!("ALTER TABLE {} ADD CONSTRAINT {} {}", quote_qualified(&def.schema, &def.table), quote_ident(&def.name), def.definition),
                };
                conn.execute(sql.as_str()).await.map_err(SeedError::database(format!("build {} on {} after loading", def.name, def.table)))?;
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }
}
