//! The JSON Schemas committed under `schemas/` are the ones generated from the types, so
//! they cannot drift; and they describe what pgrehearse really writes and reads: every key
//! of a rendered `report.json` and of every shipped scenario is a property of its schema.
//!
//! After changing a type: `PGREHEARSE_WRITE_SCHEMAS=1 cargo test --test json_schemas`.

use std::path::Path;

use pgrehearse::report::{json, Backend, Report};
use serde_json::Value;

#[test]
fn committed_schemas_equal_the_generated_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (name, generate) in pgrehearse::schemas::FILES {
        let path = dir.join(name);
        let generated = generate();
        if std::env::var_os("PGREHEARSE_WRITE_SCHEMAS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; write it with PGREHEARSE_WRITE_SCHEMAS=1 cargo test --test json_schemas", path.display()));
        assert!(committed == generated, "{} differs from the schema generated from the types; regenerate it with PGREHEARSE_WRITE_SCHEMAS=1 cargo test --test json_schemas", path.display());
    }
}

fn schema(name: &str) -> Value {
    let generate = pgrehearse::schemas::FILES.iter().find(|(n, _)| *n == name).unwrap().1;
    serde_json::from_str(&generate()).unwrap()
}

/// The top-level property names and required names of a schema.
fn properties(schema: &Value) -> (Vec<String>, Vec<String>) {
    let props = schema["properties"].as_object().expect("properties").keys().cloned().collect();
    let required = schema["required"].as_array().map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect()).unwrap_or_default();
    (props, required)
}

#[test]
fn a_report_has_every_required_key_and_no_other() {
    let backend = Backend { kind: "native".into(), server_version: "15".into(), pgrehearse_version: env!("CARGO_PKG_VERSION").into(), database: "db".into(), migration: "m".into() };
    let mut report = Report::new("s", backend, Vec::new());
    report.seed = Some(7);
    report.up_changes = Some(Vec::new());
    let written: Value = serde_json::from_str(&json::render(&report)).unwrap();
    let keys: Vec<String> = written.as_object().unwrap().keys().cloned().collect();
    let (props, required) = properties(&schema("report.schema.json"));
    for key in &keys {
        assert!(props.contains(key), "report.json key {key} is not in the schema");
    }
    for key in &required {
        assert!(keys.contains(key), "the schema requires {key}, which report.json lacks");
    }
    assert_eq!(written["format"], pgrehearse::report::FORMAT);
    assert!(chrono::DateTime::parse_from_rfc3339(written["generated_at"].as_str().unwrap()).is_ok());
}

#[test]
fn every_shipped_scenario_uses_only_keys_of_the_schema() {
    let (props, required) = properties(&schema("scenario.schema.json"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for key in table.keys() {
                assert!(props.contains(key), "{}: key {key} is not in the scenario schema", path.display());
            }
            for key in &required {
                assert!(table.contains_key(key), "{}: lacks {key}, which the schema requires", path.display());
            }
            seen += 1;
        }
    }
    assert!(seen > 5);
}
