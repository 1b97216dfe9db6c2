//! The migration being rehearsed, behind one interface: the built-in engine, or the
//! user's own up/down SQL. Each runs `up` and `down` on a database and says what happened
//! as data; a failing migration is an outcome, not an error.

use std::time::{Duration, Instant};

use sqlx::{PgConnection, Row};

use super::error::RehearsalError;
use crate::engine::user_sql::{run_file, run_setup, MigrationSet, PgErrorInfo, StatementFailure};
use crate::engine::{self, ColumnRef, DeclaredRelation, Engine, EngineOptions, Outcome, Policies, Policy, Progress, Step};
use crate::provision::Database;
use crate::report::Batch;
use crate::scenario::{BuiltinMigration, CollisionPolicy, InvalidPolicy, Migration, OrphanPolicy, Scenario};

pub enum MigrationDriver {
    Engine { options: EngineOptions, keep_bookkeeping: bool },
    Sql {
        set: MigrationSet,
        quarantine: Vec<String>,
        keep_bookkeeping: bool,
        /// The scenario file's directory: reports name files relative to it, as the user
        /// wrote them, not by this machine's absolute paths.
        base: std::path::PathBuf,
    },
}

/// What one run of `up` did.
#[derive(Debug, Clone)]
pub struct UpRun {
    /// The statement (or, for the engine, the step) that failed.
    pub failure: Option<StatementFailure>,
    pub duration: Duration,
    /// The engine's batches, for the duration-over-time chart; empty for user SQL.
    pub batches: Vec<Batch>,
    /// Longest exclusive lock the engine held, in milliseconds.
    pub longest_lock_ms: Option<f64>,
}

impl MigrationDriver {
    /// The driver a scenario's `[migration]` section names; `relations` are the unenforced
    /// references the dataset declares, which the engine must also convert.
    pub fn from_scenario(scenario: &Scenario, relations: Vec<DeclaredRelation>) -> Result<MigrationDriver, RehearsalError> {
        match &scenario.migration {
            None => Err(RehearsalError::Invalid(format!(
                "{}: no [migration] section: name the built-in engine (engine = \"uuid\") or your up/down SQL",
                scenario.path.display()
            ))),
            Some(Migration::Builtin(builtin)) => Ok(MigrationDriver::Engine {
                options: engine_options(builtin, relations),
                keep_bookkeeping: builtin.keep_bookkeeping,
            }),
            Some(Migration::Sql(sql)) => {
                let rehearsed = sql.rehearsed();
                let set = if sql.steps.len() == 1 {
                    MigrationSet::from_pair(&rehearsed.up, rehearsed.down.as_deref())?
                } else {
                    let dir = rehearsed.up.parent().unwrap_or(std::path::Path::new("."));
                    MigrationSet::from_dir(dir)?
                };
                if set.rehearsed.down.is_none() {
                    return Err(RehearsalError::Invalid(format!(
                        "{}: the rehearsed migration {} has no down file; a rehearsal needs one to roll back",
                        scenario.path.display(),
                        set.rehearsed.up.path.display()
                    )));
                }
                let base = scenario.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
                Ok(MigrationDriver::Sql { set, quarantine: sql.quarantine.clone(), keep_bookkeeping: sql.keep_bookkeeping, base })
            }
        }
    }

    /// Says what runs, for the report.
    pub fn describe(&self) -> String {
        match self {
            MigrationDriver::Engine { options, .. } => {
                format!("built-in uuid engine (root {}, batch size {})", options.root, options.batch_size)
            }
            MigrationDriver::Sql { set, base, .. } => {
                let shown = |path: &std::path::Path| path.strip_prefix(base).unwrap_or(path).display().to_string();
                let down = set.rehearsed.down.as_ref().map(|d| shown(&d.path)).unwrap_or_default();
                format!("{} / {}", shown(&set.rehearsed.up.path), down)
            }
        }
    }

    pub fn keeps_bookkeeping(&self) -> bool {
        match self {
            MigrationDriver::Engine { keep_bookkeeping, .. } | MigrationDriver::Sql { keep_bookkeeping, .. } => *keep_bookkeeping,
        }
    }

    /// Applies the earlier migrations of a directory, before anything is measured.
    pub async fn setup(&self, db: &Database) -> Result<Option<StatementFailure>, RehearsalError> {
        let MigrationDriver::Sql { set, .. } = self else { return Ok(None) };
        let mut conn = db.connect().await?;
        let outcomes = run_setup(&mut conn, set).await?;
        Ok(outcomes.into_iter().find_map(|o| o.failure))
    }

