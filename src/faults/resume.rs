//! The end of every fault that interrupts `migrate full`: resume it, compare the result
//! with an uninterrupted run, roll back, compare with the original.

use super::compare::{differences, summarize};
use super::context::{fail, pass, Expected, FaultContext, Verdict};
use super::engine_child::EngineCommand;
use super::error::FaultError;
use crate::provision::Database;

/// Resumes with `migrate full`, then rolls back; `what` says what happened before.
pub async fn full_then_rollback(ctx: &FaultContext<'_>, expected: &Expected, db: &Database, engine: &EngineCommand, what: &str) -> Result<Verdict, FaultError> {
    let resumed = engine.run("full").await?;
    if !resumed.succeeded() {
        return Ok(fail(format!("{what}; resuming with `migrate full` failed ({})", resumed.describe())));
    }
    let mut conn = db.connect().await?;
    let reached = ctx.migrated_state(&mut conn).await?;
    let differ = differences(&expected.full, &reached);
    if !differ.is_empty() {
        return Ok(fail(format!("{what}; after `migrate full` resumed, the result differs from an uninterrupted run: {}", summarize(&differ))));
    }
    if let Some(verdict) = rollback_restores(ctx, expected, db, engine, &format!("{what}; resumed equal to an uninterrupted run")).await? {
        return Ok(verdict);
    }
    Ok(pass(format!(
        "{what}; `migrate full` resumed to the state of an uninterrupted run ({} tables and the schema identical), and `migrate rollback` restored the original bytes and schema",
        reached.fingerprints.len()
    )))
}

/// Runs `migrate rollback` and compares with the original: `Some(failure)` when it differs.
pub async fn rollback_restores(ctx: &FaultContext<'_>, expected: &Expected, db: &Database, engine: &EngineCommand, what: &str) -> Result<Option<Verdict>, FaultError> {
    let rolled = engine.run("rollback").await?;
    if !rolled.succeeded() {
        return Ok(Some(fail(format!("{what}; `migrate rollback` failed ({})", rolled.describe()))));
    }
    let mut conn = db.connect().await?;
    let restored = ctx.restored_state(&mut conn).await?;
    let differ = differences(&expected.pristine, &restored);
    if !differ.is_empty() {
        return Ok(Some(fail(format!("{what}; after `migrate rollback` the database differs from the original: {}", summarize(&differ)))));
    }
    Ok(None)
}
