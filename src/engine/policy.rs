//! What to do with each kind of anomaly preflight finds.

use serde::{Deserialize, Serialize};

/// A policy for one kind of anomaly. Not every policy fits every kind: see [`Policies::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Change nothing and report the rows.
    #[default]
    Fail,
    /// Move the row, and every row that references it, to `migration_quarantine`.
    Quarantine,
    /// Set the reference to NULL (orphans only, and only where the column is nullable).
    Nullify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Policies {
    pub invalid: Policy,
    pub orphan: Policy,
    pub collision: Policy,
}

impl Policies {
    /// Rejects combinations that cannot work, with a message for the user.
    pub fn check(&self) -> Result<(), String> {
        if self.invalid == Policy::Nullify {
            return Err("--on-invalid accepts fail or quarantine, not nullify".into());
        }
        if self.collision == Policy::Nullify {
            return Err("--on-collision accepts fail or quarantine, not nullify".into());
        }
        Ok(())
    }
}
