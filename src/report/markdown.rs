//! `report.md`, for people: the verdict first, then a table per check, then row counts and
//! quarantine, with timings in a section of their own at the end (the only part that
//! changes from run to run).

use std::fmt::Write;

use super::escape::{markdown_cell as cell, ms};
use super::headline::{headline, showing};
use super::shorten::{before_after, example_line};
use super::model::Report;
use crate::faults::FaultOutcome;
use crate::verify::{CheckResult, CheckStatus, Finding};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let (passed, failed, skipped) = report.tally();
    let _ = writeln!(out, "# pgrehearse: {}\n", report.scenario);
    let _ = writeln!(
        out,
        "**Verdict: {}** ({passed} passed, {failed} failed, {skipped} skipped)\n",
        report.verdict.label()
    );
    for note in &report.notes {
        let _ = writeln!(out, "> **Note**: {}\n", cell(note));
    }
    if let Some(error) = &report.error {
        let _ = writeln!(out, "**Internal error**: failed to {}. The checks below are those that ran before it.\n", cell(error));
    }
    let _ = writeln!(out, "| check | status | summary |\n|---|---|---|");
    for check in &report.checks {
        let _ = writeln!(out, "| {} | {} | {} |", check.check, status(check.status), cell(&headline(check)));
    }
    out.push_str("\n## Checks\n");
    for check in &report.checks {
        render_check(&mut out, check);
    }
    render_faults(&mut out, report);
    render_up_changes(&mut out, report);
    render_tables(&mut out, report);
    render_backend(&mut out, report);
    render_timings(&mut out, report);
    out
}

/// Each fault of `[faults]` with its outcome and what happened.
fn render_faults(out: &mut String, report: &Report) {
    if report.faults.is_empty() {
        return;
    }
    let failed = report.failed_faults();
    let _ = writeln!(out, "\n## Faults\n\n{} faults injected, {} failed{}.\n", report.faults.len(), failed.len(), if failed.is_empty() { String::new() } else { format!(": {}", failed.join(", ")) });
    out.push_str("| fault | outcome | detail |\n|---|---|---|\n");
    for f in &report.faults {
        let outcome = match f.outcome {
            FaultOutcome::Fail => "**FAIL**",
            other => other.label(),
        };
        let _ = writeln!(out, "| {} | {outcome} | {} |", cell(&f.fault), cell(&f.detail));
    }
}

fn status(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "pass",
        CheckStatus::Fail => "**FAIL**",
        CheckStatus::Skip => "skip",
    }
}

fn render_check(out: &mut String, check: &CheckResult) {
    let _ = writeln!(out, "\n### {}: {}\n\n{}", check.check, status(check.status), cell(&headline(check)));
    if check.findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nChecked: {}", cell(&check.summary));
    let _ = writeln!(out, "\n| table | finding | rows |\n|---|---|---|");
    for f in &check.findings {
        let _ = writeln!(out, "| {} | {} | {} |", cell(f.table.as_deref().unwrap_or("-")), cell(&f.message), f.count);
    }
    for f in check.findings.iter().filter(|f| !f.examples.is_empty()) {
        render_examples(out, f);
    }
}

fn render_examples(out: &mut String, f: &Finding) {
    let shown = showing(f).map(|s| format!(" ({s})")).unwrap_or_default();
    let _ = writeln!(
        out,
        "\n{}examples: {}{shown}\n",
        f.table.as_deref().map(|t| format!("`{t}` ")).unwrap_or_default(),
        cell(&f.message)
    );
    let _ = writeln!(out, "| key | change |\n|---|---|");
    for e in &f.examples {
        let _ = writeln!(out, "| {} | {} |", cell(&e.key), example_line(e, cell, bold));
    }
}

/// A marked difference in Markdown: bold.
fn bold(text: &str) -> String {
    format!("**{}**", cell(text).replace('*', "\\*"))
}

/// What up changed, each object before → after; nothing when up did not complete.
fn render_up_changes(out: &mut String, report: &Report) {
    let Some(changes) = &report.up_changes else { return };
    out.push_str("\n## What up changed\n\n");
    if changes.is_empty() {
        out.push_str("Up changed nothing in the schema.\n");
        return;
    }
    out.push_str("| object | before → after |\n|---|---|\n");
    for c in changes {
        let _ = writeln!(out, "| {} | {} |", cell(&c.object), before_after(c.before.as_deref(), c.after.as_deref(), cell, bold));
    }
}

fn render_tables(out: &mut String, report: &Report) {
    if !report.tables.is_empty() {
        out.push_str("\n## Rows per table\n\n| table | before | after | quarantined |\n|---|---:|---:|---:|\n");
        for t in &report.tables {
            let after = t.after.map(|a| a.to_string()).unwrap_or_else(|| "(dropped)".to_string());
            let _ = writeln!(out, "| {} | {} | {after} | {} |", cell(&t.table), t.before, t.quarantined);
        }
    }
    if !report.quarantine_by_reason.is_empty() {
        out.push_str("\n## Quarantine by reason\n\n| reason | rows |\n|---|---:|\n");
        for (reason, rows) in &report.quarantine_by_reason {
            let _ = writeln!(out, "| {} | {rows} |", cell(reason));
        }
    }
}

fn render_backend(out: &mut String, report: &Report) {
    let b = &report.backend;
    let _ = writeln!(
        out,
        "\n## Backend\n\n- backend: {}\n- PostgreSQL: {}\n- pgrehearse: {}\n- database: {}\n- migration: {}",
        b.kind, b.server_version, b.pgrehearse_version, b.database, b.migration
    );
}

fn render_timings(out: &mut String, report: &Report) {
    out.push_str("\n## Timings\n\n| phase | ms |\n|---|---:|\n");
    for t in &report.timings {
        let _ = writeln!(out, "| {} | {} |", cell(&t.phase), ms(t.duration));
    }
    for c in &report.checks {
        let _ = writeln!(out, "| check {} | {} |", c.check, ms(c.duration));
    }
    for f in &report.faults {
        let _ = writeln!(out, "| fault {} | {} |", cell(&f.fault), ms(f.duration));
    }
    if let Some(stats) = super::batch_stats::BatchStats::of(&report.batches) {
        let _ = writeln!(
            out,
            "\n{} batches, {} rows: p50 {} ms, p99 {} ms, max {} ms",
            stats.count,
            stats.rows,
            ms(stats.p50),
            ms(stats.p99),
            ms(stats.max)
        );
    }
}
