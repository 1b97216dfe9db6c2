//! The engine: connects, takes the run lock for steps that change anything, and runs a
//! step from the stored plan, resuming wherever an earlier run stopped.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Acquire, Connection};

use super::batch_sizer::{BatchSizer, FixedSize};
use super::error::EngineError;
use super::finding::RowFinding;
use super::log::{self, LogRecord};
use super::convert_method::{ConvertChoice, ConvertMethod};
use super::options::{EngineOptions, Step};
use super::facts::CatalogFacts;
use super::plan::Plan;
use super::planner::PlanError;
use super::progress::Progress;
use super::report::{Outcome, StepReport};
use super::run_lock::{endpoint, RunLock};
use super::{backup, batches, bookkeeping, carried_classification, catalog, classify, cleanup, planner, preflight, privileges, quarantine, quiet_triggers, rebuild, rollback, sessions, shadow, status, swap, validate};

pub struct Engine {
    conn: PgConnection,
    /// How to open more sessions (the rebuild fills two tables at once).
    connect: PgConnectOptions,
    /// Held for the engine's lifetime by steps that change the database; released by
    /// [`Engine::close`] (or, less promptly, when the engine is dropped).
    lock: Option<RunLock>,
    options: EngineOptions,
    progress: Progress,
    /// Sizes the batches of `convert`; `None` means `options.batch_size` for every batch.
    sizer: Option<Box<dyn BatchSizer>>,
}

impl Engine {
    /// Connects; takes the run lock when `step` changes the database.
    pub async fn connect(connect: &PgConnectOptions, options: EngineOptions, step: Step, progress: Progress) -> Result<Engine, EngineError> {
        let lock = if step.is_mutating() { Some(RunLock::acquire(connect).await?) } else { None };
        // No JIT in the engine's sessions: its scans are estimated far above their real
        // size (a cascade's correlated lookups: 78k rows planned, 126 found), so Postgres
        // compiled them, and the compiling cost more than it saved (a fifth of
        // `migrate full` at 1M rows here).
        let connect = connect.clone().options([("jit", "off")]);
        let conn = PgConnection::connect_with(&connect).await.map_err(|source| EngineError::Connect { endpoint: endpoint(&connect), source })?;
        Ok(Engine { conn, connect, lock, options, progress, sizer: None })
    }

    /// Lets `sizer` choose the size of every batch `convert` runs from now on, instead of
    /// the fixed `batch_size` of the options.
    pub fn set_batch_sizer(&mut self, sizer: Box<dyn BatchSizer>) {
        self.sizer = Some(sizer);
    }

    /// Ends the run: releases the run lock and closes both sessions, so the next run can
    /// start at once.
    pub async fn close(self) -> Result<(), EngineError> {
        let Engine { conn, lock, .. } = self;
        let closed = conn.close().await.map_err(EngineError::query("close the engine session"));
        if let Some(lock) = lock {
            lock.release().await?;
        }
        closed
    }

    /// A fresh plan from the catalog as it is now.
    pub async fn fresh_plan(&mut self) -> Result<Plan, EngineError> {
        let facts = catalog::read(&mut self.conn).await?;
        let mut plan = planner::build(&facts, &self.options.root, &self.options.relations, self.options.conversion.clone())?;
        match self.options.convert.fixed() {
            Some(ConvertMethod::Rebuild) => plan = self.rebuilt(&facts, plan).await?,
            Some(ConvertMethod::InPlace) => plan.method = ConvertMethod::InPlace,
            // `auto`: the rebuild, unless it refuses something in the tables.
            None => match self.rebuilt(&facts, plan.clone()).await {
                Ok(rebuilt) => plan = rebuilt,
                Err(EngineError::Plan(why)) => {
                    plan.method = ConvertMethod::InPlace;
                    plan.method_reason = Some(match why {
                        PlanError::CannotRebuild { table, what } => format!("the rebuild cannot carry {table}: {what}"),
                        other => other.to_string(),
                    });
                }
                Err(other) => return Err(other),
            },
        }
        privileges::check(&mut self.conn, &plan).await?;
        if plan.method == ConvertMethod::InPlace {
            quiet_triggers::check(&mut self.conn, &plan).await?;
        }
        Ok(plan)
    }

    /// `plan` converted by rebuild: what the rebuild moves besides, once it has checked
    /// that it can carry every planned table.
    async fn rebuilt(&mut self, facts: &CatalogFacts, mut plan: Plan) -> Result<Plan, EngineError> {
        plan.method = ConvertMethod::Rebuild;
        plan.rebuild = rebuild::rebuild_plan(facts, &plan)?;
        rebuild::check_refusals(&mut self.conn, &plan).await?;
        Ok(plan)
    }

