//! Anomaly kinds and the varieties of bad UUID text they inject.

mod uuid_forms;

pub use crate::vocabulary::{varieties, AnomalyKind, InvalidVariety, NoncanonicalVariety};
