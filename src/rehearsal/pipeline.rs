//! One scenario, end to end: seed a template, clone a pristine "before" and a "work"
//! database from it, migrate the work database, verify, roll back, verify against the
//! original, migrate again, and write the reports. Findings are data in the report.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use sqlx::PgConnection;

use super::error::RehearsalError;
use super::expected::expected_set_aside;
use super::reasons::{attach_engine_reasons, engine_nulled_rows};
use super::scope::{scopes, Scopes};
use crate::dataset::{self, GroundTruth, SeedObserver};
use crate::vocabulary::{Relation, TableName};
use crate::provision::{Database, Server, Template};
use crate::report::{self, Backend, Report, Timing, WrittenReports};
use crate::scenario::{Migration, Scenario};
use crate::verify::schema_snapshot::snapshot;
use crate::migration::{MigrationDriver, MigrationFailure, UpRun};
use crate::verify::{anomalies, conservation, content, references, rerun, rollback_identity, up_runs, CheckKind, CheckResult, CheckStatus, Scope};

pub struct RehearsalOptions {
    /// Reports go to `<out_dir>/<scenario name>/`.
    pub out_dir: PathBuf,
    /// Progress bars on stderr.
    pub progress: bool,
}

/// A finished rehearsal: its report and where it was written.
pub struct Rehearsed {
    pub report: Report,
    pub written: WrittenReports,
}

/// Records how long each phase took, in order.
struct Clock(Vec<Timing>);

impl Clock {
    fn lap(&mut self, phase: &str, started: Instant) {
        self.0.push(Timing { phase: phase.into(), duration: started.elapsed() });
    }
}

pub async fn rehearse(server: &Server, scenario: &Scenario, observer: &dyn SeedObserver, options: &RehearsalOptions) -> Result<Rehearsed, RehearsalError> {
    let mut clock = Clock(Vec::new());
    let started = Instant::now();
    let seeded = server.create_database().await?;
    let summary = {
        let mut conn = seeded.connect().await?;
        dataset::seed(&mut conn, scenario, observer).await?
    };
    // The references the database does not enforce, computed once: the engine converts
    // them, the references check follows them, the expected set-aside rows cascade on them.
    let declared = scenario.declared_relations(&summary.model).map_err(|e| RehearsalError::Invalid(e.to_string()))?;
    let relations: Vec<Relation> = declared.iter().map(Relation::from).collect();
    let driver = scenario.migration_driver(declared).ok_or_else(|| {
        RehearsalError::Invalid(format!(
            "{}: no [migration] section: name the built-in engine (engine = \"uuid\") or your up/down SQL",
            scenario.path.display()
        ))
    })?;
    let template = Template::freeze(server, seeded).await?;
    clock.lap("seed", started);

    let started = Instant::now();
    let before_db = template.clone_database().await?;
    let work_db = template.clone_database().await?;
    if let Some(failure) = driver.setup(&before_db).await?.or(driver.setup(&work_db).await?) {
        return Err(RehearsalError::Invalid(format!("an earlier migration failed during setup: {failure}")));
    }
    clock.lap("clone", started);

    let mut before = before_db.connect().await?;
    let mut work = work_db.connect().await?;
    let scopes = scopes(&driver);
    let mut checks: Vec<CheckResult> = Vec::new();
    let expectation = scenario.expect.up;

    let up = driver.up(&work_db, options.progress).await?;
    clock.0.push(Timing { phase: "migrate".into(), duration: up.duration });
    checks.push(up_runs::check(up.failure.as_ref(), &expectation, up.duration));

    let started = Instant::now();
    let mut tables = Vec::new();
    let mut quarantine_by_reason = Default::default();
    let mut first_after = None;
    if up.failure.is_none() {
        let work_snapshot = snapshot(&mut work, &scopes.after_up.snapshot_options()).await?;
        let (nulled, expected_changes) = engine_nulled_rows(&mut work, &work_snapshot).await;
        let after_up = Scope { expected_changes, ..scopes.after_up.clone() };
        let (conserved, counts) = conservation::check(&mut before, &mut work, &after_up).await?;
        checks.push(conserved);
        tables = counts;
        checks.push(content::check(&mut before, &mut work, &after_up).await?);
        checks.push(references::check(&mut work, &relations, &after_up).await?);
        let mut actual = anomalies::read_quarantined(&mut before, &mut work, &after_up).await?;
        attach_engine_reasons(&mut work, &work_snapshot, &mut actual).await;
        actual.extend(nulled);
        actual.sort();
        let expected = expected_rows(&mut before, scenario, &relations, &summary.truth, &scopes).await?;
        checks.push(anomalies::check(expected.as_deref(), &actual));
        quarantine_by_reason = anomalies::by_reason(&actual);
        first_after = Some(rerun::capture(&mut work, &after_up.snapshot_options()).await?);
    }
    clock.lap("verify", started);

    let (down_failure, down_duration) = driver.down(&work_db, options.progress).await?;
    clock.0.push(Timing { phase: "rollback".into(), duration: down_duration });
    let started = Instant::now();
    let identity = rollback_identity::check(&mut before, &mut work, &scopes.after_down).await?;
    checks.push(with_down_failure(identity, down_failure.as_ref()));
    clock.lap("verify rollback", started);

    if let Some(first) = &first_after {
        let again = driver.up(&work_db, options.progress).await?;
        let second = match &again.failure {
            None => Ok(rerun::capture(&mut work, &scopes.after_up.snapshot_options()).await?),
            Some(failure) => Err(failure.clone()),
        };
        checks.push(rerun::check(first, second.as_ref(), again.duration));
        clock.0.push(Timing { phase: "re-run".into(), duration: again.duration });
    }

    let report = build_report(scenario, server, &mut work, &work_db, &driver, checks, tables, quarantine_by_reason, &up, clock).await;
    let written = report::write_reports(&report, &options.out_dir.join(&scenario.name))?;
    // The report holds what a person needs; the next scenario needs the disk.
    drop((before, work));
    server.drop_database(before_db).await?;
    server.drop_database(work_db).await?;
    template.drop().await?;
    Ok(Rehearsed { report, written })
}

