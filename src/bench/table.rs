//! The bench table, as cells (shared by the terminal and the HTML page) and as aligned
//! text for the terminal, with the recommendation under it.

use super::measure::RunFigures;
use super::result::{BenchResult, Measurements};

pub const HEADER: [&str; 12] = [
    "run",
    "seconds",
    "rows/s",
    "× one-shot",
    "convert rows/s",
    "batch p50 ms",
    "batch p99 ms",
    "longest lock ms",
    "WAL MiB",
    "app p50 ms",
    "app p99 ms",
    "app errors",
];

/// One row of cells per run: the baseline, every fixed size, the adaptive run.
pub fn rows(m: &Measurements, result: &BenchResult) -> Vec<Vec<String>> {
    let mut rows = vec![cells(m, "one-shot ALTER", &m.baseline, false)];
    for (size, run) in &m.fixed {
        let label = if result.recommended_batch_size == Some(*size) { format!("{size} (recommended)") } else { size.to_string() };
        rows.push(cells(m, &label, run, true));
    }
    if let Some((target, run)) = &m.adaptive {
        rows.push(cells(m, &format!("adaptive, target {target} ms"), run, true));
    }
    rows
}

fn cells(m: &Measurements, label: &str, run: &RunFigures, batched: bool) -> Vec<String> {
    let batch = |v: f64| if batched { format!("{v:.1}") } else { "—".into() };
    vec![
        label.to_string(),
        format!("{:.2}", run.seconds),
        format!("{:.0}", run.rows_per_s(m.rows)),
        format!("{:.2}", m.ratio(run)),
        format!("{:.0}", run.convert_rows_per_s(m.rows)),
        batch(run.p50_batch_ms),
        batch(run.p99_batch_ms),
        format!("{:.1}", run.max_lock_ms),
        format!("{:.1}", run.wal_bytes as f64 / (1024.0 * 1024.0)),
        format!("{:.1}", run.workload.p50_ms),
        format!("{:.1}", run.workload.p99_ms),
        run.workload.errors.to_string(),
    ]
}

/// The sentence under the table.
pub fn recommendation(result: &BenchResult) -> String {
    match result.recommended_batch_size {
        Some(size) => format!(
            "recommended batch size: {size} (the fastest whose batch p99, longest lock and workload p99 all stay within {} ms)",
            result.budget_ms
        ),
        None => format!("no batch size kept batch p99, longest lock and workload p99 within {} ms; try smaller sizes or a larger --budget-ms", result.budget_ms),
    }
}

/// Aligned text: the scenario, the table, the recommendation.
pub fn terminal(m: &Measurements, result: &BenchResult) -> String {
    let rows = rows(m, result);
    let widths: Vec<usize> = (0..HEADER.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).chain([HEADER[c].chars().count()]).max().unwrap_or(0)).collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(c, s)| if c == 0 { format!("{s:<w$}", w = widths[c]) } else { format!("{s:>w$}", w = widths[c]) }).collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = format!(
        "{}: {} rows converted per run with the {} convert, workload through the old schema during every run\n\n",
        m.scenario,
        m.rows,
        m.convert.name()
    );
    out.push_str(&line(HEADER.to_vec()));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&recommendation(result));
    out.push('\n');
    out
}
