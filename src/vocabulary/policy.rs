//! What to do with each kind of anomaly a migration meets: one enum for every policy,
//! one rule for which anomaly takes which policy. clap and serde derive the names users
//! type (`fail`, `quarantine`, `nullify`); the scenario keys `on_<anomaly>` and the CLI
//! flags `--on-<anomaly>` are spelled at those edges from [`PolicyTarget::name`].

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// A policy for one kind of anomaly. Not every policy fits every kind: see
/// [`PolicyTarget::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ValueEnum)]
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

/// The anomalies a policy decides about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyTarget {
    /// Values the conversion rejects.
    Invalid,
    /// References to no parent row.
    Orphan,
    /// Keys that become equal after conversion.
    Collision,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Policies {
    pub invalid: Policy,
    pub orphan: Policy,
    pub collision: Policy,
}

/// A policy given for an anomaly it does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} anomalies take {}, not {}", target.name(), target.allowed_names().join(" or "), policy.name())]
pub struct PolicyError {
    pub target: PolicyTarget,
    pub policy: Policy,
}

impl Policy {
    /// The name users type, as clap derives it.
    pub fn name(self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
    }

    /// The policy a user named, by the derived name.
    pub fn parse(name: &str) -> Option<Policy> {
        Policy::from_str(name, false).ok()
    }
}

impl PolicyTarget {
    pub const ALL: [PolicyTarget; 3] = [PolicyTarget::Invalid, PolicyTarget::Orphan, PolicyTarget::Collision];

    /// `invalid`, `orphan`, `collision`: the `<anomaly>` of `on_<anomaly>` / `--on-<anomaly>`.
    pub fn name(self) -> &'static str {
        match self {
            PolicyTarget::Invalid => "invalid",
            PolicyTarget::Orphan => "orphan",
            PolicyTarget::Collision => "collision",
        }
    }

    /// The one rule: only an orphan reference can be set to NULL.
    pub fn allows(self, policy: Policy) -> bool {
        policy != Policy::Nullify || self == PolicyTarget::Orphan
    }

    /// The names of the policies this anomaly takes, in declaration order.
    pub fn allowed_names(self) -> Vec<String> {
        Policy::value_variants().iter().filter(|p| self.allows(**p)).map(|p| p.name()).collect()
    }
}

impl Policies {
    pub fn get(&self, target: PolicyTarget) -> Policy {
        match target {
            PolicyTarget::Invalid => self.invalid,
            PolicyTarget::Orphan => self.orphan,
            PolicyTarget::Collision => self.collision,
        }
    }

    pub fn set(&mut self, target: PolicyTarget, policy: Policy) {
        match target {
            PolicyTarget::Invalid => self.invalid = policy,
            PolicyTarget::Orphan => self.orphan = policy,
            PolicyTarget::Collision => self.collision = policy,
        }
    }

    /// Rejects a combination that cannot work, naming the anomaly and what it takes.
    pub fn check(&self) -> Result<(), PolicyError> {
        for target in PolicyTarget::ALL {
            let policy = self.get(target);
            if !target.allows(policy) {
                return Err(PolicyError { target, policy });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_derived_ones_and_only_orphans_take_nullify() {
        for policy in Policy::value_variants() {
            let derived = policy.to_possible_value().expect("every policy has a name");
            assert_eq!(derived.get_name(), policy.name());
            assert_eq!(Policy::parse(&policy.name()), Some(*policy));
        }
        assert_eq!(PolicyTarget::Orphan.allowed_names(), ["fail", "quarantine", "nullify"]);
        assert_eq!(PolicyTarget::Invalid.allowed_names(), ["fail", "quarantine"]);
        let bad = Policies { collision: Policy::Nullify, ..Policies::default() };
        assert_eq!(bad.check(), Err(PolicyError { target: PolicyTarget::Collision, policy: Policy::Nullify }));
    }
}
