//! The phases of one rehearsal, each a method on [`Rehearsal`]: seed a template and
//! clone a pristine "before" and a "work" database from it, migrate up, check the state
//! up reached, migrate down, check the state down reached against the original, migrate
//! up again, and report. Each database state is read once, when it is reached. An
//! up-only migration skips the rollback (a note at the top of the report says so), and it
//! and an irreversible one run up again on a fresh clone of the seeded database.

use std::time::Instant;

use sqlx::PgConnection;

use super::error::RehearsalError;
use super::expected::expected_rows;
use super::intent::resolve_intent;
use super::reasons::{attach_engine_reasons, engine_nulled_rows};
use super::scope::{scopes, Scopes};
use crate::dataset::{self, GroundTruth, SeedObserver};
use crate::dataset::truth::TRUTH_SCHEMA;
use crate::engine::REUSED_CLASSIFICATION_NOTE;
use crate::migration::{Carry, MigrationDriver, MigrationFailure, UpRun};
use crate::progress::Progress;
use crate::provision::{Database, Server, Template};
use crate::report::{Batch, Timing};
use crate::scenario::Scenario;
use crate::verify::registry::{self, AFTER_DOWN, AFTER_UP};
use crate::verify::schema_snapshot::SnapshotOptions;
use crate::verify::state::DatabaseState;
use crate::verify::{anomalies, conservation, down_runs, rerun, up_runs, CheckKind, CheckResult, CheckStatus, Context, Scope};
use crate::vocabulary::{ExpectedOutcome, Intent, Relation};

/// Everything a rehearsal holds between its phases.
pub struct Rehearsal<'s> {
    pub(super) server: &'s Server,
    pub(super) scenario: &'s Scenario,
    /// Where the migration's own steps show, labelled with the phase that runs them.
    pub(super) progress: Progress,
    pub(super) driver: MigrationDriver,
    pub(super) scopes: Scopes,
    /// The references the database does not enforce, computed once from the dataset.
    pub(super) declared: Vec<Relation>,
    /// What up changes on purpose (`[expect] rows_added`, ...), resolved once.
    pub(super) intent: Intent,
    pub(super) truth: GroundTruth,
    pub(super) template: Template<'s>,
    pub(super) before_db: Database,
    pub(super) work_db: Database,
    pub(super) before: PgConnection,
    pub(super) work: PgConnection,
    /// More connections to each database, so that checks read independent tables in
    /// parallel ([`MORE_CONNECTIONS`] each).
    pub(super) before_more: Vec<PgConnection>,
    pub(super) work_more: Vec<PgConnection>,
    /// The state of the before database, read once.
    pub(super) original: DatabaseState,
    /// The state the first up reached, for the re-run (fingerprinted without the volatile
    /// columns); `None` when up failed.
    pub(super) after_up: Option<DatabaseState>,
    pub(super) up: Option<UpRun>,
    pub(super) checks: Vec<CheckResult>,
    pub(super) tables: Vec<conservation::TableCounts>,
    pub(super) quarantine_by_reason: std::collections::BTreeMap<String, u64>,
    /// What the first up changed in the schema; `None` when up did not complete.
    pub(super) up_changes: Option<Vec<crate::verify::schema_diff::SchemaChange>>,
    pub(super) timings: Vec<Timing>,
    /// Lines for the top of every report, such as a rollback skipped for want of a down.
    pub(super) notes: Vec<String>,
}

