//! Snapshots of the reports of shipped scenarios, produced by the real pipeline (seed,
//! migrate, verify, roll back, re-run) with durations and the database URL redacted. The
//! dataset is deterministic per seed, so everything else must come out the same.

use std::path::Path;

use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::rehearsal::{rehearse, RehearsalOptions};
use pgrehearse::report::markdown;
use pgrehearse::scenario::Scenario;

async fn snapshot_scenario(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let scenario = Scenario::load(&path).expect("shipped scenario loads");
    let server = provision::provision(&ProvisionOptions::native()).await.expect("native server");
    let out = tempfile::tempdir().unwrap();
    let options = RehearsalOptions { out_dir: out.path().to_path_buf(), progress: pgrehearse::progress::Progress::hidden(), statement_timeout: pgrehearse::migration::DEFAULT_STATEMENT_TIMEOUT };
    let rehearsed = rehearse(&server, &scenario, &options).await.expect("rehearsal runs");
    let text = markdown::render(&rehearsed.report.redacted());
    assert!(text.trim().len() > 200, "{file} rendered almost nothing");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("scenario_{}", scenario.name), text);
    });
}

#[tokio::test]
async fn journal_small_report() {
    snapshot_scenario("journal-small.toml").await;
}

#[tokio::test]
async fn byo_wrong_down_report() {
    snapshot_scenario("byo-uuid-wrong-down.toml").await;
}
