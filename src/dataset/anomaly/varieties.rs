//! The varieties a scenario may pick with `varieties = [...]` for each anomaly kind, as
//! the ground truth records them.

use super::uuid_forms::{InvalidVariety, NoncanonicalVariety};
use crate::vocabulary::AnomalyKind;

/// Every variety of `kind`; empty for kinds that have none.
pub fn varieties(kind: AnomalyKind) -> Vec<&'static str> {
    match kind {
        AnomalyKind::InvalidUuid => InvalidVariety::ALL.iter().map(|v| v.as_str()).collect(),
        AnomalyKind::NoncanonicalUuid => NoncanonicalVariety::ALL.iter().map(|v| v.as_str()).collect(),
        AnomalyKind::CaseCollision => vec!["uppercase", "mixed_case"],
        AnomalyKind::Duplicate => vec!["exact", "case", "whitespace"],
        AnomalyKind::Orphan | AnomalyKind::Null | AnomalyKind::Dependent => Vec::new(),
    }
}
