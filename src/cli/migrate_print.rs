//! What `pgrehearse migrate` prints: for people, words (never Rust names) and short
//! tables; for `--format json`, the same as data.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::migrate_unknown::UnknownReference;
use crate::engine::script::ScriptStep;
use crate::engine::{Action, Outcome, RowFindingKind, RunState, Status, StepReport, StepState};
use crate::progress::line::count;

/// Everything a migrate step prints.
#[derive(Debug, Serialize)]
pub struct MigrateOutput<'a> {
    #[serde(flatten)]
    pub report: &'a StepReport,
    /// `--dry-run`: the SQL each step would run, with its locks.
    pub script: Vec<ScriptStep>,
    /// References the plan does not know about (no `--scenario`, and not declared).
    pub unknown_references: Vec<UnknownReference>,
}

/// Findings shown one by one before the rest are only counted.
const EXAMPLES: usize = 10;

pub fn print_human(output: &MigrateOutput<'_>) {
    print!("{}", render(output));
}

pub fn render(output: &MigrateOutput<'_>) -> String {
    let report = output.report;
    let mut out = String::new();
    if let Some(status) = &report.status {
        status_text(&mut out, status);
        return out;
    }
    let _ = writeln!(out, "migrate {}: {}", report.step, outcome(report.outcome));
    if report.outcome == Outcome::NothingToDo && report.notes.is_empty() {
        let _ = writeln!(out, "  `{}` has already completed in this run", report.step);
    }
    for note in &report.notes {
        let _ = writeln!(out, "  {note}");
    }
    if let Some(plan) = report.plan.as_ref().filter(|_| report.outcome == Outcome::DryRun) {
        let tables: Vec<String> = plan.tables.iter().map(|t| t.label()).collect();
        let _ = writeln!(
            out,
            "plan: {} tables ({}), {} foreign keys, {} key constraints, {} indexes, {} views; {} references",
            plan.tables.len(),
            tables.join(", "),
            plan.foreign_keys.len(),
            plan.key_constraints.len(),
            plan.indexes.len(),
            plan.views.len(),
            plan.references.len()
        );
    }
    unknown_text(&mut out, &output.unknown_references);
    findings_text(&mut out, report);
    for check in &report.checks {
        let _ = writeln!(out, "  {} {} ({})", if check.ok { "ok  " } else { "FAIL" }, check.name, check.detail);
    }
    for (what, ms) in &report.lock_held_ms {
        let _ = writeln!(out, "  {what}: ACCESS EXCLUSIVE held {ms:.1} ms");
    }
    script_text(&mut out, &output.script);
    if report.outcome == Outcome::Blocked {
        let _ = writeln!(out, "nothing was changed: a policy of `fail` met the findings above");
    }
    out
}

fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Completed => "done",
        Outcome::Blocked => "blocked",
        Outcome::ChecksFailed => "validation found problems",
        Outcome::NothingToDo => "nothing to do",
        Outcome::DryRun => "dry run, nothing was changed; this is what would run",
    }
}

fn kind(kind: RowFindingKind) -> &'static str {
    match kind {
        RowFindingKind::Invalid => "invalid value",
        RowFindingKind::Orphan => "orphan reference",
        RowFindingKind::Collision => "collision",
        RowFindingKind::NonCanonical => "non-canonical text",
        RowFindingKind::Cascade => "cascade",
    }
}

fn action(action: Action) -> &'static str {
    match action {
        Action::Fail => "stops the run",
        Action::Quarantine => "moved to the quarantine",
        Action::Nullify => "set to NULL",
        Action::Convert => "converted (rollback restores the text)",
    }
}

/// Findings counted per (kind, table, action), then the first few rows.
fn findings_text(out: &mut String, report: &StepReport) {
    if report.findings.is_empty() {
        return;
    }
    let mut groups: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for f in &report.findings {
        *groups.entry((kind(f.kind), f.table.as_str(), action(f.action))).or_default() += 1;
    }
    let _ = writeln!(out, "rows found ({}):", count(report.findings.len() as u64));
    for ((kind, table, action), n) in &groups {
        let _ = writeln!(out, "  {:>7}  {kind:<20} in {table}: {action}", count(*n as u64));
    }
    let shown = report.findings.len().min(EXAMPLES);
    let _ = writeln!(out, "  showing {shown} of {}:", count(report.findings.len() as u64));
    for f in report.findings.iter().take(EXAMPLES) {
        let related = f.related_table.as_deref().map(|t| format!(" (because of {t})")).unwrap_or_default();
        let _ = writeln!(out, "    {} {} {} {}={}{related}: {}", kind(f.kind), f.table, f.pk, f.column, f.value.as_deref().unwrap_or("NULL"), action(f.action));
    }
}

