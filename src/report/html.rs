//! `report.html`: one self-contained page (inline CSS and inline SVG, no script, no
//! external asset) with the same content as the Markdown report, plus charts.

use std::fmt::Write;

use super::chart::{bar_group_rows, bars, batch_line, BarGroup};
use super::escape::{ms, xml};
use super::headline::{headline, showing};
use super::shorten::{before_after, example_line};
use super::model::{Report, Verdict};
use crate::faults::FaultOutcome;
use crate::verify::{CheckResult, CheckStatus};

/// The page style, shared with the other HTML pages pgrehearse writes (`bench.html`).
pub const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}\
h1{margin-bottom:.2em}table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.num{text-align:right}.pass{color:#1a7f37}.fail{color:#c62828;font-weight:bold}.skip{color:#777}\
.verdict{font-size:1.4em;padding:.4em .8em;display:inline-block;border-radius:4px}.verdict.pass{background:#e6f4ea}.verdict.fail{background:#fdecea}\
code{font-size:12px;word-break:break-all}mark{background:#ffe08a}svg .title{font-weight:bold;font-size:13px}svg .label,svg .value{font-size:11px}svg .axis{stroke:#999}";

pub fn render(report: &Report) -> String {
    let (passed, failed, skipped) = report.tally();
    let verdict_class = if report.verdict == Verdict::Pass { "pass" } else { "fail" };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pgrehearse: {s}</title><style>{STYLE}</style></head><body>\n\
         <h1>pgrehearse: {s}</h1>\n<p class=\"verdict {verdict_class}\">Verdict: {v}</p> <span>{passed} passed, {failed} failed, {skipped} skipped</span>\n",
        s = xml(&report.scenario),
        v = report.verdict.label(),
    );
    for note in &report.notes {
        let _ = writeln!(out, "<p class=\"note\"><strong>Note</strong>: {}</p>", xml(note));
    }
    if let Some(error) = &report.error {
        let _ = writeln!(out, "<p><strong>Internal error</strong>: failed to {}. The checks below are those that ran before it.</p>", xml(error));
    }
    out.push_str("<table><tr><th>check</th><th>status</th><th>summary</th></tr>\n");
    for c in &report.checks {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{0}\">{0}</a></td><td>{1}</td><td>{2}</td></tr>",
            c.check,
            status(c.status),
            xml(&headline(c))
        );
    }
    out.push_str("</table>\n<h2>Checks</h2>\n");
    for c in &report.checks {
        render_check(&mut out, c);
    }
    render_faults(&mut out, report);
    render_up_changes(&mut out, report);
    render_data(&mut out, report);
    render_backend_and_timings(&mut out, report);
    out.push_str("</body></html>\n");
    out
}

fn status(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "<span class=\"pass\">pass</span>",
        CheckStatus::Fail => "<span class=\"fail\">FAIL</span>",
        CheckStatus::Skip => "<span class=\"skip\">skip</span>",
    }
}

/// Each fault of `[faults]` with its outcome and what happened.
fn render_faults(out: &mut String, report: &Report) {
    if report.faults.is_empty() {
        return;
    }
    let failed = report.failed_faults();
    let _ = writeln!(out, "<h2 id=\"faults\">Faults</h2>\n<p>{} faults injected, {} failed{}.</p>", report.faults.len(), failed.len(), if failed.is_empty() { String::new() } else { format!(": {}", xml(&failed.join(", "))) });
    out.push_str("<table><tr><th>fault</th><th>outcome</th><th>detail</th></tr>\n");
    for f in &report.faults {
        let class = match f.outcome {
            FaultOutcome::Pass => "pass",
            FaultOutcome::Fail => "fail",
            FaultOutcome::NotRun => "skip",
        };
        let _ = writeln!(out, "<tr><td>{}</td><td><span class=\"{class}\">{}</span></td><td>{}</td></tr>", xml(&f.fault), f.outcome.label(), xml(&f.detail));
    }
    out.push_str("</table>\n");
}

