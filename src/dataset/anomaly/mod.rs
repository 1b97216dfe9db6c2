//! Anomaly kinds and the varieties of bad UUID text they inject.

mod uuid_forms;
mod varieties;

pub use crate::vocabulary::AnomalyKind;
pub use uuid_forms::{InvalidVariety, NoncanonicalVariety};
pub use varieties::varieties;