    /// The open run's plan, or a fresh one if no run is open.
    pub async fn current_plan(&mut self) -> Result<Plan, EngineError> {
        match bookkeeping::open_run(&mut self.conn).await? {
            Some((_, plan)) => Ok(plan),
            None => self.fresh_plan().await,
        }
    }

    /// Plans and runs preflight without changing anything.
    pub async fn dry_run(&mut self, step: Step) -> Result<StepReport, EngineError> {
        let plan = self.current_plan().await?;
        let mut report = StepReport::new(step.name());
        let store = classify::session(&mut self.conn, &plan).await?;
        report.findings = preflight::run(&mut self.conn, store, &plan, &self.options.policies).await?;
        report.plan = Some(plan);
        report.outcome = Outcome::DryRun;
        Ok(report)
    }

    /// Runs `step`, shown as a progress step (start, end, heartbeat) except `status`.
    pub async fn run(&mut self, step: Step) -> Result<StepReport, EngineError> {
        let shown = (step != Step::Status).then(|| self.progress.step(step.name()));
        let report = self.run_step(step).await;
        if let (Some(shown), Ok(_)) = (&shown, &report) {
            shown.finish();
        }
        report
    }

    async fn run_step(&mut self, step: Step) -> Result<StepReport, EngineError> {
        if step != Step::Status {
            if let Some(run) = bookkeeping::completed_run(&mut self.conn).await? {
                if step == Step::Rollback {
                    return Err(EngineError::BackupRemoved);
                }
                let mut report = StepReport::new(step.name());
                report.outcome = Outcome::NothingToDo;
                report.notes.push(bookkeeping::completed_note(run));
                return Ok(report);
            }
        }
        match step {
            Step::ValidateSchema => self.validate_schema(true).await,
            Step::Backup => self.backup().await,
            Step::Convert => self.convert().await,
            Step::Validate => self.validate().await,
            Step::Cleanup => self.cleanup().await,
            Step::Status => {
                let mut report = StepReport::new("status");
                report.status = Some(status::read(&mut self.conn).await?);
                Ok(report)
            }
            Step::Rollback => self.rollback().await,
            Step::Full => self.full().await,
        }
    }

    async fn full(&mut self) -> Result<StepReport, EngineError> {
        let mut report = StepReport::new("full");
        // The data is classified once, by `backup`, after its change log is in place:
        // here `validate-schema` only plans.
        report.absorb(self.validate_schema(false).await?);
        for step in [Step::Backup, Step::Convert, Step::Validate] {
            let part = Box::pin(self.run(step)).await?;
            let stop = part.has_findings();
            report.absorb(part);
            if stop {
                break;
            }
        }
        Ok(report)
    }

    /// Plans and, when `classify` is set, classifies the data into the session store and
    /// reports every finding (read-only).
    async fn validate_schema(&mut self, classify: bool) -> Result<StepReport, EngineError> {
        let plan = self.current_plan().await?;
        let mut report = StepReport::new("validate-schema");
        if let Some((run, _)) = bookkeeping::open_run(&mut self.conn).await? {
            if log::is_completed(&mut self.conn, run, "policies", None).await? {
                // Past preflight: the policies were applied and the columns may already be
                // converted; checking the data again would compare the wrong types.
                report.notes.push(format!("run {run} has applied its policies; preflight is not repeated"));
                report.plan = Some(plan);
                return Ok(report);
            }
        }
        if classify {
            let store = classify::session(&mut self.conn, &plan).await?;
            report.findings = preflight::run(&mut self.conn, store, &plan, &self.options.policies).await?;
        }
        report.notes.push(format!(
            "{} tables, {} foreign keys, {} key constraints, {} indexes, {} views to migrate",
            plan.tables.len(),
            plan.foreign_keys.len(),
            plan.key_constraints.len(),
            plan.indexes.len(),
            plan.views.len()
        ));
        report.notes.push(match (&plan.method_reason, self.options.convert) {
            (Some(why), _) => format!("converted in place: {why}"),
            (None, ConvertChoice::Auto) => format!("converted by {} (chosen by `--convert auto`)", plan.method.name()),
            (None, _) => format!("converted by {}", plan.method.name()),
        });
        if report.findings.iter().any(RowFinding::blocks) {
            report.outcome = Outcome::Blocked;
        }
        report.plan = Some(plan);
        Ok(report)
    }

