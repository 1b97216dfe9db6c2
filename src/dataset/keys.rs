//! Keys, constraints and indexes are built after loading: COPY runs at ~1M rows/s into
//! bare tables but ~58k rows/s with keys in place (PERF_NOTES). This module takes them off
//! and puts them back exactly as the catalog defines them (`pg_get_constraintdef`,
//! `pg_get_indexdef`), so no definition is ever rebuilt from raw input.

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use futures::FutureExt;

use super::error::SeedError;
use crate::parallel::{run_jobs, Job, JobFuture};
use super::truth::TRUTH_SCHEMA;
use crate::quote::{quote_ident, quote_qualified};

const DEFINITIONS: &str = "
    SELECT 0 AS phase, con.contype::text AS kind, n.nspname::text AS schema, c.relname::text AS table_name,
           con.conname::text AS name, pg_get_constraintdef(con.oid) AS definition,
           CASE WHEN con.contype IN ('p', 'u') AND c.relkind = 'r' AND NOT con.condeferrable AND ic.reltablespace = 0
                 AND ic.relname = con.conname
                THEN pg_get_indexdef(con.conindid) END AS index_definition
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_class ic ON ic.oid = con.conindid
    WHERE con.contype IN ('p', 'u', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> $1
    UNION ALL
    SELECT 1, 'i', n.nspname::text, c.relname::text, ic.relname::text, pg_get_indexdef(i.indexrelid), NULL
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
    /// For a primary key or unique constraint that can be built as a plain unique index
    /// and then attached (`ADD CONSTRAINT … USING INDEX`): that index's definition.
    index_definition: Option<String>,
}

/// One key or index to build on one table after loading.
#[derive(Debug, Clone)]
pub struct TableBuild {
    pub schema: String,
    pub table: String,
    /// Whether the build locks out every other build of the table (`ALTER TABLE … ADD`).
    pub is_exclusive: bool,
    pub sql: String,
    /// What a failure says was being done.
    pub action: String,
    /// The unique index this build turns into a constraint, which must be built first
    /// (by the build that makes it); `None` for a build that stands alone.
    pub attaches: Option<String>,
    /// The unique index this build makes, for a constraint build that attaches it.
    pub makes: Option<String>,
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
            .map(|row| Definition {
                kind: row.get("kind"),
                schema: row.get("schema"),
                table: row.get("table_name"),
                name: row.get("name"),
                definition: row.get("definition"),
                index_definition: row.get("index_definition"),
            })
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

    /// The primary keys, uniques and indexes to build back, each a job on its table.
    /// `CREATE INDEX` takes a SHARE lock, which other index builds of the table share;
    /// `ALTER TABLE … ADD` takes ACCESS EXCLUSIVE. So a primary key or unique constraint
    /// on a plain table is built as its unique index first, beside the table's other
    /// indexes, and then attached (`ADD CONSTRAINT … USING INDEX`, a catalog change that
    /// reads no rows: the key columns kept NOT NULL when the key was taken off). The
    /// catalog ends as after one `ADD CONSTRAINT`. Deferrable constraints, partitioned
    /// tables and indexes in another tablespace are built with `ADD CONSTRAINT` alone.
    /// <https://www.postgresql.org/docs/15/explicit-locking.html>
    /// <https://www.postgresql.org/docs/15/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX>
    pub fn table_builds(&self) -> Vec<TableBuild> {
        let mut builds = Vec::new();
        for def in ["p", "u", "i"].into_iter().flat_map(|kind| self.definitions.iter().filter(move |d| d.kind == kind)) {
            let build = |is_exclusive, sql, attaches, makes| TableBuild { schema: def.schema.clone(), table: def.table.clone(), is_exclusive, sql, action: action(def), attaches, makes };
            match (&def.kind[..], &def.index_definition) {
                ("i", _) => builds.push(build(false, def.definition.clone(), None, None)),
                (_, Some(index)) => {
                    let token = format!("index {}", quote_qualified(&def.schema, &def.name));
                    let kind = if def.kind == "p" { "PRIMARY KEY" } else { "UNIQUE" };
                    builds.push(build(false, index.clone(), None, Some(token.clone())));
                    builds.push(build(true, add_constraint(def, &format!("{kind} USING INDEX {}", quote_ident(&def.name))), Some(token), None));
                }
                (_, None) => builds.push(build(true, add_constraint(def, &def.definition), None, None)),
            }
        }
        builds
    }

