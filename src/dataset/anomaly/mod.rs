//! Anomaly kinds and the varieties of bad UUID text they inject.

mod kind;
mod uuid_forms;

pub use kind::AnomalyKind;
pub use uuid_forms::{InvalidVariety, NoncanonicalVariety};
