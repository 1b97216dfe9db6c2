//! The shipped `journal-small` scenario, seeded through the CLI into an existing database:
//! realistic values, skewed fan-out, dates over years, the manifest equal to the ground
//! truth in the database, and counts equal to what the scenario asked.

mod dataset_support;

use std::process::Command;

use dataset_support::scenarios_dir;
use pgrehearse::dataset::GroundTruth;
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;

#[tokio::test]
async fn journal_small_through_the_cli_is_realistic_and_matches_its_manifest() {
    let path = scenarios_dir().join("journal-small.toml");
    let scenario = Scenario::load(&path).unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let manifest = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .args(["seed", path.to_str().unwrap(), "--database-url", &db.url(), "--manifest", manifest.path().to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "seed failed: {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("case_collision") && stdout.contains("rows/s"), "summary lists anomalies and speed:\n{stdout}");

    let mut conn = db.connect().await.unwrap();
    let truth = GroundTruth::load(&mut conn).await.unwrap();
    let from_manifest: GroundTruth = serde_json::from_str(&std::fs::read_to_string(manifest.path()).unwrap()).unwrap();
    assert_eq!(from_manifest, truth, "the manifest holds the same ground truth as the database");
    assert_eq!(truth.scenario, "journal-small");
    assert_eq!(truth.seed, scenario.seed);

    // Counts equal the request, per (table, kind); requests on one (table, kind) add up.
    assert!(!scenario.anomalies.is_empty());
    let mut expected = std::collections::BTreeMap::new();
    for request in &scenario.anomalies {
        let rows = truth.row_counts[&request.column.table];
        *expected.entry((request.column.table.clone(), request.kind)).or_insert(0) += request.amount.rows_for(request.kind, rows);
    }
    assert_eq!(truth.requested_counts(), expected);

    // Fan-out is skewed: the busiest user has far more entries than the median user.
    let (busiest, median): (i64, f64) = sqlx::query_as(
        "SELECT max(n), percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM (SELECT count(*) AS n FROM journal_entries GROUP BY user_id) per_user",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(busiest as f64 >= 20.0 * median, "busiest user {busiest} entries, median {median}");

    // Dates spread over years; emails look like emails and are unique as text.
    let (years, emails, distinct_emails, at_signs): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT extract(year FROM entry_date))::int8 FROM journal_entries),
                count(*), count(DISTINCT email), count(*) FILTER (WHERE email LIKE '%_@_%.%') FROM users",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(years >= 8, "entries span {years} years");
    assert_eq!(emails, distinct_emails);
    assert_eq!(at_signs, emails);
}

/// Every shipped scenario small enough for a test seeds, and its ground-truth counts equal
/// what it asks for.
#[tokio::test]
async fn every_small_shipped_scenario_seeds_with_exact_counts() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let mut seeded = 0;
    let mut paths: Vec<_> = std::fs::read_dir(scenarios_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "toml")) {
        let scenario = Scenario::load(path).unwrap();
        if scenario.rows.iter().map(|(_, rows)| rows).sum::<u64>() > 100_000 {
            continue; // journal-1m belongs to the benchmark
        }
        let db = server.create_database().await.unwrap().keep_on_panic();
        let mut conn = db.connect().await.unwrap();
        let summary = pgrehearse::dataset::seed(&mut conn, &scenario, &pgrehearse::dataset::load::Silent)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let mut expected = std::collections::BTreeMap::new();
        for request in &scenario.anomalies {
            let rows = summary.truth.row_counts[&request.column.table];
            *expected.entry((request.column.table.clone(), request.kind)).or_insert(0) += request.amount.rows_for(request.kind, rows);
        }
        assert!(!expected.is_empty(), "{} asks for anomalies", path.display());
        assert_eq!(summary.truth.requested_counts(), expected, "{}", path.display());
        seeded += 1;
    }
    assert!(seeded >= 9, "seeded {seeded} scenarios");
}