    /// Builds the FKs back, once every key is: each is added `NOT VALID` (a catalog
    /// change, one after another on the first connection), then validated on any of them,
    /// because `VALIDATE CONSTRAINT` takes only SHARE UPDATE EXCLUSIVE on its table and
    /// ROW SHARE on the referenced one, so several run at once. The catalog ends as after
    /// one `ADD CONSTRAINT`. <https://www.postgresql.org/docs/15/sql-altertable.html#SQL-ALTERTABLE-NOTES>
    pub async fn put_back_foreign_keys(&self, connections: &mut [&mut PgConnection]) -> Result<(), SeedError> {
        let foreign_keys: Vec<&Definition> = self.definitions.iter().filter(|d| d.kind == "f").collect();
        let sizes = table_sizes(&mut *connections[0], &foreign_keys).await?;
        let mut validations = Vec::new();
        for def in foreign_keys {
            let already_not_valid = def.definition.ends_with("NOT VALID");
            let sql = if already_not_valid { add_constraint(def, &def.definition) } else { add_constraint(def, &format!("{} NOT VALID", def.definition)) };
            (&mut *connections[0]).execute(sql.as_str()).await.map_err(SeedError::database(action(def)))?;
            if !already_not_valid {
                let sql = format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", qualified(def), quote_ident(&def.name));
                let cost = sizes.get(&(def.schema.clone(), def.table.clone())).copied().unwrap_or(0);
                validations.push(Job::new(qualified(def), true, cost, (sql, action(def))));
            }
        }
        run_jobs(connections.iter_mut().map(|c| &mut **c).collect(), validations, |conn, work| execute(conn, work)).await.map(drop)
    }

    /// The statements that build everything back one after another, as a single session
    /// would (primary keys and uniques, indexes, FKs): the baseline `benches/seed.rs`
    /// measures [`DeferredKeys::put_back`] against.
    pub fn sequential_statements(&self) -> Vec<String> {
        ["p", "u", "i", "f"]
            .into_iter()
            .flat_map(|kind| self.definitions.iter().filter(move |d| d.kind == kind))
            .map(|def| if def.kind == "i" { def.definition.clone() } else { add_constraint(def, &def.definition) })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }
}

fn qualified(def: &Definition) -> String {
    quote_qualified(&def.schema, &def.table)
}

fn add_constraint(def: &Definition, definition: &str) -> String {
    format!("ALTER TABLE {} ADD CONSTRAINT {} {}", qualified(def), quote_ident(&def.name), definition)
}

fn action(def: &Definition) -> String {
    format!("build {} on {} after loading", def.name, def.table)
}

/// Runs one build statement; a failure says which key of which table.
pub fn execute(conn: &mut PgConnection, (sql, action): (String, String)) -> JobFuture<'_, (), SeedError> {
    async move {
        let result = conn.execute(sql.as_str()).await.map(drop).map_err(SeedError::database(action));
        (conn, result)
    }
    .boxed()
}

/// Each table's heap size in bytes, which orders the builds.
async fn table_sizes(conn: &mut PgConnection, definitions: &[&Definition]) -> Result<std::collections::BTreeMap<(String, String), u64>, SeedError> {
    let mut sizes = std::collections::BTreeMap::new();
    for def in definitions {
        let key = (def.schema.clone(), def.table.clone());
        if sizes.contains_key(&key) {
            continue;
        }
        let (bytes,): (i64,) = sqlx::query_as("SELECT pg_relation_size($1::regclass)").bind(qualified(def)).fetch_one(&mut *conn).await.map_err(SeedError::database(format!("size {}", def.table)))?;
        sizes.insert(key, bytes.max(0) as u64);
    }
    Ok(sizes)
}