impl<'s> Rehearsal<'s> {
    /// Seed: the dataset into a template, then the before and work clones, with any
    /// setup migrations applied to both and the original state read.
    pub async fn seed(server: &'s Server, scenario: &'s Scenario, observer: &dyn SeedObserver, progress: Progress, statement_timeout: std::time::Duration) -> Result<Rehearsal<'s>, RehearsalError> {
        let mut timings = Vec::new();
        let started = Instant::now();
        let seeded = server.create_database().await?;
        let summary = {
            let mut conn = seeded.connect().await?;
            dataset::seed_parallel(&mut conn, &seeded.connect_options(), dataset::default_streams(), scenario, dataset::SchemaSetup::Create, observer).await?
        };
        // Computed once: the engine converts them, the references check follows them,
        // the expected set-aside rows cascade on them.
        let declared_columns = scenario.declared_relations(&summary.model).map_err(|e| RehearsalError::Invalid(e.to_string()))?;
        let declared: Vec<Relation> = declared_columns.iter().map(Relation::from).collect();
        let driver = scenario.migration_driver(declared_columns).ok_or_else(|| {
            RehearsalError::Invalid(format!(
                "{}: no [migration] section: name the built-in engine (engine = \"uuid\") or your up/down SQL",
                scenario.path.display()
            ))
        })?
        .with_statement_timeout(statement_timeout);
        let template = Template::freeze(server, seeded).await?;
        lap(&mut timings, "seed", started);

