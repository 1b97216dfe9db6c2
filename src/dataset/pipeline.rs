//! The load as jobs on one or more connections: each table's COPY (the most bytes first,
//! each table whole on one stream so its rows land in row order), then, as soon as its
//! rows are in, its keys and indexes, then its ANALYZE; the FKs once every table is built.
//! Keys are off while loading, so no table waits for another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use sqlx::postgres::PgConnection;

use super::error::SeedError;
use super::keys::{execute, DeferredKeys};
use super::load::{copy_rows, estimated_bytes, SeedObserver};
use super::model::SchemaModel;
use crate::parallel::{run_jobs, Job};
use super::plan::SeedPlan;
use crate::quote::quote_qualified;

/// ANALYZE reads a sample, not the table: a small share of its cost ranks it.
const ANALYZE_COST_SHARE: u64 = 16;

enum Work {
    Load(usize),
    Sql(String, String),
}

/// How long the rows took to load, and the keys, indexes, FKs and ANALYZE after them.
pub struct Timings {
    pub load: Duration,
    pub keys: Duration,
}

/// Loads every table of `plan` and builds `keys` back, on all of `connections`.
pub async fn load_and_build(connections: &mut [&mut PgConnection], model: &SchemaModel, plan: &Arc<SeedPlan>, keys: &DeferredKeys, observer: &dyn SeedObserver) -> Result<Timings, SeedError> {
    let started = Instant::now();
    let bytes: Vec<u64> = (0..plan.tables.len()).map(|t| estimated_bytes(plan, t)).collect();
    let name = |t: usize| quote_qualified(&model.tables[t].schema, &model.tables[t].name);
    let loaded = |t: usize| format!("loaded {}", name(t));
    let built = |t: usize| format!("built {}", name(t));
    let mut jobs = Vec::new();
    for &t in &plan.load_order {
        jobs.push(Job { provides: Some(loaded(t)), ..Job::new(name(t), true, bytes[t], Work::Load(t)) });
        let analyze = Job::new(name(t), true, bytes[t] / ANALYZE_COST_SHARE, Work::Sql(format!("ANALYZE {}", name(t)), format!("analyze {}", model.tables[t].display_name())));
        jobs.push(Job { needs: vec![loaded(t), built(t)], ..analyze });
    }
    for build in keys.table_builds() {
        let table = model.tables.iter().position(|m| m.schema == build.schema && m.name == build.table);
        let cost = table.map_or(0, |t| bytes[t]);
        // An attached constraint costs a catalog change; its index carries the table's cost.
        let cost = if build.attaches.is_some() { 0 } else { cost };
        let job = Job::new(quote_qualified(&build.schema, &build.table), build.is_exclusive, cost, Work::Sql(build.sql, build.action));
        let needs = table.map(loaded).into_iter().chain(build.attaches).collect();
        let provides = build.makes.or_else(|| table.map(built));
        jobs.push(Job { needs, provides, ..job });
    }
    let loads_left = AtomicUsize::new(plan.tables.len());
    let loads_done = Mutex::new(None::<Instant>);
    let tracker = LoadTracker { observer, loads_left: &loads_left, loads_done: &loads_done };
    let tracker = &tracker;
    run_jobs(connections.iter_mut().map(|c| &mut **c).collect(), jobs, |conn, work| {
        async move {
            match work {
                Work::Load(table) => {
                    tracker.observer.table_started(&model.tables[table].display_name(), plan.tables[table].rows);
                    let result = copy_rows(&mut *conn, model, plan, table, tracker.observer).await.map(drop);
                    tracker.table_loaded();
                    (conn, result)
                }
                Work::Sql(sql, action) => execute(conn, (sql, action)).await,
            }
        }
        .boxed()
    })
    .await?;
    keys.put_back_foreign_keys(connections).await?;
    let loads_done = loads_done.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or(started);
    Ok(Timings { load: loads_done - started, keys: loads_done.elapsed() })
}

/// Tells the observer when the last table is in, so its step changes from rows to keys.
struct LoadTracker<'a> {
    observer: &'a dyn SeedObserver,
    loads_left: &'a AtomicUsize,
    loads_done: &'a Mutex<Option<Instant>>,
}

impl LoadTracker<'_> {
    fn table_loaded(&self) {
        if self.loads_left.fetch_sub(1, Ordering::SeqCst) == 1 {
            *self.loads_done.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            self.observer.phase("building keys and indexes");
        }
    }
}
