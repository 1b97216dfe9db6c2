//! `report.json`, for machines: the report model as pretty-printed JSON.

use super::model::Report;

pub fn render(report: &Report) -> String {
    // The model holds only strings, numbers, bools, vectors and string-keyed maps, which
    // serde_json always serializes.
    let mut text = serde_json::to_string_pretty(report).expect("the report model serializes to JSON");
    text.push('\n');
    text
}

/// Reads a report back, e.g. to compare two runs.
pub fn parse(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}
