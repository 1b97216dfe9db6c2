//! [`ConvertMethod`]: how `convert` changes the planned tables, rebuilt by copy and swap
//! or converted in place through shadow columns.

use serde::{Deserialize, Serialize};

/// How `convert` writes the converted rows. Stored with the plan, so a resumed run or a
/// rollback uses the method the run started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ConvertMethod {
    /// Copies each table into a new one in key-range chunks (key converted on the way, no
    /// secondary index during the copy), builds the indexes, catches up the application's
    /// writes from a trigger log, and swaps the tables by rename (pg_repack, pg-osc).
    Rebuild,
    /// Adds a shadow column per converted column, fills it with batched UPDATEs, and swaps
    /// the column names.
    #[default]
    InPlace,
}

impl ConvertMethod {
    /// The name users type (`--convert`, `convert =` in a scenario).
    pub fn name(self) -> &'static str {
        match self {
            ConvertMethod::Rebuild => "rebuild",
            ConvertMethod::InPlace => "in-place",
        }
    }
}
