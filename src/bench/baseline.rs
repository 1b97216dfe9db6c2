//! The baseline: the one-shot `ALTER TABLE … ALTER COLUMN … TYPE uuid USING …` of the key
//! and every reference to it, with the foreign keys dropped and re-added (and views over
//! the columns dropped and re-created), in one transaction holding ACCESS EXCLUSIVE on
//! every table for all of it. That is the fastest way and the one production cannot take.
//!
//! A one-shot cast cannot skip the anomalies the engine sets aside (an invalid uuid
//! string fails the whole statement; two spellings of one uuid collide in the key). So
//! before the clock starts, every value that is not a canonical uuid is replaced, in the
//! key and in every reference alike, by a canonical uuid derived from it (md5): the
//! same number of rows and values, all castable, the references still matching.

use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};

use super::error::BenchError;
use crate::engine::{ddl, Plan};
use crate::quote::quote_ident;

const CANONICAL: &str = "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'";

/// Makes every converted value castable (untimed; see the module docs).
pub async fn prepare(conn: &mut PgConnection, plan: &Plan) -> Result<(), BenchError> {
    let mut statements: Vec<String> = plan.foreign_keys.iter().map(ddl::drop_constraint).collect();
    for table in &plan.tables {
        for column in &table.columns {
            let c = quote_ident(&column.name);
            statements.push(format!("UPDATE {} SET {c} = md5({c})::uuid::text WHERE {c} !~ {CANONICAL}", table.qualified()));
        }
    }
    statements.extend(plan.foreign_keys.iter().map(ddl::add_constraint));
    run(conn, &statements).await.map(|_| ())
}

/// The statements of the one-shot transaction, in order.
pub fn alter_sql(plan: &Plan) -> Vec<String> {
    let mut s: Vec<String> = plan.views.iter().rev().map(ddl::drop_view).collect();
    s.extend(plan.foreign_keys.iter().map(ddl::drop_constraint));
    for table in &plan.tables {
        let mut actions = Vec::new();
        for column in &table.columns {
            let c = quote_ident(&column.name);
            if column.default.is_some() {
                actions.push(format!("ALTER COLUMN {c} DROP DEFAULT"));
            }
            actions.push(format!("ALTER COLUMN {c} TYPE {} USING {}", plan.conversion.target_type(), plan.conversion.convert_sql(&c)));
            if let Some(default) = &column.default {
                actions.push(format!("ALTER COLUMN {c} SET DEFAULT {}", plan.conversion.convert_sql(default)));
            }
        }
        // One ALTER TABLE per table: one rewrite of the table, however many columns change.
        s.push(format!("ALTER TABLE {} {}", table.qualified(), actions.join(", ")));
    }
    s.extend(plan.foreign_keys.iter().map(ddl::add_constraint));
    s.extend(plan.views.iter().map(ddl::create_view));
    s
}

/// Runs the one-shot ALTER; returns how long the transaction took (and held its locks).
pub async fn alter(conn: &mut PgConnection, plan: &Plan) -> Result<Duration, BenchError> {
    run(conn, &alter_sql(plan)).await
}

async fn run(conn: &mut PgConnection, statements: &[String]) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let mut tx = conn.begin().await.map_err(BenchError::query("BEGIN"))?;
    for statement in statements {
        tx.execute(statement.as_str()).await.map_err(|source| BenchError::Baseline { statement: statement.clone(), source })?;
    }
    tx.commit().await.map_err(BenchError::query("COMMIT"))?;
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::facts::{CatalogFacts, ColumnFacts, ConstraintFacts, TableFacts, ViewFacts};
    use crate::engine::{planner, Conversion};
    use crate::vocabulary::ColumnRef;

    fn column(name: &str, default: Option<&str>) -> ColumnFacts {
        ColumnFacts { name: name.into(), attnum: 1, data_type: "character varying(36)".into(), not_null: true, default: default.map(str::to_string) }
    }

    /// users(id, with a default) ← journal_entries.user_id (FK), and a view over users.id.
    fn plan() -> Plan {
        let table = |name: &str, columns, pk: &str| TableFacts { schema: "public".into(), name: name.into(), columns, primary_key: vec![pk.into()] };
        let constraint = |table: &str, name: &str, kind, columns: &[&str]| ConstraintFacts {
            schema: "public".into(),
            table: table.into(),
            name: name.into(),
            kind,
            columns: columns.iter().map(|s| s.to_string()).collect(),
            referenced: None,
            definition: "PRIMARY KEY (id)".into(),
            validated: true,
            deferrable: false,
            deferred: false,
        };
        let mut fk = constraint("journal_entries", "journal_entries_user_id_fkey", 'f', &["user_id"]);
        fk.referenced = Some(("public".into(), "users".into(), vec!["id".into()]));
        fk.definition = "FOREIGN KEY (user_id) REFERENCES users(id)".into();
        let facts = CatalogFacts {
            tables: vec![
                table("users", vec![column("id", Some("gen_random_uuid()::text"))], "id"),
                table("journal_entries", vec![ColumnFacts { data_type: "bigint".into(), ..column("id", None) }, column("user_id", None)], "id"),
            ],
            constraints: vec![constraint("users", "users_pkey", 'p', &["id"]), fk],
            indexes: vec![],
            views: vec![ViewFacts {
                schema: "public".into(),
                name: "user_ids".into(),
                kind: 'v',
                definition: "SELECT id FROM users;".into(),
                reads: vec![("public".into(), "users".into(), "id".into())],
            }],
        };
        planner::build(&facts, &ColumnRef::new("public", "users", "id"), &[], Conversion::default()).unwrap()
    }

    #[test]
    fn the_one_shot_drops_what_depends_on_the_columns_alters_each_table_once_and_puts_it_back() {
        let sql = alter_sql(&plan());
        assert_eq!(
            sql,
            vec![
                "DROP VIEW IF EXISTS \"public\".\"user_ids\"".to_string(),
                "ALTER TABLE \"public\".\"journal_entries\" DROP CONSTRAINT IF EXISTS \"journal_entries_user_id_fkey\"".into(),
                "ALTER TABLE \"public\".\"users\" ALTER COLUMN \"id\" DROP DEFAULT, ALTER COLUMN \"id\" TYPE uuid USING (\"id\")::uuid, ALTER COLUMN \"id\" SET DEFAULT (gen_random_uuid()::text)::uuid".into(),
                "ALTER TABLE \"public\".\"journal_entries\" ALTER COLUMN \"user_id\" TYPE uuid USING (\"user_id\")::uuid".into(),
                "ALTER TABLE \"public\".\"journal_entries\" ADD CONSTRAINT \"journal_entries_user_id_fkey\" FOREIGN KEY (user_id) REFERENCES users(id)".into(),
                "CREATE VIEW \"public\".\"user_ids\" AS SELECT id FROM users".into(),
            ]
        );
    }
}
