//! `kill_engine`: the engine SIGKILLed at a point of its procedure, then the same step run
//! again to resume; the result must equal an uninterrupted run's (and, after `full`, a
//! rollback must restore the original).

use super::compare::{differences, summarize};
use super::context::{fail, not_run, pass, Expected, FaultContext, Verdict};
use super::error::FaultError;
use super::fault::{FaultPoint, Landing};
use super::gate::{terminate_others, LogGate};
use super::index_hold::IndexHold;
use super::resume;
use crate::provision::Database;

pub async fn run(ctx: &FaultContext<'_>, expected: &Expected, point: FaultPoint) -> Result<Verdict, FaultError> {
    let db = ctx.template.clone_database().await?;
    let result = on(ctx, expected, point, &db).await;
    ctx.server.drop_database(db).await?;
    result
}

async fn on(ctx: &FaultContext<'_>, expected: &Expected, point: FaultPoint, db: &Database) -> Result<Verdict, FaultError> {
    let engine = ctx.engine(db)?;
    let procedure = point.procedure();
    for step in procedure.before {
        let done = engine.run(step).await?;
        if !done.succeeded() {
            return Ok(fail(format!("`migrate {step}`, run before the fault, failed ({})", done.describe())));
        }
    }
    let killed = procedure.killed;
    let landed = match point.landing() {
        Landing::LogWrite(condition) => {
            let mut gate = LogGate::close(db).await?;
            let mut running = engine.spawn(killed)?;
            match gate.hold_until(&mut running, condition).await? {
                None => {
                    gate.open().await?;
                    let finished = running.wait().await?;
                    return Ok(not_run(format!("`migrate {killed}` ended before it reached {} ({}): the fault did not land", point.name(), finished.describe())));
                }
                Some(held) => {
                    running.kill().await?;
                    let mut conn = db.connect().await?;
                    terminate_others(&mut conn, gate.own_pids()).await?;
                    gate.open().await?;
                    format!("SIGKILL of `migrate {killed}` in {}, {}", point.name(), held.describe())
                }
            }
        }
        Landing::IndexBuild => {
            let mut hold = IndexHold::take(db).await?;
            let mut running = engine.spawn(killed)?;
            match hold.wait_in_build(&mut running).await? {
                None => {
                    hold.release().await?;
                    let finished = running.wait().await?;
                    return Ok(not_run(format!("`migrate {killed}` ended without building an index concurrently ({}): the fault did not land", finished.describe())));
                }
                Some(statement) => {
                    running.kill().await?;
                    let own = hold.own_pids().to_vec();
                    terminate_others(&mut hold.watcher, &own).await?;
                    hold.release().await?;
                    let head: String = statement.chars().take(60).collect();
                    format!("SIGKILL of `migrate {killed}` inside `{head}…`, leaving the index invalid")
                }
            }
        }
    };
    match killed {
        "full" => resume::full_then_rollback(ctx, expected, db, &engine, &landed).await,
        "cleanup" => {
            let resumed = engine.run("cleanup").await?;
            if !resumed.succeeded() {
                return Ok(fail(format!("{landed}; resuming with `migrate cleanup` failed ({})", resumed.describe())));
            }
            let reached = ctx.migrated_state(&mut db.connect().await?).await?;
            let differ = differences(&expected.cleaned, &reached);
            if !differ.is_empty() {
                return Ok(fail(format!("{landed}; after `migrate cleanup` resumed, the result differs from an uninterrupted cleanup: {}", summarize(&differ))));
            }
            Ok(pass(format!("{landed}; `migrate cleanup` resumed to the state of an uninterrupted full + cleanup ({} tables and the schema identical)", reached.fingerprints.len())))
        }
        _ => match resume::rollback_restores(ctx, expected, db, &engine, &landed).await? {
            Some(failed) => Ok(failed),
            None => Ok(pass(format!("{landed}; `migrate rollback` resumed and restored the original bytes and schema"))),
        },
    }
}