    pub async fn up(&self, db: &Database, progress: bool) -> Result<UpRun, RehearsalError> {
        let started = Instant::now();
        match self {
            MigrationDriver::Sql { set, .. } => {
                let mut conn = db.connect().await?;
                let outcome = run_file(&mut conn, &set.rehearsed.up).await?;
                Ok(UpRun { failure: outcome.failure, duration: started.elapsed(), batches: Vec::new(), longest_lock_ms: None })
            }
            MigrationDriver::Engine { options, .. } => {
                let report = run_engine(db, options, Step::Full, progress).await?;
                let failure = engine_failure(&report);
                let mut conn = db.connect().await?;
                let batches = read_batches(&mut conn).await;
                let longest_lock_ms = report.lock_held_ms.iter().map(|(_, ms)| *ms).reduce(f64::max);
                Ok(UpRun { failure, duration: started.elapsed(), batches, longest_lock_ms })
            }
        }
    }

    pub async fn down(&self, db: &Database, progress: bool) -> Result<(Option<StatementFailure>, Duration), RehearsalError> {
        let started = Instant::now();
        let failure = match self {
            MigrationDriver::Sql { set, .. } => {
                let down = set.rehearsed.down.as_ref().expect("checked when the driver was built");
                let mut conn = db.connect().await?;
                run_file(&mut conn, down).await?.failure
            }
            MigrationDriver::Engine { options, .. } => engine_failure(&run_engine(db, options, Step::Rollback, progress).await?),
        };
        Ok((failure, started.elapsed()))
    }
}

/// The engine options a scenario's built-in `[migration]` asks for (also used by
/// `pgrehearse migrate --scenario`).
pub fn engine_options(builtin: &BuiltinMigration, relations: Vec<DeclaredRelation>) -> EngineOptions {
    let policy_invalid = match builtin.on_invalid {
        InvalidPolicy::Fail => Policy::Fail,
        InvalidPolicy::Quarantine => Policy::Quarantine,
    };
    let policy_orphan = match builtin.on_orphan {
        OrphanPolicy::Fail => Policy::Fail,
        OrphanPolicy::Quarantine => Policy::Quarantine,
        OrphanPolicy::Nullify => Policy::Nullify,
    };
    let policy_collision = match builtin.on_collision {
        CollisionPolicy::Fail => Policy::Fail,
        CollisionPolicy::Quarantine => Policy::Quarantine,
    };
    let (schema, table) = builtin.root.table.split_once('.').unwrap_or(("public", &builtin.root.table));
    EngineOptions {
        root: ColumnRef::new(schema, table, &builtin.root.column),
        relations,
        batch_size: builtin.batch_size as i64,
        policies: Policies { invalid: policy_invalid, orphan: policy_orphan, collision: policy_collision },
        ..EngineOptions::default()
    }
}

async fn run_engine(db: &Database, options: &EngineOptions, step: Step, progress: bool) -> Result<engine::StepReport, RehearsalError> {
    let bars = if progress { Progress::visible() } else { Progress::hidden() };
    let mut engine = Engine::connect(&db.connect_options(), options.clone(), step, bars).await?;
    Ok(engine.run(step).await?)
}

/// The engine reports a blocked or failed step as data; the rehearsal scores it like a
/// failed statement, naming the step and what stopped it.
fn engine_failure(report: &engine::StepReport) -> Option<StatementFailure> {
    if !matches!(report.outcome, Outcome::Blocked | Outcome::ChecksFailed) {
        return None;
    }
    let findings: Vec<String> = report.findings.iter().take(5).map(|f| format!("{f:?}")).collect();
    Some(StatementFailure {
        file: "built-in engine".into(),
        index: 1,
        line: 0,
        error_line: None,
        statement: format!("pgrehearse migrate {}", report.step),
        error: PgErrorInfo {
            code: format!("{:?}", report.outcome).to_lowercase(),
            message: format!("{} findings stopped the step: {}", report.findings.len(), findings.join("; ")),
            detail: None,
            hint: Some("see the engine's findings, or change the scenario's `on_invalid` / `on_orphan` / `on_collision` policies in [migration]".into()),
        },
    })
}

/// The engine's committed batches from its log, in order.
async fn read_batches(conn: &mut PgConnection) -> Vec<Batch> {
    let sql = "SELECT rows, extract(epoch FROM finished_at - started_at)::float8 AS seconds
                 FROM pgrehearse_engine.migration_log WHERE step = 'convert-batch' ORDER BY id";
    match sqlx::query(sql).fetch_all(conn).await {
        Ok(rows) => rows
            .iter()
            .enumerate()
            .map(|(i, r)| Batch {
                index: i as u64 + 1,
                rows: r.get::<Option<i64>, _>("rows").unwrap_or(0) as u64,
                duration: Duration::from_secs_f64(r.get::<Option<f64>, _>("seconds").unwrap_or(0.0).max(0.0)),
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}