    /// The open run, or a new one whose plan is stored now, before anything changes.
    async fn open_or_start(&mut self) -> Result<(i64, Plan), EngineError> {
        if let Some(open) = bookkeeping::open_run(&mut self.conn).await? {
            return Ok(open);
        }
        let plan = self.fresh_plan().await?;
        bookkeeping::ensure(&mut self.conn).await?;
        let run = bookkeeping::start_run(&mut self.conn, &plan).await?;
        Ok((run, plan))
    }

    async fn backup(&mut self) -> Result<StepReport, EngineError> {
        let mut report = StepReport::new("backup");
        if let Some((run, _)) = bookkeeping::open_run(&mut self.conn).await? {
            if log::is_completed(&mut self.conn, run, "backup", None).await? {
                report.outcome = Outcome::NothingToDo;
                report.notes.push("the backup of this run already exists".into());
                return Ok(report);
            }
        }
        let (run, plan) = self.open_or_start().await?;
        shadow::install_delete_log(&mut self.conn, &plan, &self.options.retry).await?;
        let mut second = sessions::second_session(&self.connect, &plan).await?;
        let backed_up = self.classify_and_back_up(second.as_mut(), run, &plan, &mut report).await;
        sessions::close(second).await;
        for (table, rows) in backed_up? {
            report.notes.push(match plan.method {
                ConvertMethod::InPlace => format!("backed up {rows} rows of {table} (row count and checksum verified)"),
                ConvertMethod::Rebuild => format!("{table}: {rows} rows; the original table is kept as the backup until cleanup"),
            });
        }
        Ok(report)
    }

    /// The backup step's work on the engine's session and `second`: classifies, stops
    /// (leaving nothing behind) when a `fail` policy blocks the run, else backs up.
    /// Returns each table's rows backed up, none when blocked.
    async fn classify_and_back_up(&mut self, mut second: Option<&mut PgConnection>, run: i64, plan: &Plan, report: &mut StepReport) -> Result<Vec<(String, i64)>, EngineError> {
        if let Some(schema) = &self.options.reuse_classification {
            let restored = carried_classification::restore(&mut self.conn, schema, run, plan).await?;
            report.notes.push(restored.note(schema));
        }
        let store = classify::stored(&mut self.conn, second.as_deref_mut(), run, plan).await?;
        report.findings = preflight::run(&mut self.conn, store, plan, &self.options.policies).await?;
        if report.findings.iter().any(RowFinding::blocks) {
            rollback::run(&mut self.conn, run, plan, &self.options.retry).await?;
            report.outcome = Outcome::Blocked;
            return Ok(Vec::new());
        }
        backup::run(&mut self.conn, second, run, plan).await
    }

    async fn require(&mut self, step: &'static str, requires: &'static str) -> Result<(i64, Plan), EngineError> {
        let (run, plan) = bookkeeping::open_run(&mut self.conn).await?.ok_or(EngineError::StepOutOfOrder { step, requires })?;
        if !log::is_completed(&mut self.conn, run, requires, None).await? {
            return Err(EngineError::StepOutOfOrder { step, requires });
        }
        Ok((run, plan))
    }

