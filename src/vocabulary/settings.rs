//! Settings with one type, one default and one validation each, whoever reads them: the
//! scenario file, the command line, or the engine.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Rows per batch of the built-in engine: a latency knob more than a throughput knob
/// (p99 batch time grows with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct BatchSize(NonZeroU32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("must be a whole number from 1 to {max}, not `{given}`", max = u32::MAX)]
    BatchSize { given: String },
}

impl BatchSize {
    pub const DEFAULT: BatchSize = BatchSize(NonZeroU32::new(1000).expect("1000 is not zero"));

    /// The one validation: at least 1, and small enough for a `LIMIT`.
    pub fn new(rows: u64) -> Result<BatchSize, SettingError> {
        u32::try_from(rows)
            .ok()
            .and_then(NonZeroU32::new)
            .map(BatchSize)
            .ok_or_else(|| SettingError::BatchSize { given: rows.to_string() })
    }

    /// As the engine binds it.
    pub fn rows(self) -> i64 {
        i64::from(self.0.get())
    }
}

impl Default for BatchSize {
    fn default() -> Self {
        BatchSize::DEFAULT
    }
}

impl FromStr for BatchSize {
    type Err = SettingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rows = s.trim().parse::<u64>().map_err(|_| SettingError::BatchSize { given: s.to_string() })?;
        BatchSize::new(rows)
    }
}

impl TryFrom<u64> for BatchSize {
    type Error = SettingError;

    fn try_from(rows: u64) -> Result<Self, Self::Error> {
        BatchSize::new(rows)
    }
}

impl From<BatchSize> for u64 {
    fn from(size: BatchSize) -> u64 {
        u64::from(size.0.get())
    }
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_size_is_validated_once() {
        assert_eq!(BatchSize::default().rows(), 1000);
        assert_eq!("20".parse::<BatchSize>().map(BatchSize::rows), Ok(20));
        for bad in ["0", "-1", "x", "99999999999"] {
            assert!(bad.parse::<BatchSize>().is_err(), "{bad} must be refused");
        }
        assert!(BatchSize::new(0).is_err());
    }
}
