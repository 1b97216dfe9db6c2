//! Inline SVG charts for the HTML report: no script, no external asset, just markup.
//! Bars for rows per table (before/after/quarantined) and quarantine by reason, a line for
//! batch duration over the run.

use std::fmt::Write;

use super::escape::{ms, xml};
use super::batch_stats::BatchStats;
use super::model::Batch;

pub(super) const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 180.0;
const BAR_H: f64 = 14.0;

/// One labelled group of bars; each value is drawn in the series colour of its position.
pub struct BarGroup {
    pub label: String,
    pub values: Vec<u64>,
}

/// A horizontal grouped bar chart; `series` names each value's position (for the legend).
pub fn bars(title: &str, series: &[(&str, &str)], groups: &[BarGroup]) -> String {
    let max = groups.iter().flat_map(|g| g.values.iter().copied()).max().unwrap_or(0).max(1) as f64;
    let per_group = BAR_H * series.len() as f64 + 10.0;
    let height = 30.0 + per_group * groups.len() as f64 + 20.0;
    let mut svg = open(title, height);
    let mut y = 30.0;
    for g in groups {
        let _ = write!(svg, r#"<text x="0" y="{:.1}" class="label">{}</text>"#, y + BAR_H, xml(&g.label));
        for (i, value) in g.values.iter().enumerate() {
            let w = (WIDTH - LABEL_W - 70.0) * (*value as f64) / max;
            let colour = series.get(i).map(|s| s.1).unwrap_or("#888");
            let by = y + BAR_H * i as f64;
            let _ = write!(
                svg,
                r#"<rect x="{LABEL_W}" y="{by:.1}" width="{w:.1}" height="{:.1}" fill="{colour}"/>"#,
                BAR_H - 2.0
            );
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" class="value">{value}</text>"#,
                LABEL_W + w + 4.0,
                by + BAR_H - 3.0
            );
        }
        y += per_group;
    }
    legend(&mut svg, series, height - 6.0);
    svg.push_str("</svg>");
    svg
}

/// Batch duration (ms) against batch number: both axes with ticks and titles, the
/// durations as a polyline, and dashed lines at the p50 and p99 durations.
pub fn batch_line(title: &str, batches: &[Batch]) -> String {
    let height = 240.0;
    let mut svg = open(title, height);
    let (left, top, plot_w, plot_h) = (60.0, 34.0, WIDTH - 150.0, height - 84.0);
    let max = batches.iter().map(|b| b.duration.as_secs_f64()).fold(0.0, f64::max);
    let scale = if max > 0.0 { plot_h / max } else { 0.0 };
    let step = if batches.len() > 1 { plot_w / (batches.len() - 1) as f64 } else { 0.0 };
    let y = |secs: f64| top + plot_h - secs * scale;
    let x = |i: usize| left + step * i as f64;
    let bottom = top + plot_h;
    let _ = write!(svg, r#"<line x1="{left}" y1="{bottom:.1}" x2="{:.1}" y2="{bottom:.1}" class="axis"/>"#, left + plot_w);
    let _ = write!(svg, r#"<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom:.1}" class="axis"/>"#);
    for fraction in [0.0, 0.5, 1.0] {
        let ty = y(max * fraction);
        let _ = write!(svg, r#"<line x1="{:.1}" y1="{ty:.1}" x2="{left}" y2="{ty:.1}" class="axis"/>"#, left - 4.0);
        let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="value" text-anchor="end">{:.1}</text>"#, left - 6.0, ty + 4.0, max * fraction * 1000.0);
    }
    let mut ticks = vec![0, batches.len().saturating_sub(1) / 2, batches.len().saturating_sub(1)];
    ticks.dedup();
    for i in ticks.into_iter().filter(|&i| i < batches.len()) {
        let _ = write!(svg, r#"<line x1="{0:.1}" y1="{bottom:.1}" x2="{0:.1}" y2="{1:.1}" class="axis"/>"#, x(i), bottom + 4.0);
        let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="value" text-anchor="middle">{}</text>"#, x(i), bottom + 16.0, batches[i].index);
    }
    let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="middle">batch</text>"#, left + plot_w / 2.0, bottom + 32.0);
    let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="middle" transform="rotate(-90 {0:.1} {1:.1})">duration (ms)</text>"#, 14.0, top + plot_h / 2.0);
    if let Some(stats) = BatchStats::of(batches) {
        let mut label_y = f64::INFINITY;
        for (name, value, colour) in [("p50", stats.p50, "#1a7f37"), ("p99", stats.p99, "#c62828")] {
            let ly = y(value.as_secs_f64());
            // The p99 label goes above the p50 one when the lines are close.
            label_y = (ly + 4.0).min(label_y - 12.0);
            let _ = write!(svg, r#"<line x1="{left}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-dasharray="5,4" class="{name}"/>"#, left + plot_w);
            let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="value" fill="{colour}">{name} {} ms</text>"#, left + plot_w + 6.0, label_y, ms(value));
        }
    }
    let points: Vec<String> = batches.iter().enumerate().map(|(i, b)| format!("{:.1},{:.1}", x(i), y(b.duration.as_secs_f64()))).collect();
    let _ = write!(svg, r##"<polyline fill="none" stroke="#3b6ea5" stroke-width="1.5" points="{}"/>"##, points.join(" "));
    svg.push_str("</svg>");
    svg
}

pub(super) fn open(title: &str, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="{t}"><title>{t}</title><text x="0" y="16" class="title">{t}</text>"#,
        t = xml(title)
    )
}

fn legend(svg: &mut String, series: &[(&str, &str)], y: f64) {
    let mut x = LABEL_W;
    for (name, colour) in series {
        let _ = write!(svg, r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/>"#, y - 9.0);
        let _ = write!(svg, r#"<text x="{:.1}" y="{y:.1}" class="value">{}</text>"#, x + 14.0, xml(name));
        x += 24.0 + 7.0 * name.len() as f64;
    }
}

/// The rows-per-table groups: before, after (0 when dropped), quarantined.
pub fn bar_group_rows(tables: &[crate::verify::conservation::TableCounts]) -> Vec<BarGroup> {
    tables
        .iter()
        .map(|t| BarGroup {
            label: t.table.clone(),
            values: vec![t.before.max(0) as u64, t.after.unwrap_or(0).max(0) as u64, t.quarantined.max(0) as u64],
        })
        .collect()
}
