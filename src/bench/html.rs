//! `bench.html`: the table and the chart on one self-contained page (inline CSS and SVG).

use std::fmt::Write;

use super::chart;
use super::result::{BenchResult, Measurements};
use super::table::{recommendation, rows, HEADER};
use crate::report::escape::xml;
use crate::report::html::STYLE;

pub fn render(m: &Measurements, result: &BenchResult) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pgrehearse bench: {s}</title><style>{STYLE}</style></head><body>\n\
         <h1>pgrehearse bench: {s}</h1>\n<p>{rows} rows converted per run with the {convert} convert, each on a fresh clone of the same seeded data, with the application workload running for the whole run.</p>\n",
        s = xml(&m.scenario),
        rows = m.rows,
        convert = m.convert.name()
    );
    out.push_str("<table><tr>");
    for h in HEADER {
        let _ = write!(out, "<th>{}</th>", xml(h));
    }
    out.push_str("</tr>\n");
    for row in rows(m, result) {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if i == 0 { "" } else { " class=\"num\"" };
            let _ = write!(out, "<td{class}>{}</td>", xml(cell));
        }
        out.push_str("</tr>\n");
    }
    let _ = writeln!(out, "</table>\n<p><strong>{}</strong></p>", xml(&recommendation(result)));
    if let Some(adaptive) = &result.adaptive {
        let sizes: Vec<String> = adaptive.sizes_chosen.iter().map(i64::to_string).collect();
        let _ = writeln!(out, "<p>Adaptive sizes chosen over time (target {} ms): {}</p>", adaptive.target_batch_ms, xml(&sizes.join(" → ")));
    }
    out.push_str(&chart::render(result));
    out.push_str("\n</body></html>\n");
    out
}
