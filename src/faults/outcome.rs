//! What one fault came to: its name, whether the invariants held after it (pass), did not
//! (fail), or the fault could not be injected here (not-run, with the reason), a detail a
//! person can act on, and how long it took.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FaultOutcome {
    /// The fault landed and every invariant held afterwards.
    Pass,
    /// The fault landed and an invariant did not hold: the rehearsal fails.
    Fail,
    /// The fault could not be injected on this backend or machine; the detail says why.
    NotRun,
}

impl FaultOutcome {
    pub fn label(self) -> &'static str {
        match self {
            FaultOutcome::Pass => "pass",
            FaultOutcome::Fail => "fail",
            FaultOutcome::NotRun => "not-run",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FaultResult {
    /// The fault, e.g. `kill-engine-in-backup`.
    pub fault: String,
    pub outcome: FaultOutcome,
    /// What happened and what was checked; for a failure, what differed.
    pub detail: String,
    #[serde(with = "crate::vocabulary::duration_ms", rename = "duration_ms")]
    #[schemars(with = "f64")]
    pub duration: Duration,
}

impl FaultResult {
    pub fn new(fault: impl Into<String>, outcome: FaultOutcome, detail: impl Into<String>, duration: Duration) -> FaultResult {
        FaultResult { fault: fault.into(), outcome, detail: detail.into(), duration }
    }
}
