//! `server_restart`: the engine is held at a batch's log write with batches committed
//! before it, the server is stopped hard (immediate shutdown: every session ends, the
//! open batch is lost, crash recovery runs at the start) and started again on the same
//! data and port; then `migrate full` resumes, and the result is compared.

use super::context::{fail, not_run, Expected, FaultContext, Verdict};
use super::error::FaultError;
use super::fault::{FaultPoint, Landing};
use super::gate::LogGate;
use super::resume;
use crate::provision::Database;

pub async fn run(ctx: &FaultContext<'_>, expected: &Expected) -> Result<Verdict, FaultError> {
    if let Some(why) = ctx.server.hard_restart_refused() {
        return Ok(not_run(format!("cannot restart this server: {why}")));
    }
    let db = ctx.template.clone_database().await?;
    let result = on(ctx, expected, &db).await;
    ctx.server.drop_database(db).await?;
    result
}

async fn on(ctx: &FaultContext<'_>, expected: &Expected, db: &Database) -> Result<Verdict, FaultError> {
    let Landing::LogWrite(mid_batch) = FaultPoint::Copy.landing() else { unreachable!("copy lands at a batch write") };
    let engine = ctx.engine(db)?;
    let mut gate = LogGate::close(db).await?;
    let mut running = engine.spawn("full")?;
    let Some(held) = gate.hold_until(&mut running, mid_batch).await? else {
        gate.open().await?;
        let finished = running.wait().await?;
        return Ok(not_run(format!("`migrate full` ended before a second batch ({}): the fault did not land", finished.describe())));
    };
    ctx.server.restart_hard().await?;
    drop(gate); // its sessions ended with the server
    let crashed = running.wait().await?;
    if crashed.succeeded() {
        return Ok(fail("the server was stopped hard mid-batch, yet `migrate full` exited 0: the engine did not notice"));
    }
    let what = format!("server stopped hard (immediate shutdown) with the engine {} and started again; the engine stopped ({})", held.describe(), crashed.describe());
    resume::full_then_rollback(ctx, expected, db, &engine, &what).await
}
