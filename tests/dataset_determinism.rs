//! Same seed, same bytes; different seed, different data. Compared by per-table
//! fingerprints of two generations on one disposable server.

mod dataset_support;

use dataset_support::{fingerprints, scenario};
use pgrehearse::dataset::{self, GroundTruth, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions, Server};

struct Quiet;
impl SeedObserver for Quiet {}

const SCENARIO: &str = r#"
name = "determinism"
seed = SEED
[schema]
builtin = "journal"
[rows]
users = 400
journal_entries = 2000
[[anomaly]]
kind = "invalid_uuid"
column = "users.id"
count = 9
[[anomaly]]
kind = "case_collision"
column = "users.id"
count = 4
[[anomaly]]
kind = "dependent"
column = "journal_entries.user_id"
count = 5
[[anomaly]]
kind = "duplicate"
column = "users.email"
count = 3
"#;

async fn generation(server: &Server, seed: u64) -> (std::collections::BTreeMap<String, (i64, String)>, GroundTruth) {
    let scenario = scenario(&SCENARIO.replace("SEED", &seed.to_string()));
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &scenario, &Quiet).await.unwrap();
    let prints = fingerprints(&mut conn, &summary.model).await;
    let truth = GroundTruth::load(&mut conn).await.unwrap();
    assert_eq!(truth, summary.truth, "the ground truth in the database is the one generated");
    (prints, truth)
}

#[tokio::test]
async fn same_seed_gives_identical_data_and_a_different_seed_different_data() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let (first, first_truth) = generation(&server, 42).await;
    let (again, again_truth) = generation(&server, 42).await;
    let (other, other_truth) = generation(&server, 43).await;

    assert_eq!(first.len(), 6, "every journal table is fingerprinted");
    assert!(first.values().all(|(rows, _)| *rows > 0), "every table has rows: {first:?}");
    assert_eq!(first, again, "same seed, same fingerprints");
    assert_eq!(first_truth, again_truth, "same seed, same ground truth");
    for (table, print) in &first {
        assert_eq!(print.0, other[table].0, "row counts do not depend on the seed ({table})");
        assert_ne!(print.1, other[table].1, "a different seed changes {table}");
    }
    assert_ne!(first_truth.anomalies, other_truth.anomalies);
    assert_eq!(first_truth.counts(), other_truth.counts(), "the counts follow the scenario, not the seed");
}

#[tokio::test]
async fn the_plan_alone_is_deterministic_down_to_the_copy_bytes() {
    // No database needed past the catalog: render every table twice from two plans.
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenario = scenario(&SCENARIO.replace("SEED", "5"));
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let (model, plan) = dataset::seed::create_and_plan(&mut conn, &scenario, dataset::SchemaSetup::Create).await.unwrap();
    let second = pgrehearse::dataset::SeedPlan::build(&scenario, &model).unwrap();
    let render = |plan: &pgrehearse::dataset::SeedPlan| {
        let mut bytes = Vec::new();
        for &table in &plan.load_order {
            let mut row = 0;
            while row < plan.tables[table].rows {
                let mut chunk = Vec::new();
                row = dataset::generate::chunks::render_chunk(plan, table, row..plan.tables[table].rows, &mut chunk);
                bytes.extend_from_slice(&chunk);
            }
        }
        bytes
    };
    let (a, b) = (render(&plan), render(&second));
    assert!(a.len() > 100_000, "rendered {} bytes", a.len());
    assert_eq!(a, b);
}

/// Per table, a hash of its rows in physical order: equal only if the rows were written in
/// the same order, which is what one table whole on one COPY stream promises.
async fn physical_order(conn: &mut sqlx::PgConnection, model: &pgrehearse::dataset::SchemaModel) -> std::collections::BTreeMap<String, String> {
    let mut prints = std::collections::BTreeMap::new();
    for table in &model.tables {
        let sql = format!("SELECT coalesce(md5(string_agg(t::text, E'\\n' ORDER BY ctid)), '') FROM {} t", pgrehearse::quote::quote_qualified(&table.schema, &table.name));
        let (print,): (String,) = sqlx::query_as(&sql).fetch_one(&mut *conn).await.unwrap();
        prints.insert(table.display_name(), print);
    }
    prints
}

#[tokio::test]
async fn parallel_streams_load_the_same_bytes_in_the_same_order_with_the_same_truth() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let scenario = scenario(&format!("{}[[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 6\n", SCENARIO.replace("SEED", "17")));
    let mut results = Vec::new();
    for streams in [1, 2, 3] {
        let db = server.create_database().await.unwrap().keep_on_panic();
        let mut conn = db.connect().await.unwrap();
        let summary = dataset::seed_parallel(&mut conn, &db.connect_options(), streams, &scenario, dataset::SchemaSetup::Create, &Quiet).await.unwrap();
        let truth = GroundTruth::load(&mut conn).await.unwrap();
        assert_eq!(truth, summary.truth);
        let (keys, unvalidated): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE NOT convalidated) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND contype IN ('p', 'u', 'f')",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let (indexes,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'").fetch_one(&mut conn).await.unwrap();
        results.push((streams, fingerprints(&mut conn, &summary.model).await, physical_order(&mut conn, &summary.model).await, truth, (keys, unvalidated, indexes)));
    }
    let (_, prints, order, truth, keys) = &results[0];
    assert!(truth.anomalies.iter().any(|r| r.is_inherited()), "the truth holds inherited rows, so it is compared on them too");
    assert_eq!(keys.1, 0, "every key and FK is validated");
    assert!(keys.0 >= 10 && keys.2 >= 9, "the journal's keys and indexes are back: {keys:?}");
    for (streams, other_prints, other_order, other_truth, other_keys) in &results[1..] {
        assert_eq!(other_prints, prints, "{streams} streams: same rows");
        assert_eq!(other_order, order, "{streams} streams: same physical order");
        assert_eq!(other_truth, truth, "{streams} streams: same ground truth");
        assert_eq!(other_keys, keys, "{streams} streams: the same keys, all validated");
    }
}
