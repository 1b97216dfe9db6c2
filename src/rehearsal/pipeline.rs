//! `rehearse`: one scenario through its phases, into a report. Findings are data in the
//! report; an internal error stops the phases, and the report still says what ran. Each
//! phase (seed, up, verify, down, rerun) is a progress step, and the migration's own steps
//! inside it are labelled with it.

use std::path::PathBuf;

use super::error::RehearsalError;
use super::phases::Rehearsal;
use crate::progress::{Progress, SeedProgress, Step};
use crate::provision::Server;
use crate::report::{self, Backend, Report, WrittenReports};
use crate::scenario::Scenario;

pub struct RehearsalOptions {
    /// Reports go to `<out_dir>/<scenario name>/`.
    pub out_dir: PathBuf,
    /// Where the phases show their progress.
    pub progress: Progress,
    /// How long one statement of the user's SQL may run (`--statement-timeout`).
    pub statement_timeout: std::time::Duration,
}

/// A finished rehearsal: its report and where it was written.
pub struct Rehearsed {
    pub report: Report,
    pub written: WrittenReports,
}

pub async fn rehearse(server: &Server, scenario: &Scenario, options: &RehearsalOptions) -> Result<Rehearsed, RehearsalError> {
    let progress = &options.progress;
    let seed = progress.phase("seed");
    let shown = seed.step("");
    let observer = SeedProgress::new(seed.clone());
    let mut rehearsal = Rehearsal::seed(server, scenario, &observer, progress.phase("up"), options.statement_timeout).await?;
    drop(observer);
    shown.finish();
    let mut faults = Vec::new();
    let phases = async {
        let shown = enter(&mut rehearsal, progress, "up");
        rehearsal.up().await?;
        shown.finish();
        let shown = enter(&mut rehearsal, progress, "verify");
        rehearsal.check_after_up().await?;
        rehearsal.export_sqlite().await?;
        shown.finish();
        let shown = enter(&mut rehearsal, progress, "down");
        rehearsal.down_and_check().await?;
        shown.finish();
        let shown = enter(&mut rehearsal, progress, "rerun");
        let timed = rehearsal.timings.len();
        rehearsal.rerun().await?;
        // The re-run times itself only when it ran (not after a failed up, not when irreversible).
        if rehearsal.timings.len() == timed {
            shown.skip("nothing to re-run");
        } else {
            shown.finish();
        }
        if !rehearsal.scenario.faults.is_empty() {
            let shown = enter(&mut rehearsal, progress, "faults");
            faults = rehearsal.inject_faults().await?;
            shown.finish();
        }
        Ok::<(), RehearsalError>(())
    }
    .await;
    let mut report = build_report(&mut rehearsal, phases.err()).await;
    report.set_faults(faults);
    let written = report::write_reports(&report, &options.out_dir.join(&scenario.name))?;
    // The report holds what a person needs; the next scenario needs the disk.
    let Rehearsal { before, work, before_more, work_more, before_db, work_db, template, .. } = rehearsal;
    drop((before, work, before_more, work_more));
    server.drop_database(before_db).await?;
    server.drop_database(work_db).await?;
    template.drop().await?;
    Ok(Rehearsed { report, written })
}

/// Starts `phase`: its progress step, and the label the migration's steps inside it carry.
fn enter(rehearsal: &mut Rehearsal<'_>, progress: &Progress, phase: &str) -> Step {
    rehearsal.progress = progress.phase(phase);
    rehearsal.progress.step("")
}

/// The report of what ran; `error` is the internal error that stopped the phases.
async fn build_report(r: &mut Rehearsal<'_>, error: Option<RehearsalError>) -> Report {
    let server_version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut r.work).await.unwrap_or_default();
    let backend = Backend {
        kind: r.server.kind().to_string(),
        server_version,
        pgrehearse_version: env!("CARGO_PKG_VERSION").into(),
        database: r.work_db.display_url(),
        migration: r.driver.describe(r.up.as_ref().and_then(|up| up.method)),
    };
    let mut report = Report::new(&r.scenario.name, backend, std::mem::take(&mut r.checks));
    report.tables = std::mem::take(&mut r.tables);
    report.quarantine_by_reason = std::mem::take(&mut r.quarantine_by_reason);
    report.batches = r.batches();
    report.timings = std::mem::take(&mut r.timings);
    report.notes = std::mem::take(&mut r.notes);
    report.up_changes = r.up_changes.take();
    report.seed = Some(r.scenario.seed);
    if let Some(error) = error {
        report.set_internal_error(error.to_string());
    }
    report
}
