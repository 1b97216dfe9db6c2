//! The baseline: the one-shot `ALTER TABLE … ALTER COLUMN … TYPE uuid USING …` of the key
//! and every reference to it, with the foreign keys dropped and re-added (and views over
//! the columns dropped and re-created), in one transaction holding ACCESS EXCLUSIVE on
//! every table for all of it. That is the fastest way and the one production cannot take.
//!
//! A one-shot cast cannot skip the anomalies the engine sets aside (an invalid uuid
//! string fails the whole statement; two spellings of one uuid collide in the key). So
//! before the clock starts, every value that is not a canonical uuid is replaced, in the
//! key and in every reference alike, by a canonical uuid derived from it (md5): the
//! same number of rows and values, all castable, the references still matching.

use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};

use super::error::BenchError;
use crate::engine::{ddl, Plan};
use crate::quote::quote_ident;

const CANONICAL: &str = "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'";

/// Makes every converted value castable (untimed; see the module docs).
pub async fn prepare(conn: &mut PgConnection, plan: &Plan) -> Result<(), BenchError> {
    let mut statements: Vec<String> = plan.foreign_keys.iter().map(ddl::drop_constraint).collect();
    for table in &plan.tables {
        for column in &table.columns {
            let c = quote_ident(&column.name);
            statements.push(format!("UPDATE {} SET {c} = md5({c})::uuid::text WHERE {c} !~ {CANONICAL}", table.qualified()));
        }
    }
    statements.extend(plan.foreign_keys.iter().map(ddl::add_constraint));
    run(conn, &statements).await.map(|_| ())
}

/// The statements of the one-shot transaction, in order.
pub fn alter_sql(plan: &Plan) -> Vec<String> {
    let mut s: Vec<String> = plan.views.iter().rev().map(ddl::drop_view).collect();
    s.extend(plan.foreign_keys.iter().map(ddl::drop_constraint));
    for table in &plan.tables {
        let mut actions = Vec::new();
        for column in &table.columns {
            let c = quote_ident(&column.name);
            if column.default.is_some() {
                actions.push(format!("ALTER COLUMN {c} DROP DEFAULT"));
            }
            actions.push(format!("ALTER COLUMN {c} TYPE {} USING {}", plan.conversion.target_type(), plan.conversion.convert_sql(&c)));
            if let Some(default) = &column.default {
                actions.push(format!("ALTER COLUMN {c} SET DEFAULT {}", plan.conversion.convert_sql(default)));
            }
        }
        // One ALTER TABLE per table: one rewrite of the table, however many columns change.
        s.push(format!("ALTER TABLE {} {}", table.qualified(), actions.join(", ")));
    }
    s.extend(plan.foreign_keys.iter().map(ddl::add_constraint));
    s.extend(plan.views.iter().map(ddl::create_view));
    s
}

/// Runs the one-shot ALTER; returns how long the transaction took (and held its locks).
pub async fn alter(conn: &mut PgConnection, plan: &Plan) -> Result<Duration, BenchError> {
    run(conn, &alter_sql(plan)).await
}

async fn run(conn: &mut PgConnection, statements: &[String]) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let mut tx = conn.begin().await.map_err(BenchError::query("BEGIN"))?;
    for statement in statements {
        tx.execute(statement.as_str()).await.map_err(|source| BenchError::Baseline { statement: statement.clone(), source })?;
    }
    tx.commit().await.map_err(BenchError::query("COMMIT"))?;
    Ok(started.elapsed())
}
