//! One run of the sweep on a fresh clone of the template: the engine at one batch size,
//! adaptive, or the one-shot baseline, with the application workload running for all of
//! it and the WAL it all wrote. The clone is dropped afterwards (the disk is needed).

use std::time::Instant;

use sqlx::PgConnection;

use super::baseline;
use super::engine_run;
use super::error::BenchError;
use super::measure::RunFigures;
use super::sizing::Sizing;
use super::workload::{self, WorkloadPlan};
use crate::engine::{EngineOptions, Plan, Progress};
use crate::provision::Template;

/// What a run converts with.
pub enum Method {
    Engine(Sizing),
    OneShot,
}

/// Everything a run needs besides its method.
pub struct RunSetup<'a> {
    pub template: &'a Template<'a>,
    pub options: &'a EngineOptions,
    pub plan: &'a Plan,
    pub workload: &'a WorkloadPlan,
    pub rate: u32,
    pub progress: bool,
}

pub async fn run(setup: &RunSetup<'_>, method: Method, label: &str) -> Result<RunFigures, BenchError> {
    let db = setup.template.clone_database().await?;
    let mut probe = db.connect().await?;
    if let Method::OneShot = method {
        baseline::prepare(&mut probe, setup.plan).await?;
    }
    let before = wal_lsn(&mut probe).await?;
    let app = workload::start(setup.workload, &db.connect_options(), setup.rate).await?;
    let started = Instant::now();
    let figures = match method {
        Method::Engine(sizing) => {
            let progress = if setup.progress { Progress::visible() } else { Progress::hidden() };
            engine_run::migrate(&db, setup.options, sizing, progress, label).await
        }
        Method::OneShot => baseline::alter(&mut probe, setup.plan).await.map(|held| RunFigures {
            seconds: started.elapsed().as_secs_f64(),
            convert_seconds: started.elapsed().as_secs_f64(),
            max_lock_ms: held.as_secs_f64() * 1000.0,
            ..Default::default()
        }),
    };
    let workload = app.stop().await;
    let wal_bytes = wal_since(&mut probe, &before).await?;
    drop(probe);
    setup.template.server().drop_database(db).await?;
    Ok(RunFigures { workload, wal_bytes, ..figures? })
}

async fn wal_lsn(conn: &mut PgConnection) -> Result<String, BenchError> {
    sqlx::query_scalar("SELECT pg_current_wal_lsn()::text").fetch_one(conn).await.map_err(BenchError::query("read pg_current_wal_lsn()"))
}

async fn wal_since(conn: &mut PgConnection, before: &str) -> Result<u64, BenchError> {
    let sql = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::bigint";
    let bytes: i64 = sqlx::query_scalar(sql).bind(before).fetch_one(conn).await.map_err(BenchError::query("measure the WAL written"))?;
    Ok(bytes.max(0) as u64)
}
