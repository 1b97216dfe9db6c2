//! One committed batch of a migration: the engine records it, the report charts it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Batch {
    /// 1-based, in commit order.
    pub index: u64,
    pub rows: u64,
    #[serde(with = "super::duration_ms", rename = "duration_ms")]
    #[schemars(with = "f64")]
    pub duration: Duration,
}
