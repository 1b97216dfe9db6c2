//! A bring-your-own rehearsal wired by hand the way `pgrehearse run` will wire it:
//! up, checks, down, rollback identity, up again, rerun, and the four reports. The down
//! that lowercases uuids must turn the verdict to FAIL, and only rollback identity fails.

#[path = "verify_support/mod.rs"]
mod support;

use std::time::Instant;

use pgrehearse::migration::MigrationFailure;
use pgrehearse::report::{self, Backend, Report, Timing, Verdict};
use pgrehearse::verify::{
    anomalies, conservation, content, references, rerun, rollback_identity, up_runs, CheckKind, CheckResult,
    CheckStatus,
};
use support::*;

async fn rehearse(down_sql: &str) -> Report {
    let server = server().await;
    let template = seeded_template(&server, "").await;
    let scope = scope();
    let (before_db, work_db) = (template.clone_database().await.unwrap(), template.clone_database().await.unwrap());
    let (mut before, mut work) = (connect(&before_db).await, connect(&work_db).await);
    let mut timings = Vec::new();
    let mut checks: Vec<CheckResult> = Vec::new();

    let started = Instant::now();
    let up = run_sql(&mut work, "migrations/0007_uuid.up.sql", UP_SQL).await;
    timings.push(Timing { phase: "migrate".into(), duration: started.elapsed() });
    checks.push(up_runs::check(up.failure.clone().map(MigrationFailure::from).as_ref(), &Default::default(), up.duration));
    let (conserved, counts) = conservation::check(&mut before, &mut work, &scope).await.unwrap();
    checks.push(conserved);
    checks.push(content::check(&mut before, &mut work, &scope).await.unwrap());
    checks.push(references::check(&mut work, &[], &scope).await.unwrap());
    let set_aside = anomalies::read_quarantined(&mut before, &mut work, &scope).await.unwrap();
    checks.push(anomalies::check(None, &set_aside));
    let first = rerun::capture(&mut work, &scope.snapshot_options()).await.unwrap();

    let started = Instant::now();
    apply(&mut work, "migrations/0007_uuid.down.sql", down_sql).await;
    timings.push(Timing { phase: "rollback".into(), duration: started.elapsed() });
    checks.push(rollback_identity::check(&mut before, &mut work, &scope).await.unwrap());
    let again = run_sql(&mut work, "migrations/0007_uuid.up.sql", UP_SQL).await;
    let second = match &again.failure {
        None => Ok(rerun::capture(&mut work, &scope.snapshot_options()).await.unwrap()),
        Some(f) => Err(MigrationFailure::from(f.clone())),
    };
    checks.push(rerun::check(&first, second.as_ref(), again.duration));

    let backend = Backend {
        kind: format!("{:?}", server.kind()).to_lowercase(),
        server_version: scalar_text(&mut work, "SHOW server_version").await,
        pgrehearse_version: env!("CARGO_PKG_VERSION").into(),
        database: work_db.display_url(),
        migration: "migrations/0007_uuid.up.sql, migrations/0007_uuid.down.sql".into(),
    };
    let mut report = Report::new("byo-uuid", backend, checks);
    report.tables = counts;
    report.quarantine_by_reason = anomalies::by_reason(&set_aside);
    report.timings = timings;
    report
}

#[tokio::test]
async fn a_subtly_wrong_down_fails_only_rollback_identity_and_the_reports_say_so() {
    let report = rehearse(LOWERCASING_DOWN_SQL).await;
    assert_eq!(report.verdict, Verdict::Fail);
    let failed: Vec<CheckKind> =
        report.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| c.check).collect();
    assert_eq!(failed, vec![CheckKind::RollbackIdentity], "{:#?}", report.checks);
    assert!(report.tables.iter().all(|t| t.before > 0 && t.after == Some(t.before)));

    let dir = tempfile::tempdir().unwrap();
    let written = report::write_reports(&report, dir.path()).unwrap();
    let md = std::fs::read_to_string(&written.markdown).unwrap();
    assert!(md.contains("**Verdict: FAIL**") && md.contains("### rollback-identity: **FAIL**"));
    let junit = std::fs::read_to_string(&written.junit).unwrap();
    assert_eq!(junit.matches("<failure ").count(), 1);
    let html = std::fs::read_to_string(&written.html).unwrap();
    assert!(html.contains("rollback-identity: <span class=\"fail\">FAIL</span>"));
    assert!(html.contains(&report.backend.database), "the display URL says where it ran");
}

#[tokio::test]
async fn a_correct_down_passes() {
    let report = rehearse(DOWN_SQL).await;
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
    assert_eq!(
        report.checks.iter().filter(|c| c.status == CheckStatus::Skip).count(),
        1,
        "anomalies are not scored without ground truth"
    );
}
