//! A schema that is not journal, read from a user's DDL file: a composite key made of two
//! references, a self-reference, an integer key, and a reference declared only in the
//! scenario. Every key and constraint is built after loading and must hold.

mod dataset_support;

use dataset_support::{fingerprints, scenarios_dir};
use pgrehearse::dataset::{self, AnomalyKind, GroundTruth, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::{Amount, Scenario};

struct Quiet;
impl SeedObserver for Quiet {}

#[tokio::test]
async fn shop_schema_with_composite_key_and_self_reference_seeds_and_keeps_its_constraints() {
    let scenario = Scenario::load(scenarios_dir().join("shop.toml")).unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &scenario, &Quiet).await.unwrap();
    let model = &summary.model;

    let lines = &model.tables[model.find_table("order_lines").unwrap()];
    assert_eq!(lines.primary_key.len(), 2, "order_lines has a composite key");
    let categories = &model.tables[model.find_table("categories").unwrap()];
    let self_fk = categories.foreign_keys.iter().find(|fk| fk.ref_table == model.find_table("categories").unwrap());
    assert!(self_fk.is_some(), "categories references itself");

    // Row counts are what the scenario asked for.
    let prints = fingerprints(&mut conn, model).await;
    for (table, rows) in &scenario.rows {
        assert_eq!(prints[&table.table].0 as u64, *rows, "{} rows", table.table);
    }

    // The keys and FKs were built back after loading, and they hold.
    let (constraints,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.contype IN ('p','u','f') AND c.convalidated",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let declared = model.tables.iter().map(|t| usize::from(!t.primary_key.is_empty()) + t.uniques.len() + t.foreign_keys.len()).sum::<usize>();
    assert!(declared >= 9, "the shop schema declares keys, uniques and FKs ({declared})");
    assert_eq!(constraints as usize, declared, "every key and FK is back and validated");
    let (indexes,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname = 'ix_products_category'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(indexes, 1, "plain indexes are built back too");

    // The self-reference forms a forest: some roots, and every parent has a lower id.
    let (roots, children, backwards): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE parent_id IS NULL), count(*) FILTER (WHERE parent_id IS NOT NULL), count(*) FILTER (WHERE parent_id >= id) FROM categories",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(roots >= 1 && children >= 1, "roots {roots}, children {children}");
    assert_eq!(backwards, 0);

    // The serial key's sequence continues after the loaded ids.
    let (next, max): (i64, i32) = sqlx::query_as("SELECT nextval(pg_get_serial_sequence('categories', 'id')), (SELECT max(id) FROM categories)")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(next, i64::from(max) + 1);

    // The ground truth has exactly what was asked, per table and kind.
    let truth = GroundTruth::load(&mut conn).await.unwrap();
    assert!(!scenario.anomalies.is_empty());
    for request in &scenario.anomalies {
        let table = &request.column.table;
        let rows = prints[table].0 as u64;
        assert_eq!(truth.count(table, request.kind), request.amount.rows_for(request.kind, rows), "{} on {}", request.kind, request.column);
        assert!(matches!(request.amount, Amount::Count(_)));
    }
    let orphans: (i64,) = sqlx::query_as("SELECT count(*) FROM orders o WHERE customer_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_ref)")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(orphans.0 as u64, truth.count("orders", AnomalyKind::Orphan));
}
