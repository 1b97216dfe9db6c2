//! [`ConvertMethod`]: how `convert` changes the planned tables, rebuilt by copy and swap
//! or converted in place through shadow columns; and [`ConvertChoice`], what a user asks
//! for: one of them, or `auto`, the rebuild wherever it can carry the tables.

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

/// The convert method a run asks for (`--convert`, `convert =` in a scenario).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ConvertChoice {
    /// `rebuild` (several times faster, the same guarantees) unless a planned table has
    /// something the rebuild cannot carry (a user trigger, row-level security, ...): then
    /// `in-place`, and the plan says why.
    #[default]
    Auto,
    Rebuild,
    InPlace,
}

impl ConvertChoice {
    pub fn name(self) -> &'static str {
        match self {
            ConvertChoice::Auto => "auto",
            ConvertChoice::Rebuild => "rebuild",
            ConvertChoice::InPlace => "in-place",
        }
    }

    /// The method asked for, or `None` for `auto`.
    pub fn fixed(self) -> Option<ConvertMethod> {
        match self {
            ConvertChoice::Auto => None,
            ConvertChoice::Rebuild => Some(ConvertMethod::Rebuild),
            ConvertChoice::InPlace => Some(ConvertMethod::InPlace),
        }
    }
}

impl From<ConvertMethod> for ConvertChoice {
    fn from(method: ConvertMethod) -> ConvertChoice {
        match method {
            ConvertMethod::Rebuild => ConvertChoice::Rebuild,
            ConvertMethod::InPlace => ConvertChoice::InPlace,
        }
    }
}