fn render_check(out: &mut String, c: &CheckResult) {
    let _ = writeln!(out, "<h3 id=\"{0}\">{0}: {1}</h3>\n<p>{2}</p>", c.check, status(c.status), xml(&headline(c)));
    if !c.findings.is_empty() {
        let _ = writeln!(out, "<p>Checked: {}</p>", xml(&c.summary));
    }
    for f in &c.findings {
        let table = f.table.as_deref().map(|t| format!("<code>{}</code> ", xml(t))).unwrap_or_default();
        let shown = showing(f).map(|s| format!(", {s}")).unwrap_or_default();
        let _ = writeln!(out, "<p>{table}{} <em>({} rows{shown})</em></p>", xml(&f.message), f.count);
        if f.examples.is_empty() {
            continue;
        }
        out.push_str("<table><tr><th>key</th><th>change</th></tr>\n");
        for e in &f.examples {
            let _ = writeln!(out, "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>", xml(&e.key), example_line(e, xml, mark));
        }
        out.push_str("</table>\n");
    }
}

/// A marked difference in HTML.
fn mark(text: &str) -> String {
    format!("<mark>{}</mark>", xml(text))
}

/// What up changed, each object before → after; nothing when up did not complete.
fn render_up_changes(out: &mut String, report: &Report) {
    let Some(changes) = &report.up_changes else { return };
    out.push_str("<h2 id=\"up-changed\">What up changed</h2>\n");
    if changes.is_empty() {
        out.push_str("<p>Up changed nothing in the schema.</p>\n");
        return;
    }
    out.push_str("<table><tr><th>object</th><th>before → after</th></tr>\n");
    for c in changes {
        let change = before_after(c.before.as_deref(), c.after.as_deref(), xml, mark);
        let _ = writeln!(out, "<tr><td>{}</td><td><code>{change}</code></td></tr>", xml(&c.object));
    }
    out.push_str("</table>\n");
}

fn render_data(out: &mut String, report: &Report) {
    if !report.tables.is_empty() {
        out.push_str("<h2>Rows per table</h2>\n<table><tr><th>table</th><th>before</th><th>after</th><th>quarantined</th></tr>\n");
        for t in &report.tables {
            let after = t.after.map(|a| a.to_string()).unwrap_or_else(|| "(dropped)".into());
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{after}</td><td class=\"num\">{}</td></tr>",
                xml(&t.table),
                t.before,
                t.quarantined
            );
        }
        out.push_str("</table>\n");
        let series = [("before", "#7f9cc0"), ("after", "#3b6ea5"), ("quarantined", "#d08c2d")];
        out.push_str(&bars("Rows per table", &series, &bar_group_rows(&report.tables)));
    }
    if !report.quarantine_by_reason.is_empty() {
        out.push_str("<h2>Quarantine by reason</h2>\n");
        let groups: Vec<BarGroup> =
            report.quarantine_by_reason.iter().map(|(r, n)| BarGroup { label: r.clone(), values: vec![*n] }).collect();
        out.push_str(&bars("Rows set aside, by reason", &[("rows", "#d08c2d")], &groups));
    }
}

fn render_backend_and_timings(out: &mut String, report: &Report) {
    let b = &report.backend;
    let _ = writeln!(
        out,
        "<h2>Backend</h2>\n<ul><li>backend: {}</li><li>PostgreSQL: {}</li><li>pgrehearse: {}</li><li>database: <code>{}</code></li><li>migration: {}</li></ul>",
        xml(&b.kind), xml(&b.server_version), xml(&b.pgrehearse_version), xml(&b.database), xml(&b.migration)
    );
    out.push_str("<h2>Timings</h2>\n<table><tr><th>phase</th><th>ms</th></tr>\n");
    for t in &report.timings {
        let _ = writeln!(out, "<tr><td>{}</td><td class=\"num\">{}</td></tr>", xml(&t.phase), ms(t.duration));
    }
    for c in &report.checks {
        let _ = writeln!(out, "<tr><td>check {}</td><td class=\"num\">{}</td></tr>", c.check, ms(c.duration));
    }
    for f in &report.faults {
        let _ = writeln!(out, "<tr><td>fault {}</td><td class=\"num\">{}</td></tr>", xml(&f.fault), ms(f.duration));
    }
    out.push_str("</table>\n");
    if !report.batches.is_empty() {
        out.push_str(&batch_line("Batch duration over the run", &report.batches));
    }
}
