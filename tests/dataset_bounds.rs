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

/// Found by `tests/run_properties.rs`: with three users, two of them non-canonical, the
/// children the dataset gives non-canonical parents took every row of `tags`, and
/// `journal_entry_tags`, which references `tags`, had no row without an anomaly to point
/// at. The dataset's own children now leave a row of every table without an anomaly.
#[tokio::test]
async fn children_of_non_canonical_parents_leave_a_clean_row_for_the_tables_below() {
    let text = "name = \"tiny\"\nseed = 7\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 3\njournal_entries = 6\ntags = 3\nreminders = 3\nsecret_tags = 1\njournal_entry_tags = 3\n\
                [[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 2\n";
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenario = Scenario::from_text(std::path::Path::new("scenarios/tiny.toml"), text).unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &scenario, &Quiet).await.unwrap_or_else(|e| panic!("the tiny scenario seeds: {e}"));
    for (table, rows) in [("users", 3), ("tags", 3), ("journal_entry_tags", 3)] {
        assert_eq!(summary.truth.row_counts.get(table).copied(), Some(rows), "{table}");
    }
    let children: i64 = sqlx::query_scalar("SELECT count(*) FROM tags t JOIN users u ON u.id = t.user_id WHERE u.id::uuid::text <> u.id")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(children > 0, "non-canonical parents still get children");
}
