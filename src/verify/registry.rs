//! The state checks and the phase each runs in. A new check is one file with
//! `pub async fn check(ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError>`, one
//! [`CheckKind`] variant, and one entry here.
//!
//! `up-runs` and `rerun` score how a migration *ran* (its failure, the state a second up
//! reached), not a database state, so the rehearsal scores them as it runs them.

use super::context::Context;
use super::error::VerifyError;
use super::finding::{CheckKind, CheckResult};
use super::{anomalies, conservation, content, references, rollback_identity, up_changes};

/// After up: nothing lost, values kept, references hold, the right rows set aside, and
/// what up changed in the schema, with the suspicious changes.
pub const AFTER_UP: &[CheckKind] =
    &[CheckKind::Conservation, CheckKind::Content, CheckKind::References, CheckKind::Anomalies, CheckKind::UpChanges];

/// After down: the database is the original again.
pub const AFTER_DOWN: &[CheckKind] = &[CheckKind::RollbackIdentity];

/// The checks that ran, and the internal error that stopped the phase, if one did.
#[derive(Debug)]
pub struct PhaseResult {
    pub results: Vec<CheckResult>,
    pub error: Option<VerifyError>,
}

/// Runs `checks` in order on one context. An internal error stops the phase; the checks
/// that completed are kept for the report.
pub async fn run_phase(checks: &[CheckKind], ctx: &mut Context<'_>) -> PhaseResult {
    let mut results = Vec::with_capacity(checks.len());
    for &kind in checks {
        match run(kind, ctx).await {
            Ok(result) => results.push(result),
            Err(error) => return PhaseResult { results, error: Some(error) },
        }
    }
    PhaseResult { results, error: None }
}

/// The registry: one line per state check.
pub async fn run(kind: CheckKind, ctx: &mut Context<'_>) -> Result<CheckResult, VerifyError> {
    match kind {
        CheckKind::Conservation => conservation::check(ctx).await,
        CheckKind::Content => content::check(ctx).await,
        CheckKind::References => references::check(ctx).await,
        CheckKind::Anomalies => anomalies::check(ctx).await,
        CheckKind::UpChanges => up_changes::check(ctx).await,
        CheckKind::RollbackIdentity => rollback_identity::check(ctx).await,
        CheckKind::UpRuns | CheckKind::Rerun | CheckKind::SqliteExport => Err(VerifyError::NotAStateCheck { check: kind }),
    }
}