    async fn convert(&mut self) -> Result<StepReport, EngineError> {
        let (run, plan) = self.require("convert", "backup").await?;
        let mut report = StepReport::new("convert");
        if log::is_completed(&mut self.conn, run, "convert", None).await? {
            report.outcome = Outcome::NothingToDo;
            return Ok(report);
        }
        let retry = self.options.retry;
        if !log::is_completed(&mut self.conn, run, "policies", None).await? {
            // Only to change nothing when a `fail` policy would stop the run: the
            // classification is brought up to date again inside the policies'
            // transaction below, after the sync trigger refuses rejected values.
            // When no policy can stop the run (quarantine everywhere), that check and its
            // refresh (a scan per changed reference) would find nothing.
            classify::stored(&mut self.conn, None, run, &plan).await?;
            if preflight::can_block(&self.options.policies) {
                let mut tx = Connection::begin(&mut self.conn).await.map_err(EngineError::query("BEGIN"))?;
                let store = classify::refresh(&mut tx, run, &plan).await?;
                report.findings = preflight::blocking(&mut tx, store, &plan, &self.options.policies).await?;
                tx.commit().await.map_err(EngineError::query("COMMIT"))?;
                if report.findings.iter().any(RowFinding::blocks) {
                    report.outcome = Outcome::Blocked;
                    return Ok(report);
                }
            }
            quarantine::prepare(&mut self.conn, &plan).await?; // before the shadow columns exist: `LIKE` copies columns
            // From here on a write the conversion rejects fails (and, rebuilding, every
            // written key is logged for the catch-up).
            match plan.method {
                ConvertMethod::InPlace => shadow::install(&mut self.conn, &plan, &retry).await?,
                ConvertMethod::Rebuild => rebuild::install_forward(&mut self.conn, &plan, &retry).await?,
            }
            let mut tx = Connection::begin(&mut self.conn).await.map_err(EngineError::query("BEGIN"))?;
            let store = classify::refresh(&mut tx, run, &plan).await?;
            let touched = quarantine::apply(&mut tx, run, store, &plan, &self.options.policies).await?;
            if touched.iter().any(RowFinding::blocks) {
                report.findings = touched;
                report.outcome = Outcome::Blocked;
                return Ok(report); // dropping `tx` rolls the policies back
            }
            let record = LogRecord { rows: Some(touched.len() as i64), ..Default::default() };
            log::record(tx.acquire().await.map_err(EngineError::query("acquire"))?, run, "policies", None, &record).await?;
            tx.commit().await.map_err(EngineError::query("COMMIT"))?;
            report.findings = touched;
        }
        shadow::drop_change_logs(&mut self.conn, &plan, &retry).await?;
        let mut fixed = FixedSize(self.options.batch_size.rows());
        let sizer: &mut dyn BatchSizer = match &mut self.sizer {
            Some(sizer) => sizer.as_mut(),
            None => &mut fixed,
        };
        match plan.method {
            ConvertMethod::InPlace => {
                for table in &plan.tables {
                    let rows = batches::convert_table(&mut self.conn, run, &plan, table, sizer, &retry, &self.progress).await?;
                    report.notes.push(format!("{}: {rows} rows converted", table.label()));
                }
                if !rollback::is_swapped(&mut self.conn, &plan).await? {
                    swap::prepare(&mut self.conn, &plan, &retry).await?;
                    let held = swap::swap(&mut self.conn, run, &plan, &retry).await?;
                    report.lock_held_ms.push(("swap".into(), held.as_secs_f64() * 1000.0));
                }
                swap::validate_foreign_keys(&mut self.conn, &plan, &retry).await?;
            }
            ConvertMethod::Rebuild => {
                // A second session fills a second table beside the first one, and after the
                // swap analyzes it and validates its foreign keys.
                let mut second = sessions::second_session(&self.connect, &plan).await?;
                let mut result = rebuild::convert(&mut self.conn, second.as_mut(), run, &plan, sizer, &retry, &self.progress, &mut report).await;
                if result.is_ok() {
                    result = rebuild::after_swap(&mut self.conn, second.as_mut(), run, &plan, &retry).await;
                }
                sessions::close(second).await;
                result?;
            }
        }
        log::record(&mut self.conn, run, "convert", None, &LogRecord::default()).await?;
        Ok(report)
    }

    async fn validate(&mut self) -> Result<StepReport, EngineError> {
        let (run, plan) = self.require("validate", "convert").await?;
        let mut report = StepReport::new("validate");
        let mut second = sessions::second_session(&self.connect, &plan).await?;
        let checks = validate::run(&mut self.conn, second.as_mut(), run, &plan).await;
        sessions::close(second).await;
        report.checks = checks?;
        let failed = report.checks.iter().filter(|c| !c.ok).count();
        let id = log::start(&mut self.conn, run, "validate", None).await?;
        let record = LogRecord { rows: Some(report.checks.len() as i64), message: Some(format!("{failed} checks failed")), ..Default::default() };
        log::finish(&mut self.conn, id, if failed == 0 { "completed" } else { "failed" }, &record).await?;
        if failed > 0 {
            report.outcome = Outcome::ChecksFailed;
        }
        Ok(report)
    }

    async fn cleanup(&mut self) -> Result<StepReport, EngineError> {
        let (run, plan) = self.require("cleanup", "validate").await?;
        let mut report = StepReport::new("cleanup");
        cleanup::run(&mut self.conn, run, &plan, &self.options.retry).await?;
        report.notes.push("dropped the original columns and the backup; rollback is no longer possible".into());
        Ok(report)
    }

    async fn rollback(&mut self) -> Result<StepReport, EngineError> {
        let mut report = StepReport::new("rollback");
        let Some((run, plan)) = bookkeeping::open_run(&mut self.conn).await? else {
            report.outcome = Outcome::NothingToDo;
            report.notes.push("no migration run is open; nothing to roll back".into());
            return Ok(report);
        };
        report.notes = rollback::run(&mut self.conn, run, &plan, &self.options.retry).await?;
        Ok(report)
    }
}