        let started = Instant::now();
        let before_db = template.clone_database().await?;
        let work_db = template.clone_database().await?;
        if let Some(failure) = driver.setup(&before_db).await?.or(driver.setup(&work_db).await?) {
            return Err(RehearsalError::Invalid(format!("an earlier migration failed during setup: {failure}")));
        }
        let mut before = before_db.connect().await?;
        let work = work_db.connect().await?;
        let mut before_more = more_connections(&before_db).await?;
        let work_more = more_connections(&work_db).await?;
        let original = DatabaseState::capture_on(&mut before, &mut before_more, &SnapshotOptions::default()).await?;
        let intent = resolve_intent(scenario, &summary.model, &original.schema).map_err(|e| RehearsalError::Invalid(e.to_string()))?;
        lap(&mut timings, "clone", started);
        Ok(Rehearsal {
            server,
            scenario,
            progress,
            scopes: scopes(&driver),
            driver,
            declared,
            intent,
            truth: summary.truth,
            template,
            before_db,
            work_db,
            before,
            work,
            before_more,
            work_more,
            original,
            after_up: None,
            up: None,
            checks: Vec::new(),
            tables: Vec::new(),
            quarantine_by_reason: Default::default(),
            up_changes: None,
            timings,
            notes: Vec::new(),
        })
    }

    /// Up: the migration runs on the work database; `up-runs` scores how it ran.
    pub async fn up(&mut self) -> Result<(), RehearsalError> {
        // The re-run after down may reuse the classification of the data (see `rerun`).
        let carry = if self.reruns_after_down() { Carry::Keep(TRUTH_SCHEMA) } else { Carry::Nothing };
        let up = self.driver.up_carrying(&self.work_db, &self.progress, carry).await?;
        self.timings.push(Timing { phase: "migrate".into(), duration: up.duration });
        self.checks.push(up_runs::check(up.failure.as_ref(), &self.scenario.expect.up, up.duration));
        self.up = Some(up);
        Ok(())
    }

    /// Checks after up, on the state up reached (read once); none when up failed.
    pub async fn check_after_up(&mut self) -> Result<(), RehearsalError> {
        let started = Instant::now();
        if self.up.as_ref().is_some_and(|up| up.failure.is_none()) {
            self.check_state_after_up().await?;
        }
        lap(&mut self.timings, "verify", started);
        Ok(())
    }

    async fn check_state_after_up(&mut self) -> Result<(), RehearsalError> {
        let reached = DatabaseState::capture_on(&mut self.work, &mut self.work_more, &self.scopes.after_up.snapshot_options()).await?;
        let (nulled, expected_changes) = engine_nulled_rows(&mut self.work, &reached.schema).await?;
        let scope = Scope { expected_changes, ..self.scopes.after_up.clone() };
        let expected = expected_rows(&mut self.before, self.scenario, &self.original.schema, &self.declared, &self.truth).await?;
        let mut ctx = Context::new(&mut self.before, &mut self.work, &self.original, &reached, &scope);
        (ctx.before_more, ctx.after_more) = (&mut self.before_more[..], &mut self.work_more[..]);
        ctx.declared = self.declared.clone();
        ctx.intent = self.intent.clone();
        ctx.expected_set_aside = expected;
        let mut actual = anomalies::read_quarantined(&mut ctx).await?;
        attach_engine_reasons(&mut *ctx.after, &reached.schema, &mut actual).await?;
        actual.extend(nulled);
        actual.sort();
        ctx.set_aside = actual;
        let phase = registry::run_phase(AFTER_UP, &mut ctx).await;
        self.tables = std::mem::take(&mut ctx.table_counts);
        self.quarantine_by_reason = anomalies::by_reason(&ctx.set_aside);
        self.up_changes = ctx.up_changes.take();
        self.checks.extend(phase.results);
        if let Some(error) = phase.error {
            return Err(error.into());
        }
        self.after_up = Some(rerun::comparable(&mut self.work, reached, &self.intent).await?);
        Ok(())
    }

    /// Down, then the checks on the state it reached, against the original. Without a
    /// down, rollback identity is skipped, and the report says so at the top.
    pub async fn down_and_check(&mut self) -> Result<(), RehearsalError> {
        if !self.driver.has_down() {
            let up = self.driver.up_file().unwrap_or_default();
            let reason = format!("not run: the migration has no down ({up} is up-only)");
            self.notes.push(format!("rollback-identity skipped: the migration has no down ({up} is up-only); up ran again on a fresh clone for the re-run"));
            self.checks.push(CheckResult::skip(CheckKind::RollbackIdentity, reason));
            return Ok(());
        }
        let (failure, duration) = self.driver.down(&self.work_db, &self.progress).await?;
        self.timings.push(Timing { phase: "rollback".into(), duration });
        let started = Instant::now();
        if self.is_irreversible() {
            self.notes.push("rollback-identity not compared: [expect] down = \"fail\" declares the migration irreversible (its down must fail); up ran again on a fresh clone for the re-run".to_string());
            self.checks.push(down_runs::check_irreversible(failure.as_ref(), duration));
            lap(&mut self.timings, "verify rollback", started);
            return Ok(());
        }
        let scope = self.scopes.after_down.clone();
        let reached = DatabaseState::capture_on(&mut self.work, &mut self.work_more, &scope.snapshot_options()).await?;
        let mut ctx = Context::new(&mut self.before, &mut self.work, &self.original, &reached, &scope);
        (ctx.before_more, ctx.after_more) = (&mut self.before_more[..], &mut self.work_more[..]);
        let phase = registry::run_phase(AFTER_DOWN, &mut ctx).await;
        let mut results = phase.results;
        if let Some(identity) = results.iter_mut().find(|c| c.check == CheckKind::RollbackIdentity) {
            with_down_failure(identity, failure.as_ref());
        }
        self.checks.extend(results);
        if let Some(error) = phase.error {
            return Err(error.into());
        }
        lap(&mut self.timings, "verify rollback", started);
        Ok(())
    }

    /// Up again: after down, or, when there is no down to undo the first up (up-only or
    /// irreversible), on a fresh clone of the seeded database. It must succeed and reach the
    /// state the first up reached, volatile columns aside.
    pub async fn rerun(&mut self) -> Result<(), RehearsalError> {
        let Some(first) = self.after_up.take() else { return Ok(()) };
        let fresh = !self.reruns_after_down();
        let (again, second) = match fresh {
            true => self.up_on_fresh_clone().await?,
            false => {
                // Rollback identity passed: every row is as the first up found it, so the
                // classification that up kept still holds.
                let restored = self.checks.iter().any(|c| c.check == CheckKind::RollbackIdentity && c.status == CheckStatus::Pass);
                let carry = if restored { Carry::Reuse(TRUTH_SCHEMA) } else { Carry::Nothing };
                let again = self.driver.up_carrying(&self.work_db, &self.progress, carry).await?;
                let second = self.reached_by(&again, &mut None).await?;
                (again, second)
            }
        };
        let on = if fresh { rerun::On::FreshClone } else { rerun::On::AfterDown };
        let mut check = rerun::check_declared(&first, second.as_ref(), again.duration, &self.intent, on);
        if again.notes.iter().any(|n| n.contains(REUSED_CLASSIFICATION_NOTE)) {
            check.summary.push_str("; the first up's classification of the data was reused, since rollback identity showed every row unchanged");
        }
        self.checks.push(check);
        self.timings.push(Timing { phase: "re-run".into(), duration: again.duration });
        Ok(())
    }

    /// Up on a new clone of the template (setup migrations applied first), then dropped.
    async fn up_on_fresh_clone(&mut self) -> Result<(UpRun, Result<DatabaseState, MigrationFailure>), RehearsalError> {
        let db = self.template.clone_database().await?;
        let result: Result<_, RehearsalError> = async {
            if let Some(failure) = self.driver.setup(&db).await? {
                return Err(RehearsalError::Invalid(format!("an earlier migration failed during setup of the re-run's clone: {failure}")));
            }
            let again = self.driver.up(&db, &self.progress).await?;
            let mut conn = Some(db.connect().await?);
            let second = self.reached_by(&again, &mut conn).await?;
            Ok((again, second))
        }
        .await;
        self.server.drop_database(db).await?;
        result
    }

    /// The state a second up reached, read on `conn` (the work database when `None`), or
    /// how it failed.
    async fn reached_by(&mut self, again: &UpRun, conn: &mut Option<PgConnection>) -> Result<Result<DatabaseState, MigrationFailure>, RehearsalError> {
        if let Some(failure) = &again.failure {
            return Ok(Err(failure.clone()));
        }
        let options = self.scopes.after_up.snapshot_options();
        let (conn, more) = match conn.as_mut() {
            Some(conn) => (conn, &mut [] as &mut [PgConnection]),
            None => (&mut self.work, &mut self.work_more[..]),
        };
        let state = DatabaseState::capture_on(conn, more, &options).await?;
        Ok(Ok(rerun::comparable(conn, state, &self.intent).await?))
    }

    /// Whether up runs again on the work database after down (else on a fresh clone).
    fn reruns_after_down(&self) -> bool {
        self.driver.has_down() && !self.is_irreversible()
    }

    /// `[expect] down = "fail"`: the down must fail, and its state is not compared with the
    /// original.
    fn is_irreversible(&self) -> bool {
        self.scenario.expect.down == ExpectedOutcome::Fail
    }

    /// The engine's batches of the first up, for the report's chart.
    pub(super) fn batches(&self) -> Vec<Batch> {
        self.up.as_ref().map(|up| up.batches.clone()).unwrap_or_default()
    }
}

/// How many connections a rehearsal opens to each database beyond its first: two in all
/// keep both cores of a small machine busy while one reads a table through a cast helper,
/// which Postgres cannot spread over parallel workers.
pub const MORE_CONNECTIONS: usize = 1;

async fn more_connections(db: &Database) -> Result<Vec<PgConnection>, RehearsalError> {
    let mut more = Vec::with_capacity(MORE_CONNECTIONS);
    for _ in 0..MORE_CONNECTIONS {
        more.push(db.connect().await?);
    }
    Ok(more)
}

fn lap(timings: &mut Vec<Timing>, phase: &str, started: Instant) {
    timings.push(Timing { phase: phase.into(), duration: started.elapsed() });
}

/// A down that errors is itself a rollback-identity finding, naming the statement.
fn with_down_failure(identity: &mut CheckResult, failure: Option<&MigrationFailure>) {
    if let Some(failure) = failure {
        let mut finding = up_runs::failed(failure, "down failed");
        finding.check = CheckKind::RollbackIdentity;
        identity.findings.insert(0, finding);
        identity.status = CheckStatus::Fail;
    }
}
