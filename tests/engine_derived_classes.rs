//! A child column held to its parent by a validated foreign key takes its classes from the
//! parent's classification instead of a scan, and finds exactly what Postgres' own cast
//! says of every child value. Under a nondeterministic collation the key's equality is not
//! byte equality, so the child is scanned, and its case variants are still found.

mod engine_support;

use std::collections::BTreeSet;

use engine_support::{fixture, options, step};
use pgrehearse::engine::{ConvertMethod, EngineOptions, Outcome, Step};
use pgrehearse::provision::{self, Database, ProvisionOptions, Server};
use pgrehearse::vocabulary::{ColumnRef, Policies, Policy};
use sqlx::{Connection, Executor, PgConnection};

async fn strings(conn: &mut PgConnection, sql: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql).fetch_all(conn).await.unwrap().into_iter().collect()
}

/// `table`'s stored classes of `column` of `kind`, as `pk value`.
async fn classified(conn: &mut PgConnection, table: &str, column: &str, kind: &str) -> BTreeSet<String> {
    let sql = format!(
        "SELECT pk::text || ' ' || value FROM pgrehearse_engine.classified WHERE table_name = 'public.{table}' AND column_name = '{column}' AND kind = '{kind}'"
    );
    strings(conn, &sql).await
}

/// The classify-table message of `table`.
async fn message(conn: &mut PgConnection, table: &str) -> String {
    sqlx::query_scalar("SELECT message FROM pgrehearse_engine.migration_log WHERE step = 'classify-table' AND table_name = $1")
        .bind(format!("public.{table}"))
        .fetch_one(conn)
        .await
        .unwrap()
}

fn quarantine() -> Policies {
    Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine }
}

#[tokio::test]
async fn a_child_under_a_validated_foreign_key_is_classified_from_its_parent_as_the_cast_says() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    fixture::create(&mut conn, 200).await;
    let report = step(&db, &options(quarantine(), 50), Step::Backup).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    let said = message(&mut conn, "journal_entries").await;
    assert!(said.contains("user_id from the parent's classification"), "journal_entries.user_id is derived: {said}");

    let pk = "jsonb_build_object('id', id)::text || ' ' || user_id";
    let invalid = strings(&mut conn, &format!("SELECT {pk} FROM journal_entries WHERE NOT oracle_is_uuid(user_id)")).await;
    let rewritten = strings(&mut conn, &format!("SELECT {pk} FROM journal_entries WHERE CASE WHEN oracle_is_uuid(user_id) THEN user_id::uuid::text <> user_id ELSE false END")).await;
    assert!(!invalid.is_empty() && !rewritten.is_empty(), "the fixture's children hold invalid and non-canonical keys");
    assert_eq!(classified(&mut conn, "journal_entries", "user_id", "invalid").await, invalid);
    assert_eq!(classified(&mut conn, "journal_entries", "user_id", "non-canonical").await, rewritten);
    conn.close().await.unwrap();
}

/// `schema` (accounts and their sessions) and the oracle in a new database, then `backup`
/// with `accounts.id` as the root, batches of `batch` rows, and the options as `adjust`
/// leaves them. Returns the server (which stops when dropped), the database, the options
/// and a connection.
async fn accounts_backed_up(schema: &str, batch: u64, adjust: impl FnOnce(&mut EngineOptions)) -> (Server, Database, EngineOptions, PgConnection) {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    conn.execute(schema).await.unwrap();
    conn.execute(fixture::ORACLE).await.unwrap();
    let mut opts = EngineOptions { root: ColumnRef::new("public", "accounts", "id"), relations: Vec::new(), ..options(quarantine(), batch) };
    adjust(&mut opts);
    let report = step(&db, &opts, Step::Backup).await;
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    (server, db, opts, conn)
}

/// A large parent and a small child, so the child's job would start beside the parent's
/// scan if it did not wait for it.
const LARGE_PARENT: &str = "
CREATE TABLE accounts (id varchar(36) PRIMARY KEY, name text NOT NULL);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id varchar(36) NOT NULL REFERENCES accounts (id));
INSERT INTO accounts SELECT CASE WHEN g % 1000 = 0 THEN upper(md5('a' || g)::uuid::text) WHEN g % 1000 = 1 THEN 'account-' || g ELSE md5('a' || g)::uuid::text END, 'a' || g
FROM generate_series(1, 200000) g;
INSERT INTO sessions SELECT row_number() OVER (), id FROM accounts WHERE right(name, 3) IN ('000', '001', '500');
ANALYZE;";

