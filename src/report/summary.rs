//! `summary.md` for a run of many scenarios: one line per scenario with its verdict and
//! the checks that failed, and the scenarios that were not rehearsed with why.

use std::fmt::Write;

use super::escape::markdown_cell as cell;
use super::headline::headline;
use super::model::{Report, Verdict};
use crate::verify::CheckStatus;

pub fn render(reports: &[Report], not_rehearsed: &[(String, String)]) -> String {
    let failed = reports.iter().filter(|r| r.verdict == Verdict::Fail).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# pgrehearse run: {} scenarios\n\n{} passed, {failed} failed, {} skipped\n",
        reports.len() + not_rehearsed.len(),
        reports.len() - failed,
        not_rehearsed.len()
    );
    out.push_str("| scenario | verdict | failed checks |\n|---|---|---|\n");
    for report in reports {
        let mut failing: Vec<String> = report
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .map(|c| format!("{}: {}", c.check, headline(c)))
            .collect();
        failing.extend(report.failed_faults().into_iter().map(|f| format!("fault {f}")));
        let _ = writeln!(out, "| {} | {} | {} |", cell(&report.scenario), report.verdict.label(), cell(&failing.join("; ")));
    }
    for (scenario, why) in not_rehearsed {
        let _ = writeln!(out, "| {} | SKIPPED | {} |", cell(scenario), cell(why));
    }
    out
}
