//! Reads what `init` needs from a database without touching its data: the catalog (as
//! the seeder reads it) and the planner's row estimates, inside a READ ONLY transaction.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

use crate::dataset::catalog::read_schema;
use crate::dataset::{SeedError, SchemaModel};

/// `reltuples` per table; -1 (never vacuumed or analyzed, PostgreSQL 14+) means unknown.
const ESTIMATES: &str = "SELECT n.nspname::text AS schema, c.relname::text AS name, c.reltuples::float8 AS reltuples
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'";

/// The schema and, per table of it, the planner's row estimate.
pub struct Inspected {
    pub model: SchemaModel,
    /// Indexed like `model.tables`; `None` when the planner has no estimate.
    pub estimates: Vec<Option<f64>>,
}

pub async fn inspect(conn: &mut PgConnection) -> Result<Inspected, SeedError> {
    let mut tx = conn.begin().await.map_err(SeedError::database("begin a read-only transaction"))?;
    tx.execute("SET TRANSACTION READ ONLY").await.map_err(SeedError::database("make the transaction read-only"))?;
    let model = read_schema(&mut tx).await?;
    let rows = sqlx::query(ESTIMATES).fetch_all(&mut *tx).await.map_err(SeedError::database("read the planner's row estimates"))?;
    tx.rollback().await.map_err(SeedError::database("end the read-only transaction"))?;
    let estimates = model
        .tables
        .iter()
        .map(|table| {
            let row = rows.iter().find(|r| r.get::<String, _>("schema") == table.schema && r.get::<String, _>("name") == table.name)?;
            Some(row.get::<f64, _>("reltuples")).filter(|&n| n >= 0.0)
        })
        .collect();
    Ok(Inspected { model, estimates })
}
