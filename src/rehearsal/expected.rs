//! The rows the built-in engine must set aside, derived from the dataset's ground truth
//! and the scenario's policies: each anomaly the policy quarantines, plus every row that
//! references a quarantined row, followed through every FK and declared relation.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgConnection;

use crate::dataset::GroundTruth;
use crate::quote::quote_ident;
use crate::scenario::BuiltinMigration;
use crate::verify::anomalies::SetAside;
use crate::verify::schema_snapshot::SchemaSnapshot;
use crate::verify::VerifyError;
use crate::vocabulary::{AnomalyKind, Policy, Relation, TableName};

/// Expected set-aside rows: `converted` are the columns the engine converts (the root and
/// every column referencing it), `links` every single-column reference in the before database.
pub async fn expected_set_aside(
    before: &mut PgConnection,
    snapshot: &SchemaSnapshot,
    truth: &GroundTruth,
    migration: &BuiltinMigration,
    converted: &BTreeSet<(TableName, String)>,
    links: &[Relation],
) -> Result<Vec<SetAside>, VerifyError> {
    let root = (TableName::parse(&migration.root.table), migration.root.column.clone());
    let mut quarantined: BTreeMap<TableName, BTreeSet<String>> = BTreeMap::new();
    let mut nulled: Vec<SetAside> = Vec::new();
    for record in &truth.anomalies {
        let table = TableName::parse(&record.table_name);
        let Some(column) = record.column_name.clone() else { continue };
        let key = record.pk.join("|");
        let on_converted = converted.contains(&(table.clone(), column.clone()));
        let quarantines = match record.kind {
            AnomalyKind::InvalidUuid => on_converted && migration.policies.invalid == Policy::Quarantine,
            AnomalyKind::CaseCollision => (table.clone(), column.clone()) == root && migration.policies.collision == Policy::Quarantine,
            AnomalyKind::Orphan if on_converted && migration.policies.orphan == Policy::Nullify => {
                nulled.push(SetAside { table: table.to_string(), key: key.clone(), action: "nulled".into(), reason: None });
                false
            }
            AnomalyKind::Orphan => on_converted && migration.policies.orphan == Policy::Quarantine,
            _ => false,
        };
        if quarantines {
            quarantined.entry(table).or_default().insert(key);
        }
    }
    cascade(before, snapshot, links, &mut quarantined).await?;
    let mut expected: Vec<SetAside> = quarantined
        .into_iter()
        .flat_map(|(table, keys)| {
            keys.into_iter().map(move |key| SetAside { table: table.to_string(), key, action: "quarantined".into(), reason: None })
        })
        .collect();
    expected.extend(nulled);
    expected.sort();
    Ok(expected)
}

/// Adds every row that references a quarantined row, until nothing new is found.
async fn cascade(
    conn: &mut PgConnection,
    snapshot: &SchemaSnapshot,
    links: &[Relation],
    quarantined: &mut BTreeMap<TableName, BTreeSet<String>>,
) -> Result<(), VerifyError> {
    let mut frontier = quarantined.clone();
    while !frontier.is_empty() {
        let mut next: BTreeMap<TableName, BTreeSet<String>> = BTreeMap::new();
        for link in links {
            let Some(parent_keys) = frontier.get(&link.parent) else { continue };
            let values = referenced_values(conn, snapshot, link, parent_keys).await?;
            for key in referencing_keys(conn, snapshot, link, &values).await? {
                if quarantined.entry(link.child.clone()).or_default().insert(key.clone()) {
                    next.entry(link.child.clone()).or_default().insert(key);
                }
            }
        }
        frontier = next;
    }
    Ok(())
}

fn key_expression(snapshot: &SchemaSnapshot, table: &TableName) -> String {
    let pk = snapshot.tables.get(table).map(|t| t.primary_key.clone()).unwrap_or_default();
    let parts: Vec<String> = pk.iter().map(|c| format!("{}::text", quote_ident(c))).collect();
    format!("concat_ws('|', {})", parts.join(", "))
}

/// The values of `link.parent_columns[0]` in the parent rows with these keys.
async fn referenced_values(conn: &mut PgConnection, snapshot: &SchemaSnapshot, link: &Relation, keys: &BTreeSet<String>) -> Result<Vec<String>, VerifyError> {
    let sql = format!(
        "SELECT {}::text FROM {} WHERE {} = ANY($1) AND {} IS NOT NULL",
        quote_ident(&link.parent_columns[0]),
        link.parent.quoted(),
        key_expression(snapshot, &link.parent),
        quote_ident(&link.parent_columns[0])
    );
    let keys: Vec<&String> = keys.iter().collect();
    sqlx::query_scalar(&sql).bind(keys).fetch_all(conn).await.map_err(VerifyError::query(format!("read keys of {}", link.parent)))
}

/// Keys of the child rows whose reference holds one of `values`, byte for byte.
async fn referencing_keys(conn: &mut PgConnection, snapshot: &SchemaSnapshot, link: &Relation, values: &[String]) -> Result<Vec<String>, VerifyError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE {}::text = ANY($1)",
        key_expression(snapshot, &link.child),
        link.child.quoted(),
        quote_ident(&link.child_columns[0])
    );
    sqlx::query_scalar(&sql).bind(values).fetch_all(conn).await.map_err(VerifyError::query(format!("follow {} to its children", link.parent)))
}
