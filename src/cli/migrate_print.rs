//! Human-readable output of a migrate step report.

use crate::engine::{Outcome, StepReport};

pub fn print_human(report: &StepReport) {
    println!("migrate {}: {:?}", report.step, report.outcome);
    if let Some(plan) = report.plan.as_ref().filter(|_| report.outcome == Outcome::DryRun) {
        println!("plan:\n{}", serde_json::to_string_pretty(plan).unwrap_or_default());
    }
    for note in &report.notes {
        println!("  {note}");
    }
    if !report.findings.is_empty() {
        println!("findings ({}):", report.findings.len());
        for f in &report.findings {
            let related = f.related_table.as_deref().map(|t| format!(" -> {t}")).unwrap_or_default();
            println!(
                "  {:<13} {:<28} {} {}={}{related}  [{:?}]",
                format!("{:?}", f.kind),
                f.table,
                f.pk,
                f.column,
                f.value.as_deref().unwrap_or("NULL"),
                f.action
            );
        }
    }
    for check in &report.checks {
        println!("  [{}] {} ({})", if check.ok { "ok" } else { "FAIL" }, check.name, check.detail);
    }
    for (what, ms) in &report.lock_held_ms {
        println!("  {what}: ACCESS EXCLUSIVE held {ms:.1} ms");
    }
    if let Some(status) = &report.status {
        println!("  {}", status.summary);
        println!("{}", serde_json::to_string_pretty(status).unwrap_or_default());
    }
    if report.outcome == Outcome::Blocked {
        println!("nothing was changed: a policy of `fail` met the findings above");
    }
}
