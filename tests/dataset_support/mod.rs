//! Shared helpers for the dataset tests: scenarios from text, table fingerprints, and the
//! SQL that finds anomalies in a seeded database independently of the generator.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pgrehearse::dataset::SchemaModel;
use pgrehearse::quote::{quote_ident, quote_qualified};
use pgrehearse::scenario::Scenario;
use sqlx::{Executor, PgConnection};

/// The repository's `scenarios/` directory.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// A scenario parsed as if it were a file in `scenarios/`.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_text(&scenarios_dir().join("test.toml"), text).expect("test scenario is valid")
}

/// Per table: `count(*)` and `sum(hashtextextended(concat_ws('|', cols…), 0))`.
pub async fn fingerprints(conn: &mut PgConnection, model: &SchemaModel) -> BTreeMap<String, (i64, String)> {
    let mut prints = BTreeMap::new();
    for table in &model.tables {
        let columns: Vec<String> = table.columns.iter().map(|c| format!("{}::text", quote_ident(&c.name))).collect();
        let sql = format!(
            "SELECT count(*)::int8, coalesce(sum(hashtextextended(concat_ws('|', {}), 0)), 0)::text FROM {}",
            columns.join(", "),
            quote_qualified(&table.schema, &table.name)
        );
        let print: (i64, String) = sqlx::query_as(&sql).fetch_one(&mut *conn).await.expect("fingerprint query");
        prints.insert(table.display_name(), print);
    }
    prints
}

/// `pg_temp.is_uuid(text)`: whether Postgres's uuid input accepts the text (PG15 has no
/// `pg_input_is_valid`).
pub async fn install_is_uuid(conn: &mut PgConnection) {
    conn.execute(
        "CREATE FUNCTION pg_temp.is_uuid(value text) RETURNS boolean LANGUAGE plpgsql AS $$
         BEGIN PERFORM value::uuid; RETURN true; EXCEPTION WHEN invalid_text_representation THEN RETURN false; END $$",
    )
    .await
    .expect("create pg_temp.is_uuid");
}

/// The primary keys (as JSON text arrays) of the rows a query selects from `table`.
pub async fn pks_where(conn: &mut PgConnection, model: &SchemaModel, table: &str, condition: &str) -> std::collections::BTreeSet<Vec<String>> {
    let index = model.find_table(table).expect("table exists");
    let t = &model.tables[index];
    let pk: Vec<String> = t.primary_key.iter().map(|&c| format!("{}::text", quote_ident(&t.columns[c].name))).collect();
    let sql = format!("SELECT json_build_array({})::text FROM {} WHERE {condition}", pk.join(", "), quote_qualified(&t.schema, &t.name));
    let rows: Vec<(String,)> = sqlx::query_as(&sql).fetch_all(&mut *conn).await.unwrap_or_else(|err| panic!("{sql}: {err}"));
    rows.into_iter().map(|(json,)| serde_json::from_str(&json).expect("json array")).collect()
}
