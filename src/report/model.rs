//! The one report model every renderer reads: the verdict, each check with its findings,
//! row counts per table, quarantine by reason, batch durations, timings and the backend.
//! Everything but the timings is deterministic for a given rehearsal.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::vocabulary::Batch;
use crate::faults::{FaultOutcome, FaultResult};
use crate::verify::conservation::TableCounts;
use crate::verify::schema_diff::SchemaChange;
use crate::verify::{CheckResult, CheckStatus};

/// The version of `report.json`'s layout; it changes when a field changes meaning or goes.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The layout version of this file: [`FORMAT`].
    pub format: u32,
    /// When the report was made, RFC 3339 in UTC.
    pub generated_at: String,
    /// The scenario's name; also the report directory's name.
    pub scenario: String,
    /// The scenario's seed: the same seed generates the same data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub verdict: Verdict,
    /// Lines every renderer shows at the top, such as a check skipped because the migration
    /// has no down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Where the rehearsal ran; never a URL with a password.
    pub backend: Backend,
    /// One entry per check, in the order they ran.
    pub checks: Vec<CheckResult>,
    /// Rows before and after up, and set aside, per table (from the conservation check).
    pub tables: Vec<TableCounts>,
    /// What up changed in the schema, each object before and after (from the up-changes
    /// check); absent when up did not complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_changes: Option<Vec<SchemaChange>>,
    /// Rows set aside, by the reason the migration gave.
    pub quarantine_by_reason: BTreeMap<String, u64>,
    /// Each batch of the migration, in order, for the duration-over-time chart.
    pub batches: Vec<Batch>,
    /// Wall-clock time of each phase (provision, seed, migrate, ...), in order.
    pub timings: Vec<Timing>,
    /// Each fault of the scenario's `[faults]`, in order, with its outcome; absent when the
    /// scenario asks for none. A failed fault fails the rehearsal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultResult>,
    /// The internal error that stopped the rehearsal before every check ran (verdict
    /// `error`, exit 4); `checks` holds those that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every check passed or was skipped.
    Pass,
    /// At least one check has a finding.
    Fail,
    /// An internal error stopped the rehearsal: not every check ran.
    Error,
}

impl Verdict {
    pub fn from_checks(checks: &[CheckResult]) -> Verdict {
        if checks.iter().any(|c| c.status == CheckStatus::Fail) {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Backend {
    /// `native`, `container` or `existing`.
    pub kind: String,
    /// `SHOW server_version`, e.g. `15.18`.
    pub server_version: String,
    pub pgrehearse_version: String,
    /// The database as `Database::display_url` shows it: password redacted.
    pub database: String,
    /// `built-in uuid engine` or the user's migration files.
    pub migration: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timing {
    pub phase: String,
    #[serde(with = "crate::vocabulary::duration_ms", rename = "duration_ms")]
    #[schemars(with = "f64")]
    pub duration: Duration,
}

impl Report {
    /// A report with its verdict taken from its checks.
    pub fn new(scenario: impl Into<String>, backend: Backend, checks: Vec<CheckResult>) -> Report {
        Report {
            format: FORMAT,
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            scenario: scenario.into(),
            seed: None,
            verdict: Verdict::from_checks(&checks),
            notes: Vec::new(),
            backend,
            checks,
            tables: Vec::new(),
            up_changes: None,
            quarantine_by_reason: BTreeMap::new(),
            batches: Vec::new(),
            timings: Vec::new(),
            faults: Vec::new(),
            error: None,
        }
    }

    /// Records the faults' outcomes; a failed one makes a passing verdict fail.
    pub fn set_faults(&mut self, faults: Vec<FaultResult>) {
        if self.verdict == Verdict::Pass && faults.iter().any(|f| f.outcome == FaultOutcome::Fail) {
            self.verdict = Verdict::Fail;
        }
        self.faults = faults;
    }

    /// The faults that failed, by name.
    pub fn failed_faults(&self) -> Vec<&str> {
        self.faults.iter().filter(|f| f.outcome == FaultOutcome::Fail).map(|f| f.fault.as_str()).collect()
    }

    /// Records the internal error that stopped the rehearsal; the verdict becomes `error`.
    pub fn set_internal_error(&mut self, error: impl Into<String>) {
        self.error = Some(error.into());
        self.verdict = Verdict::Error;
    }

    /// The same report with every volatile field (the time, durations, the database URL
    /// with its port, the server's build) replaced by a fixed value, so snapshots compare what matters.
    pub fn redacted(&self) -> Report {
        let mut r = self.clone();
        r.generated_at = "[time]".to_string();
        r.backend.database = "[database]".to_string();
        // The server's build string differs between machines of the same major version.
        r.backend.server_version = "[server version]".to_string();
        r.checks.iter_mut().for_each(|c| c.duration = Duration::ZERO);
        r.batches.iter_mut().for_each(|b| b.duration = Duration::ZERO);
        r.timings.iter_mut().for_each(|t| t.duration = Duration::ZERO);
        r.faults.iter_mut().for_each(|f| f.duration = Duration::ZERO);
        r
    }

    /// How many checks have each status: (passed, failed, skipped).
    pub fn tally(&self) -> (usize, usize, usize) {
        let count = |s: CheckStatus| self.checks.iter().filter(|c| c.status == s).count();
        (count(CheckStatus::Pass), count(CheckStatus::Fail), count(CheckStatus::Skip))
    }

    pub fn total_duration(&self) -> Duration {
        self.timings.iter().map(|t| t.duration).sum()
    }
}
