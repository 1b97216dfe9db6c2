//! The migration being rehearsed, behind one interface: the built-in engine, or the
//! user's own up/down SQL. Each runs `up` and `down` on a database and says what happened
//! as data; a failing migration is a [`MigrationFailure`], not an error.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::{MigrationError, UserSqlError};
use super::failure::MigrationFailure;
use super::run::{run_file, run_setup};
use super::source::MigrationSet;
use crate::engine::{self, ConvertChoice, ConvertMethod, Engine, EngineOptions, Outcome, Progress, Step};
use crate::provision::Database;
use crate::vocabulary::Batch;

pub enum MigrationDriver {
    Engine { options: EngineOptions, keep_bookkeeping: bool },
    Sql {
        set: MigrationSet,
        quarantine: Vec<String>,
        keep_bookkeeping: bool,
        /// The scenario file's directory: reports name files relative to it, as the user
        /// wrote them, not by this machine's absolute paths.
        base: PathBuf,
        /// How long one statement of the user's SQL may run before the server cancels it
        /// (then it is the statement that failed, named in the up-runs finding).
        statement_timeout: Duration,
    },
}

/// `--statement-timeout`'s default: long enough for any real statement of a rehearsal.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(600);

/// Bounds every statement of the user's SQL on `conn` (the session that runs `file`).
async fn limit(conn: &mut sqlx::PgConnection, timeout: Duration, file: &Path) -> Result<(), MigrationError> {
    let sql = format!("SET statement_timeout = '{}ms'", timeout.as_millis().max(1));
    sqlx::Executor::execute(&mut *conn, sqlx::raw_sql(&sql)).await.map_err(|source| UserSqlError::Connection { path: file.to_path_buf(), source })?;
    Ok(())
}

/// A file as the user named it: relative to the scenario's directory.
fn shown(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}

