//! The part of a scenario file `migrate` needs: `[[relation]]` and `[migration]`. A
//! stand-in until the scenario module lands; swap `read` for its validated Scenario then.

use std::path::Path;

use serde::Deserialize;

use crate::engine::{DeclaredRelation, Policy};

#[derive(Debug, Default, Deserialize)]
pub struct MigrationSection {
    pub root: Option<String>,
    pub batch_size: Option<i64>,
    pub on_invalid: Option<Policy>,
    pub on_orphan: Option<Policy>,
    pub on_collision: Option<Policy>,
}

#[derive(Debug, Deserialize)]
struct RelationEntry {
    child: String,
    parent: String,
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    migration: MigrationSection,
    #[serde(default)]
    relation: Vec<RelationEntry>,
}

/// What the file says; errors name the file and, for TOML errors, the line.
pub fn read(path: &Path) -> Result<(MigrationSection, Vec<DeclaredRelation>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read scenario {}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| format!("parse scenario {}: {e}", path.display()))?;
    let mut relations = Vec::new();
    for (i, r) in file.relation.iter().enumerate() {
        let relation = format!("{}={}", r.child, r.parent)
            .parse()
            .map_err(|e| format!("read [[relation]] #{} in {}: {e}", i + 1, path.display()))?;
        relations.push(relation);
    }
    Ok((file.migration, relations))
}
