//! What every fault needs: the server, the seeded template to clone, the scenario (the
//! engine child reads its `[migration]`), how to read a migrated and a restored state, and
//! the states an uninterrupted run reaches, computed once on clones of their own.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::PgConnection;

use super::engine_child::EngineCommand;
use super::error::FaultError;
use super::outcome::{FaultOutcome, FaultResult};
use crate::provision::{Database, Server, Template};
use crate::scenario::{BuiltinMigration, Migration, Scenario};
use crate::verify::schema_snapshot::SnapshotOptions;
use crate::verify::state::DatabaseState;
use crate::vocabulary::Intent;

pub struct FaultContext<'a> {
    pub server: &'a Server,
    pub template: &'a Template<'a>,
    pub scenario: &'a Scenario,
    /// Reads the state after up: the engine's log and backup left out, quarantine kept.
    pub migrated: SnapshotOptions,
    /// Reads the state after rollback: only the dataset's ground truth left out.
    pub restored: SnapshotOptions,
    /// Volatile columns are left out of the fingerprints of migrated states.
    pub intent: &'a Intent,
    /// Where the engine children's stderr files go (removed with it).
    pub log_dir: PathBuf,
}

/// The states an uninterrupted run reaches from the seeded database.
pub struct Expected {
    /// Before anything ran, read as a rollback's result is.
    pub pristine: DatabaseState,
    /// After `migrate full`.
    pub full: DatabaseState,
    /// After `migrate full` and `migrate cleanup`.
    pub cleaned: DatabaseState,
}

/// A fault's verdict before it is timed and named.
pub type Verdict = (FaultOutcome, String);

pub fn pass(detail: impl Into<String>) -> Verdict {
    (FaultOutcome::Pass, detail.into())
}

pub fn fail(detail: impl Into<String>) -> Verdict {
    (FaultOutcome::Fail, detail.into())
}

pub fn not_run(detail: impl Into<String>) -> Verdict {
    (FaultOutcome::NotRun, detail.into())
}

pub fn timed(fault: &str, verdict: Verdict, duration: Duration) -> FaultResult {
    FaultResult::new(fault, verdict.0, verdict.1, duration)
}

impl FaultContext<'_> {
    pub fn builtin(&self) -> Result<&BuiltinMigration, FaultError> {
        match &self.scenario.migration {
            Some(Migration::Builtin(builtin)) => Ok(builtin),
            _ => Err(FaultError::Harness("[faults] apply to the built-in engine only (refused at load)".into())),
        }
    }

    pub fn engine(&self, db: &Database) -> Result<EngineCommand, FaultError> {
        EngineCommand::new(db, &self.scenario.path, &self.log_dir)
    }

    pub async fn migrated_state(&self, conn: &mut PgConnection) -> Result<DatabaseState, FaultError> {
        let state = DatabaseState::capture(conn, &self.migrated).await?;
        Ok(crate::verify::rerun::comparable(conn, state, self.intent).await?)
    }

    pub async fn restored_state(&self, conn: &mut PgConnection) -> Result<DatabaseState, FaultError> {
        Ok(DatabaseState::capture(conn, &self.restored).await?)
    }

    /// Runs the migration uninterrupted on a clone: `Err(why)` when it does not complete,
    /// for then no fault has anything to be compared with.
    pub async fn expected(&self) -> Result<Result<Expected, String>, FaultError> {
        let db = self.template.clone_database().await?;
        let result = self.expected_on(&db).await;
        self.server.drop_database(db).await?;
        result
    }

    async fn expected_on(&self, db: &Database) -> Result<Result<Expected, String>, FaultError> {
        let engine = self.engine(db)?;
        let mut conn = db.connect().await?;
        let pristine = self.restored_state(&mut conn).await?;
        let full = engine.run("full").await?;
        if !full.succeeded() {
            return Ok(Err(format!("the migration does not complete uninterrupted, so there is nothing to compare with (`migrate full`: {})", full.describe())));
        }
        let full = self.migrated_state(&mut conn).await?;
        let cleanup = engine.run("cleanup").await?;
        if !cleanup.succeeded() {
            return Ok(Err(format!("`migrate cleanup` does not complete uninterrupted ({})", cleanup.describe())));
        }
        let cleaned = self.migrated_state(&mut conn).await?;
        Ok(Ok(Expected { pristine, full, cleaned }))
    }
}
