//! `rehearse`: one scenario through its phases, into a report. Findings are data in the
//! report; an internal error stops the phases, and the report still says what ran.

use std::path::PathBuf;

use super::error::RehearsalError;
use super::phases::Rehearsal;
use crate::dataset::SeedObserver;
use crate::provision::Server;
use crate::report::{self, Backend, Report, WrittenReports};
use crate::scenario::Scenario;

pub struct RehearsalOptions {
    /// Reports go to `<out_dir>/<scenario name>/`.
    pub out_dir: PathBuf,
    /// Progress bars on stderr.
    pub progress: bool,
    /// How long one statement of the user's SQL may run (`--statement-timeout`).
    pub statement_timeout: std::time::Duration,
}

/// A finished rehearsal: its report and where it was written.
pub struct Rehearsed {
    pub report: Report,
    pub written: WrittenReports,
}

pub async fn rehearse(server: &Server, scenario: &Scenario, observer: &dyn SeedObserver, options: &RehearsalOptions) -> Result<Rehearsed, RehearsalError> {
    let mut rehearsal = Rehearsal::seed(server, scenario, observer, options.progress, options.statement_timeout).await?;
    let phases = async {
        rehearsal.up().await?;
        rehearsal.check_after_up().await?;
        rehearsal.down_and_check().await?;
        rehearsal.rerun().await
    }
    .await;
    let report = build_report(&mut rehearsal, phases.err()).await;
    let written = report::write_reports(&report, &options.out_dir.join(&scenario.name))?;
    // The report holds what a person needs; the next scenario needs the disk.
    let Rehearsal { before, work, before_db, work_db, template, .. } = rehearsal;
    drop((before, work));
    server.drop_database(before_db).await?;
    server.drop_database(work_db).await?;
    template.drop().await?;
    Ok(Rehearsed { report, written })
}

/// The report of what ran; `error` is the internal error that stopped the phases.
async fn build_report(r: &mut Rehearsal<'_>, error: Option<RehearsalError>) -> Report {
    let server_version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut r.work).await.unwrap_or_default();
    let backend = Backend {
        kind: r.server.kind().to_string(),
        server_version,
        pgrehearse_version: env!("CARGO_PKG_VERSION").into(),
        database: r.work_db.display_url(),
        migration: r.driver.describe(),
    };
    let mut report = Report::new(&r.scenario.name, backend, std::mem::take(&mut r.checks));
    report.tables = std::mem::take(&mut r.tables);
    report.quarantine_by_reason = std::mem::take(&mut r.quarantine_by_reason);
    report.batches = r.batches();
    report.timings = std::mem::take(&mut r.timings);
    report.up_changes = r.up_changes.take();
    report.seed = Some(r.scenario.seed);
    if let Some(error) = error {
        report.set_internal_error(error.to_string());
    }
    report
}