#[tokio::test]
async fn a_derived_child_waits_for_its_parent_however_small_it_is() {
    let (_server, _db, _, mut conn) = accounts_backed_up(LARGE_PARENT, 5000, |_| {}).await;
    let said = message(&mut conn, "sessions").await;
    assert!(said.contains("account_id from the parent's classification"), "{said}");
    let invalid = strings(&mut conn, "SELECT jsonb_build_object('id', id)::text || ' ' || account_id FROM sessions WHERE NOT oracle_is_uuid(account_id)").await;
    let rewritten =
        strings(&mut conn, "SELECT jsonb_build_object('id', id)::text || ' ' || account_id FROM sessions WHERE CASE WHEN oracle_is_uuid(account_id) THEN account_id::uuid::text <> account_id ELSE false END").await;
    assert!(!invalid.is_empty() && !rewritten.is_empty());
    assert_eq!(classified(&mut conn, "sessions", "account_id", "invalid").await, invalid);
    assert_eq!(classified(&mut conn, "sessions", "account_id", "non-canonical").await, rewritten);
    conn.close().await.unwrap();
}

/// A foreign key does not reach a table's inheritance children: `archived_sessions` holds
/// an upper-case key no account has, which the scan of `sessions` (children included)
/// must find.
const INHERITED: &str = "
CREATE TABLE accounts (id varchar(36) PRIMARY KEY, name text NOT NULL);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id varchar(36) NOT NULL REFERENCES accounts (id));
CREATE TABLE archived_sessions () INHERITS (sessions);
INSERT INTO accounts SELECT md5('a' || g)::uuid::text, 'a' || g FROM generate_series(1, 40) g;
INSERT INTO sessions SELECT row_number() OVER (), id FROM accounts;
INSERT INTO archived_sessions VALUES (1000, upper(md5('gone')::uuid::text));
ANALYZE;";

#[tokio::test]
async fn a_child_with_inheritance_children_is_scanned() {
    // The rebuild refuses inheritance; in place carries it.
    let (_server, _db, _, mut conn) = accounts_backed_up(INHERITED, 50, |o| o.convert = ConvertMethod::InPlace.into()).await;
    let said = message(&mut conn, "sessions").await;
    assert!(!said.contains("from the parent's classification"), "the child is scanned: {said}");
    let upper: String = sqlx::query_scalar("SELECT upper(md5('gone')::uuid::text)").fetch_one(&mut conn).await.unwrap();
    assert_eq!(classified(&mut conn, "sessions", "account_id", "non-canonical").await, BTreeSet::from([format!("{{\"id\": 1000}} {upper}")]));
    conn.close().await.unwrap();
}

const CASE_INSENSITIVE: &str = "
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE accounts (id varchar(36) COLLATE ci PRIMARY KEY, name text NOT NULL);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id varchar(36) COLLATE ci NOT NULL REFERENCES accounts (id));
INSERT INTO accounts SELECT md5('a' || g)::uuid::text, 'a' || g FROM generate_series(1, 40) g;
-- Equal under the collation, not byte-equal: the foreign key accepts the upper case.
INSERT INTO sessions SELECT row_number() OVER (), CASE WHEN k = 1 THEN upper(id) ELSE id END FROM accounts, generate_series(1, 2) k;
ANALYZE;";

#[tokio::test]
async fn under_a_nondeterministic_collation_the_child_is_scanned_and_its_case_variants_found() {
    let (_server, db, opts, mut conn) = accounts_backed_up(CASE_INSENSITIVE, 50, |_| {}).await;
    let said = message(&mut conn, "sessions").await;
    assert!(!said.contains("from the parent's classification"), "the child is scanned: {said}");

    let rewritten =
        strings(&mut conn, "SELECT jsonb_build_object('id', id)::text || ' ' || account_id FROM sessions WHERE CASE WHEN oracle_is_uuid(account_id) THEN account_id::uuid::text <> account_id COLLATE \"C\" ELSE false END").await;
    assert_eq!(rewritten.len(), 40, "one upper-case session per account");
    assert_eq!(classified(&mut conn, "sessions", "account_id", "non-canonical").await, rewritten);

    let full = step(&db, &opts, Step::Full).await;
    assert_eq!(full.outcome, Outcome::Completed, "{full:#?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id").fetch_one(&mut conn).await.unwrap();
    assert_eq!(rows, 80, "every session still finds its account, now by uuid");
    conn.close().await.unwrap();
}
