//! JSON Schemas of the files pgrehearse writes and reads, generated from their types:
//! `report.json`, and the scenario file (TOML, described as JSON Schema, which TOML
//! language servers such as Taplo use to complete and check a scenario in an editor). The
//! copies committed under `schemas/` are tested to equal these, so they cannot drift.

use crate::report::Report;
use crate::scenario::file::ScenarioFile;

/// The committed file name of each schema, and how to generate it.
pub const FILES: &[(&str, fn() -> String)] =
    &[("report.schema.json", report as fn() -> String), ("scenario.schema.json", scenario as fn() -> String)];

/// The schema of `report.json`.
pub fn report() -> String {
    pretty(schemars::schema_for!(Report))
}

/// The schema of a scenario file.
pub fn scenario() -> String {
    pretty(schemars::schema_for!(ScenarioFile))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON Schema serializes");
    text.push('\n');
    text
}
