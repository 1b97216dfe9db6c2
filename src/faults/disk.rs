//! `disk_full_during_backup`: the clone's default tablespace becomes a tmpfs half the size
//! of its tables (the engine's log and plan are created beforehand, in the ordinary
//! tablespace), so the backup's copies fill it. The engine must fail with the server's
//! "no space" error during the backup, leave every table's data as it was and no backup
//! behind, and `migrate rollback` must then restore the original.

use sqlx::{Executor, PgConnection};

use super::compare::summarize;
use super::context::{fail, not_run, pass, Expected, FaultContext, Verdict};
use super::error::FaultError;
use super::resume;
use super::tablespace::{self, SmallTablespace};
use crate::provision::Database;
use crate::quote::quote_ident;

/// The smallest tmpfs used: room for the few pages the engine writes before the backup.
const MIN_BYTES: u64 = 48 * 1024;

pub async fn run(ctx: &FaultContext<'_>, expected: &Expected) -> Result<Verdict, FaultError> {
    let db = ctx.template.clone_database().await?;
    let bytes = (table_bytes(&mut db.connect().await?).await? / 2).max(MIN_BYTES);
    let small = match tablespace::create(ctx.server, bytes).await? {
        Ok(small) => small,
        Err(why) => {
            ctx.server.drop_database(db).await?;
            return Ok(not_run(format!("no small tablespace to fill: {why}")));
        }
    };
    let result = on(ctx, expected, &db, &small, bytes).await;
    ctx.server.drop_database(db).await?;
    small.remove(ctx.server).await?;
    result
}

async fn on(ctx: &FaultContext<'_>, expected: &Expected, db: &Database, small: &SmallTablespace, bytes: u64) -> Result<Verdict, FaultError> {
    let mut conn = db.connect().await?;
    crate::engine::ensure_bookkeeping(&mut conn).await.map_err(|e| FaultError::Harness(format!("create the engine's bookkeeping: {e}")))?;
    set_default_tablespace(ctx, db, Some(&small.name)).await?;
    let engine = ctx.engine(db)?;
    let filled = engine.run("full").await?;
    set_default_tablespace(ctx, db, None).await?;
    let what = format!("backup into a {} KiB tmpfs", bytes.div_ceil(1024));
    if filled.succeeded() {
        return Ok(fail(format!("{what}: `migrate full` exited 0, so the disk never filled (the tables need less than the tmpfs holds)")));
    }
    let no_space = filled.stderr.contains("No space left on device") || filled.stderr.contains("could not extend");
    if !no_space {
        return Ok(fail(format!("{what}: `migrate full` failed, but not for want of space ({})", filled.describe())));
    }
    let completed: Vec<String> = sqlx::query_scalar("SELECT DISTINCT step FROM pgrehearse_engine.migration_log WHERE status = 'completed'")
        .fetch_all(&mut conn)
        .await
        .map_err(FaultError::query("read the engine's log"))?;
    if !completed.iter().any(|s| s == "classify") || completed.iter().any(|s| s == "backup") {
        return Ok(fail(format!("{what}: the disk filled outside the backup (steps completed: {}): {}", completed.join(", "), filled.describe())));
    }
    let now = ctx.restored_state(&mut conn).await?;
    let changed: Vec<String> = expected
        .pristine
        .fingerprints
        .iter()
        .filter(|(table, print)| now.fingerprints.get(*table) != Some(*print))
        .map(|(table, _)| format!("{table} changed"))
        .collect();
    if !changed.is_empty() {
        return Ok(fail(format!("{what}: the engine failed, but data changed half-way: {}", summarize(&changed))));
    }
    let backup: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
        .bind(crate::engine::BACKUP_SCHEMA)
        .fetch_one(&mut conn)
        .await
        .map_err(FaultError::query("look for a partial backup"))?;
    if backup {
        return Ok(fail(format!("{what}: the engine failed, but a partial backup ({}) was left behind", crate::engine::BACKUP_SCHEMA)));
    }
    drop(conn);
    let detail = format!("{what}: the engine failed during the backup ({}), every table's data as it was and no partial backup left", filled.describe());
    match resume::rollback_restores(ctx, expected, db, &engine, &detail).await? {
        Some(failed) => Ok(failed),
        None => Ok(pass(format!("{detail}; `migrate rollback` restored the original bytes and schema"))),
    }
}

/// The size of every table of the dataset (not the ground truth), in bytes.
async fn table_bytes(conn: &mut PgConnection) -> Result<u64, FaultError> {
    let sql = "SELECT coalesce(sum(pg_table_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> $1";
    let bytes: i64 = sqlx::query_scalar(sql).bind(crate::dataset::truth::TRUTH_SCHEMA).fetch_one(conn).await.map_err(FaultError::query("measure the tables"))?;
    Ok(bytes.max(0) as u64)
}

async fn set_default_tablespace(ctx: &FaultContext<'_>, db: &Database, tablespace: Option<&str>) -> Result<(), FaultError> {
    let sql = match tablespace {
        Some(name) => format!("ALTER DATABASE {} SET default_tablespace = {}", quote_ident(db.name()), quote_ident(name)),
        None => format!("ALTER DATABASE {} RESET default_tablespace", quote_ident(db.name())),
    };
    let mut admin = ctx.server.admin_connection().await?;
    admin.execute(sql.as_str()).await.map_err(FaultError::query(format!("run `{sql}`")))?;
    Ok(())
}
