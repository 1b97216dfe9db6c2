//! Runs every fault of a scenario's `[faults]`, in order, each on its own clone and each
//! shown as a progress step; returns one result per fault.

use std::time::Instant;

use super::context::{not_run, timed, FaultContext};
use super::error::FaultError;
use super::fault::Fault;
use super::outcome::{FaultOutcome, FaultResult};
use super::{disk, kill, lock, restart, workload};
use crate::progress::Progress;

pub async fn run_all(ctx: &FaultContext<'_>, progress: &Progress) -> Result<Vec<FaultResult>, FaultError> {
    let faults = &ctx.scenario.faults;
    if faults.is_empty() {
        return Ok(Vec::new());
    }
    let shown = progress.step("uninterrupted reference run");
    let expected = ctx.expected().await?;
    shown.finish();
    let mut results = Vec::new();
    for &fault in faults {
        let name = fault.name();
        let shown = progress.step(&name);
        let started = Instant::now();
        let verdict = match &expected {
            Err(why) => not_run(why.clone()),
            Ok(expected) => match fault {
                Fault::KillEngine(point) => kill::run(ctx, expected, point).await?,
                Fault::ServerRestart => restart::run(ctx, expected).await?,
                Fault::LockDuringSwap => lock::run(ctx, expected).await?,
                Fault::DiskFullDuringBackup => disk::run(ctx, expected).await?,
                Fault::ConcurrentWorkload => workload::run(ctx, expected).await?,
            },
        };
        let result = timed(&name, verdict, started.elapsed());
        match result.outcome {
            FaultOutcome::Pass => shown.finish(),
            FaultOutcome::Fail => shown.skip(&format!("FAILED: {}", result.detail)),
            FaultOutcome::NotRun => shown.skip(&format!("not run: {}", result.detail)),
        }
        results.push(result);
    }
    Ok(results)
}