fn unknown_text(out: &mut String, unknown: &[UnknownReference]) {
    if unknown.is_empty() {
        return;
    }
    let _ = writeln!(out, "references the database does not enforce and the plan does not know about ({}):", unknown.len());
    for u in unknown {
        let _ = writeln!(out, "  {} -> {} (same type, named like it, no foreign key): it would stay unconverted", u.from, u.to);
    }
    let flags: Vec<String> = unknown.iter().map(|u| format!("--relation {}", u.relation)).collect();
    let _ = writeln!(out, "  declare them with {}, or as [[relation]] from/to in a scenario passed with --scenario", flags.join(" "));
}

fn script_text(out: &mut String, script: &[ScriptStep]) {
    for (n, step) in script.iter().enumerate() {
        let _ = writeln!(out, "\n-- step {}: {}: {}", n + 1, step.step, step.about);
        let mut transaction = None;
        for statement in &step.statements {
            if statement.transaction != transaction {
                if let Some(name) = statement.transaction {
                    let _ = writeln!(out, "-- in one transaction ({name}):");
                }
                transaction = statement.transaction;
            }
            let repeat = statement.repeat.as_deref().map(|r| format!("; {r}")).unwrap_or_default();
            let lock = if statement.lock == "none" { "no table lock".to_string() } else { format!("{} lock", statement.lock) };
            let _ = writeln!(out, "-- {lock}{repeat}");
            let terminator = if statement.sql.starts_with("--") { "" } else { ";" };
            let _ = writeln!(out, "{}{terminator}", statement.sql);
        }
    }
}

/// The status table: the state of each step, rows done and left, the last batch, the
/// locks; or one line when nothing has run.
fn status_text(out: &mut String, status: &Status) {
    let _ = writeln!(out, "{}", status.summary);
    if status.state == RunState::NotStarted {
        return;
    }
    let _ = writeln!(out, "\n  {:<10} {:<12} {:>12} {:>12}  {:<40} {}", "step", "state", "rows done", "rows left", "last batch", "lock held");
    for step in &status.steps {
        let number = |n: Option<i64>| n.map(|n| count(n.max(0) as u64)).unwrap_or_default();
        let batch = step
            .last_batch
            .as_ref()
            .map(|b| {
                let at = b.finished_at.map(|t| format!(" at {}", t.format("%H:%M:%S"))).unwrap_or_default();
                format!("{} #{}: {} rows{at}", b.table, b.batch, count(b.rows.max(0) as u64))
            })
            .unwrap_or_default();
        let lock = step.access_exclusive_ms.map(|ms| format!("ACCESS EXCLUSIVE {ms:.1} ms")).unwrap_or_default();
        let state = if step.state == StepState::Failed { format!("{} ({})", step.state.label(), step.message.as_deref().unwrap_or("")) } else { step.state.label().to_string() };
        let _ = writeln!(out, "  {:<10} {:<12} {:>12} {:>12}  {:<40} {}", step.step, state, number(step.rows_done), number(step.rows_left), batch, lock);
    }
    if !status.tables.is_empty() {
        let _ = writeln!(out, "\n  {:<32} {:>8} {:>12} {:>12}", "table", "batches", "converted", "left");
        for t in &status.tables {
            let left = t.rows_left.map(|n| count(n as u64)).unwrap_or_default();
            let _ = writeln!(out, "  {:<32} {:>8} {:>12} {:>12}", t.table, t.batches, count(t.rows_converted.max(0) as u64), left);
        }
    }
    if status.state == RunState::InProgress {
        if status.locks.is_empty() {
            let running = if status.locked_by_a_run { "an engine session runs but holds no table lock right now" } else { "no engine session is running" };
            let _ = writeln!(out, "\n  locks held: none ({running})");
        } else {
            let _ = writeln!(out, "\n  locks held by the engine session now:");
            for lock in &status.locks {
                let _ = writeln!(out, "    {:<32} {}{}", lock.relation, lock.mode, if lock.granted { "" } else { " (waiting)" });
            }
        }
    }
}
