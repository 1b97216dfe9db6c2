//! `seed`: create the schema, plan, take the keys off, COPY every table in dependency
//! order, build the keys back, and record the ground truth.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::scenario::BuiltinSchema;
use super::catalog::read_schema;
use super::error::SeedError;
use super::keys::DeferredKeys;
use super::pipeline::load_and_build;
pub use super::load::{SeedObserver, Silent};
use super::model::SchemaModel;
use super::plan::SeedPlan;
use super::{disk, schema_file};
use super::truth::GroundTruth;
use crate::scenario::{Scenario, SchemaSource};

/// What a seeding run did, for the CLI's summary and for benchmarks.
#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub truth: GroundTruth,
    pub model: SchemaModel,
    pub total_rows: u64,
    /// Creating the schema, reading the catalog and planning.
    pub plan_time: Duration,
    /// COPY of every table.
    pub load_time: Duration,
    /// Building keys, constraints and indexes, and ANALYZE.
    pub keys_time: Duration,
}

/// The DDL a scenario's schema stands for.
pub fn schema_ddl(scenario: &Scenario) -> Result<String, SeedError> {
    match &scenario.schema {
        SchemaSource::Builtin(name) => Ok(BuiltinSchema::find(name).expect("validated at load").ddl.to_string()),
        SchemaSource::File(path) => std::fs::read_to_string(path).map_err(|source| SeedError::SchemaFile { path: path.clone(), source }),
    }
}

/// A server error while loading a schema file's tables, placed at the file and line.
fn placed(scenario: &Scenario, error: SeedError) -> SeedError {
    match (&scenario.schema, schema_ddl(scenario)) {
        (SchemaSource::File(path), Ok(ddl)) => schema_file::place_data_error(path, &ddl, error),
        _ => error,
    }
}

/// Whether [`seed_with`] runs the scenario's DDL or finds the schema already there (for
/// example in a template clone made once for many test cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaSetup {
    Create,
    AlreadyPresent,
}

/// Creates the schema and plans inside one transaction, so a scenario that does not fit
/// its schema leaves the database as it was.
pub async fn create_and_plan(conn: &mut PgConnection, scenario: &Scenario, setup: SchemaSetup) -> Result<(SchemaModel, SeedPlan), SeedError> {
    let ddl = schema_ddl(scenario)?;
    let mut tx = conn.begin().await.map_err(SeedError::database("begin the schema transaction"))?;
    match (&scenario.schema, setup) {
        (SchemaSource::File(path), SchemaSetup::Create) => {
            create_schema(&mut tx, &ddl, path).await?;
            schema_file::refuse_partitioned(&mut tx, path, &ddl).await?;
        }
        (SchemaSource::Builtin(_), SchemaSetup::Create) => {
            sqlx::raw_sql(&ddl).execute(&mut *tx).await.map_err(SeedError::database("create the scenario's schema"))?;
        }
        (_, SchemaSetup::AlreadyPresent) => {}
    }
    let model = read_schema(&mut tx).await?;
    // The counts written in [rows] first: planning a count that can never fit would take
    // as long as the count; then everything the plan adds (children's default counts).
    let written: Vec<(usize, u64)> = scenario.rows.iter().filter_map(|(t, n)| scenario.resolve_table(&model, t).ok().map(|i| (i, *n))).collect();
    disk::check(&mut tx, &model, &written).await?;
    let plan = SeedPlan::build(scenario, &model).map_err(|e| placed(scenario, e))?;
    disk::check(&mut tx, &model, &disk::planned_rows(&plan)).await?;
    tx.commit().await.map_err(SeedError::database("commit the schema"))?;
    Ok((model, plan))
}

/// Runs schema DDL as people have it, `pg_dump --schema-only` output included (see
/// [`super::schema_sql`]); returns the notes on what was skipped, which it also logs.
pub async fn create_schema(conn: &mut PgConnection, ddl: &str, file: &std::path::Path) -> Result<Vec<String>, SeedError> {
    let roles: Vec<String> = sqlx::query_scalar("SELECT rolname::text FROM pg_roles").fetch_all(&mut *conn).await.map_err(SeedError::database("list the server's roles"))?;
    let prepared = super::schema_sql::prepare(ddl, &roles.into_iter().collect());
    super::schema_file::create(&mut *conn, file, &prepared.sql).await?;
    // pg_dump output sets search_path to '' and more for the whole session; what follows
    // on this connection expects the defaults.
    conn.execute("RESET ALL").await.map_err(SeedError::database("reset the session after the schema"))?;
    for note in &prepared.notes {
        tracing::warn!("schema: {note}");
    }
    Ok(prepared.notes)
}

