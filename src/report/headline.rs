//! What a failing check says first: what failed, with counts ("30 users.id values differ
//! from the original: case changed"), rather than what it compared; and "showing 20 of
//! 30" for a finding whose examples are the first few.

use crate::verify::{CheckResult, CheckStatus, Finding};

/// How many findings a headline names before "and N more".
const NAMED: usize = 3;

/// The check's summary line: for a failing check, its findings with their counts; else
/// what it compared (or why it was skipped).
pub fn headline(check: &CheckResult) -> String {
    if check.status != CheckStatus::Fail || check.findings.is_empty() {
        return check.summary.clone();
    }
    let mut parts: Vec<String> = check.findings.iter().take(NAMED).map(what_failed).collect();
    if check.findings.len() > NAMED {
        parts.push(format!("and {} more findings", check.findings.len() - NAMED));
    }
    parts.join("; ")
}

/// `30 users.id values differ ...`, with the table when the message does not name it.
pub fn what_failed(f: &Finding) -> String {
    let mut text = format!("{} {}", f.count, f.message);
    if let Some(table) = &f.table {
        let short = table.rsplit('.').next().unwrap_or(table);
        if !f.message.contains(short) {
            text.push_str(&format!(" ({table})"));
        }
    }
    text
}

/// `showing 20 of 30` when the examples show fewer rows than the finding counts.
pub fn showing(f: &Finding) -> Option<String> {
    let shown = f.rows_shown();
    (shown > 0 && (shown as u64) < f.count).then(|| format!("showing {shown} of {}", f.count))
}
