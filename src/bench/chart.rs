//! `bench.svg`: throughput and workload p99 against batch size, the one-shot rate and the
//! budget as dashed lines, the recommended size marked. Drawn by the report's chart code.

use super::result::BenchResult;
use crate::report::xy_chart::{panels, Panel};

pub fn render(result: &BenchResult) -> String {
    let labels: Vec<String> = result.results.iter().map(|r| r.batch_size.to_string()).collect();
    let throughput = Panel {
        title: "migrate full, rows/s (dashed: the one-shot ALTER)",
        unit: "rows/s",
        values: result.results.iter().map(|r| r.rows_per_s).collect(),
        reference: Some((format!("one-shot ALTER {:.0} rows/s", result.baseline.rows_per_s), result.baseline.rows_per_s)),
        colour: "#3b6ea5",
    };
    let workload = Panel {
        title: "application p99 latency, ms (dashed: the budget)",
        unit: "ms",
        values: result.results.iter().map(|r| r.workload_p99_ms).collect(),
        reference: Some((format!("budget {} ms", result.budget_ms), result.budget_ms as f64)),
        colour: "#d08c2d",
    };
    let marked = result.recommended_batch_size.and_then(|size| result.results.iter().position(|r| r.batch_size == size));
    let mark_label = result.recommended_batch_size.map(|s| format!("recommended: {s}")).unwrap_or_default();
    let title = format!("{}: batch size against throughput and application latency", result.scenario);
    panels(&title, &labels, &[throughput, workload], marked.map(|i| (i, mark_label.as_str())))
}