/// Seeds the connected (empty) database with the scenario's dataset and ground truth, on
/// this one connection.
pub async fn seed(conn: &mut PgConnection, scenario: &Scenario, observer: &dyn SeedObserver) -> Result<SeedSummary, SeedError> {
    seed_with(conn, scenario, SchemaSetup::Create, observer).await
}

/// [`seed`], with the schema either created here or already present (and empty).
pub async fn seed_with(conn: &mut PgConnection, scenario: &Scenario, setup: SchemaSetup, observer: &dyn SeedObserver) -> Result<SeedSummary, SeedError> {
    seed_on(conn, &mut [], scenario, setup, observer).await
}

/// COPY streams (and key-building connections) a parallel seed uses by default: one per
/// core, at least two and at most four (measured in `benches/seed.rs`).
pub fn default_streams() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 4)
}

/// [`seed_with`] through `conn`, with `streams - 1` more connections opened from
/// `options` (the same database), so independent tables load on parallel COPY streams and
/// their keys are built side by side. The data and the ground truth are [`seed`]'s, byte
/// for byte.
pub async fn seed_parallel(
    conn: &mut PgConnection,
    options: &PgConnectOptions,
    streams: usize,
    scenario: &Scenario,
    setup: SchemaSetup,
    observer: &dyn SeedObserver,
) -> Result<SeedSummary, SeedError> {
    let options = options.clone().disable_statement_logging();
    let mut extra = Vec::with_capacity(streams.saturating_sub(1));
    for _ in 1..streams.max(1) {
        extra.push(PgConnection::connect_with(&options).await.map_err(SeedError::database("open another COPY stream"))?);
    }
    let summary = seed_on(conn, &mut extra, scenario, setup, observer).await;
    for conn in extra {
        let _ = conn.close().await;
    }
    summary
}

/// Seeds through `conn`, with `extra` connections to the same database as further COPY
/// streams and key builders.
async fn seed_on(conn: &mut PgConnection, extra: &mut [PgConnection], scenario: &Scenario, setup: SchemaSetup, observer: &dyn SeedObserver) -> Result<SeedSummary, SeedError> {
    let started = Instant::now();
    let (model, plan) = create_and_plan(conn, scenario, setup).await?;
    let plan = Arc::new(plan);
    let truth = GroundTruth::from_plan(&plan, &model);
    let total_rows = plan.tables.iter().map(|t| t.rows).sum();
    observer.planned(total_rows);
    let plan_time = started.elapsed();

    let mut connections: Vec<&mut PgConnection> = std::iter::once(conn).chain(extra.iter_mut()).collect();
    let keys = DeferredKeys::take_off(&mut *connections[0]).await?;
    // Index builds on varchar keys dominate after COPY (PERF_NOTES); give them memory.
    for conn in connections.iter_mut() {
        (&mut **conn).execute("SET maintenance_work_mem = '256MB'").await.map_err(SeedError::database("set maintenance_work_mem"))?;
    }
    let timings = load_and_build(&mut connections, &model, &plan, &keys, observer).await.map_err(|e| placed(scenario, e))?;
    let finishing = Instant::now();
    let conn = &mut *connections[0];
    super::sequences::advance_sequences(conn).await?;
    observer.phase("recording ground truth");
    truth.write(conn).await?;
    // The user tables were analyzed as their keys were built.
    conn.execute("ANALYZE pgrehearse_truth.anomaly, pgrehearse_truth.seed_info").await.map_err(SeedError::database("analyze the ground truth"))?;
    observer.done();
    Ok(SeedSummary { truth, model, total_rows, plan_time, load_time: timings.load, keys_time: timings.keys + finishing.elapsed() })
}
