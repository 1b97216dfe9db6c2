//! The plan without a database: a hand-made two-table model, checked for exact counts,
//! children that avoid anomalous parents, and dependents that point at bad ones.

use std::path::Path;

use super::{ColumnGen, SeedPlan};
use crate::dataset::generate::cell::{cell_text, pick_parent};
use crate::dataset::model::{BaseType, ColumnModel, SchemaModel, TableModel};
use crate::dataset::AnomalyKind;
use crate::scenario::Scenario;

fn column(name: &str, base: BaseType, max_len: Option<usize>, not_null: bool) -> ColumnModel {
    ColumnModel { name: name.into(), base, max_len, not_null, ..ColumnModel::default() }
}

fn model() -> SchemaModel {
    let customers = TableModel {
        schema: "public".into(),
        name: "customers".into(),
        columns: vec![column("id", BaseType::Text, Some(36), true), column("email", BaseType::Text, None, true)],
        primary_key: vec![0],
        uniques: vec![vec![1]],
        foreign_keys: vec![],
        multi_column_checks: vec![],
        is_partitioned: false,
    };
    let orders = TableModel {
        schema: "public".into(),
        name: "orders".into(),
        columns: vec![column("id", BaseType::Text, Some(36), true), column("customer_ref", BaseType::Text, Some(36), false)],
        primary_key: vec![0],
        uniques: vec![],
        foreign_keys: vec![],
        multi_column_checks: vec![],
        is_partitioned: false,
    };
    SchemaModel { tables: vec![customers, orders] }
}

fn scenario() -> Scenario {
    let text = r#"
name = "plan"
seed = 9
[schema]
file = "schemas/shop.sql"
[rows]
customers = 200
orders = 3000
[[relation]]
from = "orders.customer_ref"
to = "customers.id"
[[anomaly]]
kind = "invalid_uuid"
column = "customers.id"
count = 10
[[anomaly]]
kind = "orphan"
column = "orders.customer_ref"
count = 5
[[anomaly]]
kind = "dependent"
column = "orders.customer_ref"
rate = 0.002
"#;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/plan.toml");
    Scenario::from_text(&path, text).unwrap()
}

#[test]
fn children_avoid_anomalous_parents_except_the_requested_dependents() {
    let model = model();
    let plan = SeedPlan::build(&scenario(), &model).unwrap();
    assert_eq!(plan.load_order, vec![0, 1], "customers before orders");
    let (customers, orders) = (&plan.tables[0], &plan.tables[1]);
    assert!(matches!(customers.columns[0], ColumnGen::UuidKey { .. }));
    assert!(matches!(orders.columns[1], ColumnGen::Reference { .. }));

    let count = |table: &super::TablePlan, kind| table.anomalies.values().filter(|a| a.kind == kind).count();
    assert_eq!(count(customers, AnomalyKind::InvalidUuid), 10);
    assert_eq!(count(orders, AnomalyKind::Orphan), 5);
    assert_eq!(count(orders, AnomalyKind::Dependent), 6, "round(0.002 × 3000)");

    let mut checked = 0;
    for row in (0..orders.rows).filter(|row| !orders.anomalies.contains_key(row)) {
        let parent = pick_parent(&plan, 1, 1, row).expect("a required reference always has a parent");
        assert!(!customers.anomalies.contains_key(&parent), "order {row} points at anomalous customer {parent}");
        checked += 1;
    }
    assert!(checked > 2900);
    for anomaly in orders.anomalies.values().filter(|a| a.kind == AnomalyKind::Dependent) {
        let (table, parent) = anomaly.related.expect("a dependent names its parent");
        assert_eq!(table, 0);
        assert_eq!(customers.anomalies[&parent].kind, AnomalyKind::InvalidUuid);
    }
}

#[test]
fn fan_out_is_skewed_and_keys_are_unique() {
    let model = model();
    let plan = SeedPlan::build(&scenario(), &model).unwrap();
    let mut children = vec![0u64; plan.tables[0].rows as usize];
    for row in 0..plan.tables[1].rows {
        if let Some(parent) = pick_parent(&plan, 1, 1, row) {
            children[parent as usize] += 1;
        }
    }
    children.sort_unstable();
    let (median, busiest) = (children[children.len() / 2], children[children.len() - 1]);
    assert!(busiest >= 10 * median.max(1), "busiest {busiest}, median {median}");

    let keys: std::collections::BTreeSet<String> = (0..plan.tables[0].rows).filter_map(|row| cell_text(&plan, 0, 0, row)).collect();
    assert_eq!(keys.len() as u64, plan.tables[0].rows, "customer keys are unique, anomalies included");
}
