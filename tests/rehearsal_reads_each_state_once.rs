//! A rehearsal reads each database state once: the original, after up, after down and
//! after the second up. The checks share those snapshots instead of reading the catalog
//! again. This file holds one test, so no other test's snapshots land in the count.

use std::path::Path;

use pgrehearse::verify::registry::{AFTER_DOWN, AFTER_UP};
use pgrehearse::progress::Progress;
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::rehearsal::{rehearse, RehearsalOptions};
use pgrehearse::scenario::Scenario;
use pgrehearse::verify::schema_snapshot::snapshots_taken;

#[tokio::test]
async fn one_rehearsal_snapshots_each_database_state_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/anomaly-orphan.toml");
    let scenario = Scenario::load(&path).expect("shipped scenario loads");
    let server = provision::provision(&ProvisionOptions::native()).await.expect("native server");
    let out = tempfile::tempdir().unwrap();
    let options = RehearsalOptions { out_dir: out.path().to_path_buf(), progress: Progress::hidden(), statement_timeout: pgrehearse::migration::DEFAULT_STATEMENT_TIMEOUT };
    let before = snapshots_taken();
    let rehearsed = rehearse(&server, &scenario, &options).await.expect("rehearsal runs");
    let taken = snapshots_taken() - before;
    let checks: Vec<&str> = rehearsed.report.checks.iter().map(|c| c.check.name()).collect();
    // up-runs, every state check of both phases as the registry lists them, then rerun.
    let mut expected = vec!["up-runs"];
    expected.extend(AFTER_UP.iter().chain(AFTER_DOWN).map(|k| k.name()));
    expected.push("rerun");
    assert_eq!(checks, expected, "every check ran");
    // original, after up, after down, after the second up
    assert_eq!(taken, 4, "each database state is read once and shared by every check");
}