/// For the built-in engine, the rows it must set aside; `None` (not scored) for user SQL.
async fn expected_rows(
    before: &mut PgConnection,
    scenario: &Scenario,
    declared: &[Relation],
    truth: &GroundTruth,
    scopes: &Scopes,
) -> Result<Option<Vec<anomalies::SetAside>>, RehearsalError> {
    let Some(Migration::Builtin(builtin)) = &scenario.migration else { return Ok(None) };
    let snap = snapshot(before, &scopes.after_up.snapshot_options()).await?;
    let mut links: Vec<Relation> = references::foreign_keys(before).await?.into_iter().filter(Relation::is_single_column).collect();
    links.extend(declared.iter().cloned());
    let root = (TableName::parse(&builtin.root.table), builtin.root.column.clone());
    let mut converted: BTreeSet<(TableName, String)> = BTreeSet::from([root.clone()]);
    converted.extend(
        links.iter().filter(|l| (l.parent.clone(), l.parent_columns[0].clone()) == root).map(|l| (l.child.clone(), l.child_columns[0].clone())),
    );
    Ok(Some(expected_set_aside(before, &snap, truth, builtin, &converted, &links).await?))
}

#[allow(clippy::too_many_arguments)]
async fn build_report(
    scenario: &Scenario,
    server: &Server,
    work: &mut PgConnection,
    work_db: &Database,
    driver: &MigrationDriver,
    checks: Vec<CheckResult>,
    tables: Vec<conservation::TableCounts>,
    quarantine_by_reason: std::collections::BTreeMap<String, u64>,
    up: &UpRun,
    clock: Clock,
) -> Report {
    let server_version: String = sqlx::query_scalar("SHOW server_version").fetch_one(work).await.unwrap_or_default();
    let backend = Backend {
        kind: server.kind().to_string(),
        server_version,
        pgrehearse_version: env!("CARGO_PKG_VERSION").into(),
        database: work_db.display_url(),
        migration: driver.describe(),
    };
    let mut report = Report::new(&scenario.name, backend, checks);
    report.tables = tables;
    report.quarantine_by_reason = quarantine_by_reason;
    report.batches = up.batches.clone();
    report.timings = clock.0;
    report
}

/// A down that errors is itself a rollback-identity finding, naming the statement.
fn with_down_failure(mut identity: CheckResult, failure: Option<&MigrationFailure>) -> CheckResult {
    if let Some(failure) = failure {
        let mut finding = up_runs::failed(failure, "down failed");
        finding.check = CheckKind::RollbackIdentity;
        identity.findings.insert(0, finding);
        identity.status = CheckStatus::Fail;
    }
    identity
}
