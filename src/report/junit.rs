//! `junit.xml`: one testcase per check, so CI's test tab shows each invariant. A failing
//! check carries its findings (with examples) in its `<failure>` element. A run of many
//! scenarios gets one file with a testsuite per scenario.

use std::fmt::Write;

use super::escape::xml;
use super::model::Report;
use super::headline::{headline, showing};
use super::shorten::{before_after, example_line};
use crate::faults::{FaultOutcome, FaultResult};
use crate::verify::{CheckKind, CheckResult, CheckStatus};

pub fn render(report: &Report) -> String {
    let (tests, failed, errors, skipped) = counts(report);
    let time = secs(report.checks.iter().map(|c| c.duration).sum());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"pgrehearse\" tests=\"{tests}\" failures=\"{failed}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time}\">");
    render_suite(&mut out, report);
    out.push_str("</testsuites>\n");
    out
}

/// One `junit.xml` for a whole run: a testsuite per rehearsed scenario, and one with a
/// single skipped testcase per scenario that was not rehearsed, saying why.
pub fn render_run(reports: &[Report], not_rehearsed: &[(String, String)]) -> String {
    let (mut tests, mut failures, mut errors, mut skips) = (not_rehearsed.len(), 0, 0, not_rehearsed.len());
    for report in reports {
        let (cases, failed, errored, skipped) = counts(report);
        tests += cases;
        failures += failed;
        errors += errored;
        skips += skipped;
    }
    let time = secs(reports.iter().flat_map(|r| &r.checks).map(|c| c.duration).sum());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"pgrehearse\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skips}\" time=\"{time}\">");
    for report in reports {
        render_suite(&mut out, report);
    }
    for (scenario, why) in not_rehearsed {
        let name = xml(scenario);
        let _ = writeln!(out, "  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0.000\">");
        let _ = writeln!(out, "    <testcase classname=\"pgrehearse.{name}\" name=\"rehearsal\" time=\"0.000\">\n      <skipped message=\"{}\"/>\n    </testcase>", xml(why));
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A report's testcases: (tests, failures, errors, skipped), each check and each fault
/// one testcase, and the internal error one more.
fn counts(report: &Report) -> (usize, usize, usize, usize) {
    let (_, failed, skipped) = report.tally();
    let errors = usize::from(report.error.is_some());
    let faults_failed = report.faults.iter().filter(|f| f.outcome == FaultOutcome::Fail).count();
    let faults_skipped = report.faults.iter().filter(|f| f.outcome == FaultOutcome::NotRun).count();
    (report.checks.len() + report.faults.len() + errors, failed + faults_failed, errors, skipped + faults_skipped)
}

fn render_suite(out: &mut String, report: &Report) {
    let (tests, failed, errors, skipped) = counts(report);
    let time = secs(report.checks.iter().map(|c| c.duration).sum());
    let name = xml(&report.scenario);
    let _ = writeln!(out, "  <testsuite name=\"{name}\" tests=\"{tests}\" failures=\"{failed}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time}\">");
    if !report.notes.is_empty() {
        out.push_str("    <properties>\n");
        for note in &report.notes {
            let _ = writeln!(out, "      <property name=\"note\" value=\"{}\"/>", xml(note));
        }
        out.push_str("    </properties>\n");
    }
    for check in &report.checks {
        render_case(out, &name, check, report);
    }
    for fault in &report.faults {
        render_fault(out, &name, fault);
    }
    if let Some(error) = &report.error {
        let _ = writeln!(out, "    <testcase classname=\"pgrehearse.{name}\" name=\"internal-error\" time=\"0\">");
        let _ = writeln!(out, "      <error message=\"failed to {}\"/>", xml(error));
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n");
}

fn render_case(out: &mut String, suite: &str, check: &CheckResult, report: &Report) {
    let _ = writeln!(
        out,
        "    <testcase classname=\"pgrehearse.{suite}\" name=\"{}\" time=\"{}\">",
        check.check,
        secs(check.duration)
    );
    match check.status {
        CheckStatus::Pass => {}
        CheckStatus::Skip => {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", xml(&check.summary));
        }
        CheckStatus::Fail => {
            let message = headline(check);
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&message),
                check.check,
                xml(&failure_text(check))
            );
        }
    }
    let mut system_out = check.summary.clone();
    if let (CheckKind::UpChanges, Some(changes)) = (check.check, &report.up_changes) {
        system_out.push_str("\nWhat up changed:");
        for c in changes {
            let _ = write!(system_out, "\n  {}: {}", c.object, before_after(c.before.as_deref(), c.after.as_deref(), plain, plain));
        }
    }
    let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&system_out));
    out.push_str("    </testcase>\n");
}

/// A fault of `[faults]` as a testcase named `fault <name>`.
fn render_fault(out: &mut String, suite: &str, fault: &FaultResult) {
    let _ = writeln!(out, "    <testcase classname=\"pgrehearse.{suite}\" name=\"fault {}\" time=\"{}\">", xml(&fault.fault), secs(fault.duration));
    match fault.outcome {
        FaultOutcome::Pass => {}
        FaultOutcome::NotRun => {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", xml(&fault.detail));
        }
        FaultOutcome::Fail => {
            let _ = writeln!(out, "      <failure message=\"{}\" type=\"fault\">{}</failure>", xml(&fault.fault), xml(&fault.detail));
        }
    }
    let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&fault.detail));
    out.push_str("    </testcase>\n");
}

/// The findings as plain text, one block per finding with its examples.
fn failure_text(check: &CheckResult) -> String {
    let mut text = String::new();
    for f in &check.findings {
        let shown = showing(f).map(|s| format!(", {s}")).unwrap_or_default();
        let _ = writeln!(text, "{} [{}] {} ({} rows{shown})", check.check, f.table.as_deref().unwrap_or("-"), f.message, f.count);
        for e in &f.examples {
            let _ = writeln!(text, "  key {}: {}", e.key, example_line(e, plain, plain));
        }
    }
    text
}

fn plain(text: &str) -> String {
    text.to_string()
}

fn secs(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}
