//! The kinds of anomaly a dataset can carry, with the names scenarios and the ground truth
//! use for them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A string Postgres's uuid input rejects.
    InvalidUuid,
    /// A string Postgres accepts as uuid that is not canonical lowercase-hyphenated text.
    NoncanonicalUuid,
    /// Two keys that differ only in letter case: one uuid after conversion.
    CaseCollision,
    /// A reference to no parent, where no FK constraint stops it.
    Orphan,
    /// A second copy of another row's natural key that no unique constraint stops.
    Duplicate,
    /// NULL where the application needs a value and the schema does not say so.
    Null,
    /// A child of a parent row that itself carries an anomaly.
    Dependent,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 7] = [
        AnomalyKind::InvalidUuid,
        AnomalyKind::NoncanonicalUuid,
        AnomalyKind::CaseCollision,
        AnomalyKind::Orphan,
        AnomalyKind::Duplicate,
        AnomalyKind::Null,
        AnomalyKind::Dependent,
    ];

    /// The name in scenario files and in `pgrehearse_truth.anomaly.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::InvalidUuid => "invalid_uuid",
            AnomalyKind::NoncanonicalUuid => "noncanonical_uuid",
            AnomalyKind::CaseCollision => "case_collision",
            AnomalyKind::Orphan => "orphan",
            AnomalyKind::Duplicate => "duplicate",
            AnomalyKind::Null => "null",
            AnomalyKind::Dependent => "dependent",
        }
    }

    pub fn parse(name: &str) -> Option<AnomalyKind> {
        AnomalyKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether a parent row with this anomaly must be set aside by a migration, so that
    /// its children are the dependents a cascading quarantine has to catch.
    pub fn makes_bad_parent(self) -> bool {
        matches!(self, AnomalyKind::InvalidUuid | AnomalyKind::CaseCollision | AnomalyKind::Orphan | AnomalyKind::Dependent)
    }
}

impl std::fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in AnomalyKind::ALL {
            assert_eq!(AnomalyKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
