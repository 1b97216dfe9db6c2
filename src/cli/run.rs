//! `pgrehearse run SCENARIO...`: rehearse each scenario end to end on one disposable
//! server, write its reports, and exit 0 when every invariant holds, 1 on a finding, 4
//! when an internal error stopped a rehearsal (its report says which checks ran).

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use super::args::RunArgs;
use super::exit::{CliError, ExitCode};
use super::format::print_json;
use crate::progress::Progress;
use crate::provision;
use crate::report;
use crate::rehearsal::{self, RehearsalOptions, Shard};
use crate::report::{Verdict, WrittenReports};
use crate::scenario::Scenario;
use crate::verify::CheckStatus;

pub async fn run(args: RunArgs, progress: Progress) -> Result<ExitCode, CliError> {
    let paths = scenario_paths(&args.scenarios)?;
    let paths = match &args.shard {
        Some(shard) => shard.parse::<Shard>().map_err(CliError::Usage)?.select(&paths),
        None => paths,
    };
    // Every scenario is read and validated before anything is provisioned, so bad input
    // stops the run with nothing to clean up.
    let loaded = paths.iter().map(|(path, _)| Scenario::load(path)).collect::<Result<Vec<_>, _>>().map_err(|err| CliError::Usage(err.to_string()))?;
    let mut scenarios = Vec::new();
    let mut not_rehearsed = Vec::new();
    for (scenario, (_, is_from_directory)) in loaded.into_iter().zip(&paths) {
        match (&scenario.migration, is_from_directory) {
            (Some(_), _) => scenarios.push(scenario),
            // A directory holds datasets too; a file named on its own must be rehearsable.
            (None, true) => {
                println!("SKIPPED {}: seed-only (no [migration] section)", scenario.name);
                not_rehearsed.push((scenario.name.clone(), "seed-only: no [migration] section, nothing to rehearse".to_string()));
            }
            (None, false) => {
                return Err(CliError::Usage(format!(
                    "rehearse {}: it has no [migration] section, so there is nothing to rehearse; add `engine = \"uuid\"` or `up`/`down` files (or use `pgrehearse seed` for a dataset only)",
                    scenario.path.display()
                )))
            }
        }
    }
    if scenarios.is_empty() {
        report::write_run_reports(&[], &not_rehearsed, &args.out).map_err(anyhow::Error::from)?;
        if args.output.is_json() {
            print_json(&RunSummary { scenarios: Vec::new() })?;
        } else {
            println!("no scenario to rehearse on this shard");
        }
        return Ok(ExitCode::Success);
    }
    let server = provision::provision(&args.backend.provision_options()).await?;
    let mut options = RehearsalOptions { out_dir: args.out.clone(), progress: progress.clone(), statement_timeout: args.statement_timeout };
    let mut worst = ExitCode::Success;
    let mut reports = Vec::new();
    let mut summary = RunSummary { scenarios: Vec::new() };
    for scenario in &scenarios {
        let started = Instant::now();
        // Several scenarios in one log: each phase line names the scenario it belongs to.
        options.progress = if scenarios.len() > 1 { progress.scope(&scenario.name) } else { progress.clone() };
        let rehearsed = rehearsal::rehearse(&server, scenario, &options).await.map_err(|err| {
            if err.is_bad_input() {
                CliError::Usage(err.to_string())
            } else {
                CliError::Other(anyhow::anyhow!("rehearse {}: {err}", scenario.name))
            }
        })?;
        let report = &rehearsed.report;
        let mut failed: Vec<FailedCheck> = report
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .map(|c| FailedCheck {
                check: c.check.to_string(),
                message: c.findings.first().map(|f| f.message.clone()).unwrap_or_else(|| c.summary.clone()),
            })
            .collect();
        // A failed fault of `[faults]` fails the rehearsal, named like a check.
        let faults = report.faults.iter().filter(|f| f.outcome == crate::faults::FaultOutcome::Fail);
        failed.extend(faults.map(|f| FailedCheck { check: format!("fault {}", f.fault), message: f.detail.clone() }));
        if !args.output.is_json() {
            println!("{} {} in {:.1?} -> {}", report.verdict.label(), scenario.name, started.elapsed(), rehearsed.written.markdown.display());
            for check in &failed {
                println!("    {}: {}", check.check, check.message);
            }
        }
        if let Some(error) = &report.error {
            println!("    internal error: failed to {error}");
        }
        worst = worst.worst(match report.verdict {
            Verdict::Pass => ExitCode::Success,
            Verdict::Fail => ExitCode::Findings,
            Verdict::Error => ExitCode::Internal,
        });
        summary.scenarios.push(ScenarioOutcome {
            scenario: scenario.name.clone(),
            verdict: report.verdict,
            elapsed_ms: started.elapsed().as_millis() as u64,
            reports: rehearsed.written.clone(),
            failed,
        });
        reports.push(rehearsed.report);
    }
    let (summary_file, _) = report::write_run_reports(&reports, &not_rehearsed, &args.out).map_err(anyhow::Error::from)?;
    if args.output.is_json() {
        print_json(&summary)?;
    } else {
        println!("summary: {}", summary_file.display());
    }
    Ok(worst)
}

/// `run --format json`: one entry per scenario rehearsed, in order.
#[derive(Debug, Serialize)]
struct RunSummary {
    scenarios: Vec<ScenarioOutcome>,
}

#[derive(Debug, Serialize)]
struct ScenarioOutcome {
    scenario: String,
    verdict: Verdict,
    elapsed_ms: u64,
    /// Where the four reports were written.
    reports: WrittenReports,
    failed: Vec<FailedCheck>,
}

/// A failing check and its first finding (or its summary), as the text output prints it.
#[derive(Debug, Serialize)]
struct FailedCheck {
    check: String,
    message: String,
}

/// Files as given; a directory stands for the `*.toml` files in it. Each path says
/// whether it came from a directory.
fn scenario_paths(given: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, CliError> {
    let mut paths = Vec::new();
    for path in given {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| CliError::Usage(format!("read scenario directory {}: {e}", path.display())))?;
            let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
            found.sort();
            paths.extend(found.into_iter().map(|p| (p, true)));
        } else {
            paths.push((path.clone(), false));
        }
    }
    Ok(paths)
}
