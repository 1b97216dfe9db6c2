//! Row counts that cannot fit are refused before a row is written, with the estimate and
//! the free space, as the scenario's fault (exit 2).

use std::process::Command;

use pgrehearse::dataset::{self, SeedError, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;

struct Quiet;
impl SeedObserver for Quiet {}

const HUGE: &str = "name = \"huge\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 9223372036854775807\n";

#[tokio::test]
async fn a_row_count_larger_than_the_free_disk_is_refused_with_the_estimate() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenario = Scenario::from_text(std::path::Path::new("scenarios/huge.toml"), HUGE).unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let err = dataset::seed(&mut conn, &scenario, &Quiet).await.unwrap_err();
    assert!(matches!(err, SeedError::TooBig { .. }), "{err}");
    assert!(err.is_bad_scenario());
    let text = err.to_string();
    assert!(text.contains("9223372036854775807 rows") && text.contains("EB on disk") && text.contains("free"), "{text}");
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(tables, 0, "nothing is left half-way");
}

#[test]
fn the_seed_command_exits_2_for_a_count_that_cannot_fit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    std::fs::write(&path, HUGE).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).arg("seed").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("would take about"), "{stderr}");
}