/// What the engine's up does with its classification of the data beyond its own run
/// (the user's SQL has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry<'a> {
    /// Nothing: it goes with the run.
    Nothing,
    /// Copies it into this schema once up has run, for a later up on the same data.
    Keep(&'a str),
    /// Takes the classification kept in this schema instead of scanning again, when it
    /// holds for the plan: the caller vouches that no row changed since it was kept.
    Reuse(&'a str),
}

/// What one run of `up` did.
#[derive(Debug, Clone)]
pub struct UpRun {
    /// The statement (or the engine step) that failed.
    pub failure: Option<MigrationFailure>,
    pub duration: Duration,
    /// The engine's batches, for the duration-over-time chart; empty for user SQL.
    pub batches: Vec<Batch>,
    /// Longest exclusive lock the engine held, in milliseconds.
    pub longest_lock_ms: Option<f64>,
    /// How the engine converted (what `--convert auto` chose); `None` for user SQL.
    pub method: Option<ConvertMethod>,
    /// The engine's notes (every step's, prefixed with its name); empty for user SQL.
    pub notes: Vec<String>,
}

impl MigrationDriver {
    /// Bounds each statement of the user's SQL (the engine bounds its own steps).
    pub fn with_statement_timeout(mut self, timeout: Duration) -> MigrationDriver {
        if let MigrationDriver::Sql { statement_timeout, .. } = &mut self {
            *statement_timeout = timeout;
        }
        self
    }

    /// Says what runs, for the report; `chosen`: how the engine converted, when it ran
    /// (with `convert = "auto"` the plan decides).
    pub fn describe(&self, chosen: Option<ConvertMethod>) -> String {
        match self {
            MigrationDriver::Engine { options, .. } => {
                let convert = match (options.convert, chosen) {
                    (ConvertChoice::Auto, Some(method)) => format!("{} convert, chosen by auto", method.name()),
                    (choice, _) => format!("{} convert", choice.name()),
                };
                format!("built-in uuid engine (root {}, {convert}, batch size {})", options.root, options.batch_size)
            }
            MigrationDriver::Sql { set, base, .. } => {
                let up = shown(base, &set.rehearsed.up.path);
                match &set.rehearsed.down {
                    Some(down) => format!("{up} / {}", shown(base, &down.path)),
                    None => format!("{up} (up-only: no down)"),
                }
            }
        }
    }

    /// Whether there is a down to rehearse: the engine always has one; the user's SQL has
    /// one unless the migration is up-only.
    pub fn has_down(&self) -> bool {
        match self {
            MigrationDriver::Engine { .. } => true,
            MigrationDriver::Sql { set, .. } => set.rehearsed.down.is_some(),
        }
    }

    /// The up file of the user's SQL, as the user named it; `None` for the engine.
    pub fn up_file(&self) -> Option<String> {
        match self {
            MigrationDriver::Engine { .. } => None,
            MigrationDriver::Sql { set, base, .. } => Some(shown(base, &set.rehearsed.up.path)),
        }
    }

    pub fn keeps_bookkeeping(&self) -> bool {
        match self {
            MigrationDriver::Engine { keep_bookkeeping, .. } | MigrationDriver::Sql { keep_bookkeeping, .. } => *keep_bookkeeping,
        }
    }

    /// Applies the earlier migrations of a directory, before anything is measured.
    pub async fn setup(&self, db: &Database) -> Result<Option<MigrationFailure>, MigrationError> {
        let MigrationDriver::Sql { set, statement_timeout, .. } = self else { return Ok(None) };
        let mut conn = db.connect().await?;
        limit(&mut conn, *statement_timeout, &set.rehearsed.up.path).await?;
        let outcomes = run_setup(&mut conn, set).await?;
        Ok(outcomes.into_iter().find_map(|o| o.failure).map(MigrationFailure::Statement))
    }

    pub async fn up(&self, db: &Database, progress: &Progress) -> Result<UpRun, MigrationError> {
        self.up_carrying(db, progress, Carry::Nothing).await
    }

    /// [`Self::up`], keeping or reusing the engine's classification as `carry` says.
    pub async fn up_carrying(&self, db: &Database, progress: &Progress, carry: Carry<'_>) -> Result<UpRun, MigrationError> {
        let started = Instant::now();
        match self {
            MigrationDriver::Sql { set, statement_timeout, .. } => {
                let mut conn = db.connect().await?;
                limit(&mut conn, *statement_timeout, &set.rehearsed.up.path).await?;
                let outcome = run_file(&mut conn, &set.rehearsed.up).await?;
                let failure = outcome.failure.map(MigrationFailure::Statement);
                Ok(UpRun { failure, duration: started.elapsed(), batches: Vec::new(), longest_lock_ms: None, method: None, notes: Vec::new() })
            }
            MigrationDriver::Engine { options, .. } => {
                let mut options = options.clone();
                if let Carry::Reuse(schema) = carry {
                    options.reuse_classification = Some(schema.to_string());
                }
                let report = run_engine(db, &options, Step::Full, progress).await?;
                // The carry below is the rehearsal's work, not the migration's.
                let duration = started.elapsed();
                let longest_lock_ms = report.lock_held_ms.iter().map(|(_, ms)| *ms).reduce(f64::max);
                let notes = report.notes.clone();
                let failure = engine_failure(report);
                let mut conn = db.connect().await?;
                if let (Carry::Keep(schema), None) = (carry, &failure) {
                    // Only saves the re-run a scan: without it the re-run classifies again.
                    if let Err(error) = engine::carry_classification(&mut conn, schema).await {
                        tracing::warn!("the classification was not kept for the re-run, which classifies again: {error}");
                    }
                }
                let batches = engine::committed_batches(&mut conn).await?;
                let method = engine::open_method(&mut conn).await?;
                Ok(UpRun { failure, duration, batches, longest_lock_ms, method, notes })
            }
        }
    }

    pub async fn down(&self, db: &Database, progress: &Progress) -> Result<(Option<MigrationFailure>, Duration), MigrationError> {
        let started = Instant::now();
        let failure = match self {
            MigrationDriver::Sql { set, statement_timeout, .. } => {
                let down = set.rehearsed.down.as_ref().ok_or(MigrationError::NoDown)?;
                let mut conn = db.connect().await?;
                limit(&mut conn, *statement_timeout, &down.path).await?;
                run_file(&mut conn, down).await?.failure.map(MigrationFailure::Statement)
            }
            MigrationDriver::Engine { options, .. } => engine_failure(run_engine(db, options, Step::Rollback, progress).await?),
        };
        Ok((failure, started.elapsed()))
    }
}

async fn run_engine(db: &Database, options: &EngineOptions, step: Step, progress: &Progress) -> Result<engine::StepReport, MigrationError> {
    let mut engine = Engine::connect(&db.connect_options(), options.clone(), step, progress.clone()).await?;
    Ok(engine.run(step).await?)
}

/// The engine reports a blocked or failed step as data, with the findings that stopped it.
fn engine_failure(report: engine::StepReport) -> Option<MigrationFailure> {
    if !matches!(report.outcome, Outcome::Blocked | Outcome::ChecksFailed) {
        return None;
    }
    Some(MigrationFailure::EngineRefused { step: report.step, outcome: report.outcome, findings: report.findings })
}
