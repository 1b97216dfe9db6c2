//! Line charts of measured values over a shared categorical x axis (the bench's batch
//! sizes), stacked in panels, each with an optional dashed reference line, and one x
//! position marked across all of them. Inline SVG like [`super::chart`].

use std::fmt::Write;

use super::chart::{open, WIDTH};
use super::escape::xml;

const PANEL_H: f64 = 170.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 30.0;
/// The chart's own style, so the SVG reads the same as a file on its own and in a page.
const STYLE: &str = "<style>.title{font:bold 13px sans-serif}.label,.value{font:11px sans-serif}.axis{stroke:#999}</style>";

/// One panel: a series of values, one per x label.
pub struct Panel<'a> {
    pub title: &'a str,
    /// Appended to the axis maximum (`rows/s`, `ms`).
    pub unit: &'a str,
    pub values: Vec<f64>,
    /// A horizontal dashed line: (label, value).
    pub reference: Option<(String, f64)>,
    pub colour: &'a str,
}

/// The panels stacked under `title`; `marked` draws a vertical line at one x position,
/// labelled, through every panel.
pub fn panels(title: &str, x_labels: &[String], panels: &[Panel], marked: Option<(usize, &str)>) -> String {
    let height = 30.0 + PANEL_H * panels.len() as f64 + 24.0;
    let mut svg = open(title, height);
    svg.push_str(STYLE);
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |i: usize| if x_labels.len() > 1 { LEFT + plot_w * i as f64 / (x_labels.len() - 1) as f64 } else { LEFT + plot_w / 2.0 };
    for (p, panel) in panels.iter().enumerate() {
        let top = 40.0 + PANEL_H * p as f64;
        let plot_h = PANEL_H - 50.0;
        let max = panel.values.iter().copied().chain(panel.reference.as_ref().map(|r| r.1)).fold(0.0, f64::max).max(1e-9) * 1.1;
        let y = |v: f64| top + plot_h - plot_h * v / max;
        let _ = write!(svg, r#"<text x="{LEFT}" y="{:.1}" class="label">{}</text>"#, top - 6.0, xml(panel.title));
        let _ = write!(svg, r#"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" class="axis"/>"#, top + plot_h, LEFT + plot_w, top + plot_h);
        let _ = write!(svg, r#"<line x1="{LEFT}" y1="{top:.1}" x2="{LEFT}" y2="{:.1}" class="axis"/>"#, top + plot_h);
        let _ = write!(svg, r#"<text x="0" y="{:.1}" class="value">{:.0} {}</text>"#, top + 4.0, max, xml(panel.unit));
        let _ = write!(svg, r#"<text x="0" y="{:.1}" class="value">0</text>"#, top + plot_h);
        if let Some((label, value)) = &panel.reference {
            let ry = y(*value);
            let _ = write!(svg, r##"<line x1="{LEFT}" y1="{ry:.1}" x2="{:.1}" y2="{ry:.1}" stroke="#c62828" stroke-dasharray="5,4"/>"##, LEFT + plot_w);
            let _ = write!(svg, r##"<text x="{:.1}" y="{:.1}" class="value" fill="#c62828">{}</text>"##, LEFT + 4.0, ry - 4.0, xml(label));
        }
        let points: Vec<String> = panel.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        let _ = write!(svg, r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#, panel.colour, points.join(" "));
        for (i, v) in panel.values.iter().enumerate() {
            let _ = write!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"#, x(i), y(*v), panel.colour);
            let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="value">{v:.0}</text>"#, x(i) + 5.0, y(*v) - 5.0);
        }
        for (i, label) in x_labels.iter().enumerate() {
            let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}" class="value" text-anchor="middle">{}</text>"#, x(i), top + plot_h + 14.0, xml(label));
        }
    }
    if let Some((i, label)) = marked.filter(|(i, _)| *i < x_labels.len()) {
        let bottom = 30.0 + PANEL_H * panels.len() as f64;
        let _ = write!(svg, r##"<line x1="{0:.1}" y1="34" x2="{0:.1}" y2="{bottom:.1}" stroke="#1a7f37" stroke-width="2" opacity="0.6"/>"##, x(i));
        let _ = write!(svg, r##"<text x="{:.1}" y="{:.1}" class="label" fill="#1a7f37" text-anchor="middle">{}</text>"##, x(i), bottom + 16.0, xml(label));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_point_the_reference_and_the_mark() {
        let labels: Vec<String> = ["500", "1000", "5000"].iter().map(|s| s.to_string()).collect();
        let panel = Panel { title: "rows/s", unit: "rows/s", values: vec![1.0, 2.0, 3.0], reference: Some(("one-shot".into(), 4.0)), colour: "#3b6ea5" };
        let svg = panels("t<", &labels, &[panel], Some((1, "recommended: 1000")));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("stroke-dasharray") && svg.contains("one-shot") && svg.contains("recommended: 1000"));
        assert!(svg.contains("t&lt;") && svg.ends_with("</svg>"));
    }
}
