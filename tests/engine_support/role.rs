//! A login role other than the superuser, for the tests of what the engine may do as it.

use pgrehearse::provision::Database;
use pgrehearse::quote::{quote_ident, quote_literal};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgConnection;

/// Creates (once per cluster) login role `role` with a fresh random password; returns how
/// to log in to `db` as it.
pub async fn login_role(conn: &mut PgConnection, db: &Database, role: &str) -> PgConnectOptions {
    let password = format!("pw{:x}", rand::random::<u64>());
    let sql = format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) THEN CREATE ROLE {ident} LOGIN; END IF; END $$;
         ALTER ROLE {ident} PASSWORD {password};",
        name = quote_literal(role),
        ident = quote_ident(role),
        password = quote_literal(&password),
    );
    sqlx::raw_sql(&sql).execute(&mut *conn).await.unwrap();
    db.connect_options().username(role).password(&password)
}

/// Makes `role` the owner of every table and view in `public`, lets it create in `public`
/// and create schemas in `db`: what a migration's owner has.
pub async fn hand_over(conn: &mut PgConnection, db: &Database, role: &str) {
    let owned = "SELECT format('ALTER %s %I OWNER TO %I', CASE relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, relname, $1::text)
                 FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm')";
    let statements: Vec<String> = sqlx::query_scalar(owned).bind(role).fetch_all(&mut *conn).await.unwrap();
    assert!(statements.len() >= 3, "the fixture has its tables: {statements:?}");
    for statement in statements {
        sqlx::raw_sql(&statement).execute(&mut *conn).await.unwrap();
    }
    let grants = format!("GRANT CREATE ON DATABASE {} TO {role}; GRANT CREATE ON SCHEMA public TO {role};", quote_ident(db.name()), role = quote_ident(role));
    sqlx::raw_sql(&grants).execute(&mut *conn).await.unwrap();
}
