//! Shared fixtures for the verify tests: a disposable server with a seeded template of
//! a small `users(id varchar(36))` / `journal_entries(user_id varchar(36))` schema, and
//! the correct and broken migrations the checks are tested against.
#![allow(dead_code)]

use std::path::PathBuf;

use pgrehearse::migration::{run_file, FileOutcome, SqlFile};
use pgrehearse::provision::{self, Database, ProvisionOptions, Server, Template};
use pgrehearse::verify::{CheckKind, CheckResult, CheckStatus, Finding, Scope};
use sqlx::{Executor, PgConnection};

/// 240 users, every 7th with an upper-case (non-canonical) uuid and every 11th without
/// hyphens, each with two journal entries. Values are derived from `i`, so the before
/// database is the ground truth every expectation is computed from.
pub const SEED_SQL: &str = r#"
CREATE TABLE users (
    id varchar(36) PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE journal_entries (
    id bigserial PRIMARY KEY,
    user_id varchar(36) REFERENCES users (id),
    amount numeric(10, 2),
    note text
);
INSERT INTO users (id, email)
SELECT CASE WHEN i % 7 = 0 THEN upper(u) WHEN i % 11 = 0 THEN replace(u, '-', '') ELSE u END,
       'user' || i || '@example.com'
  FROM (SELECT i, md5(i::text)::uuid::text AS u FROM generate_series(1, 240) AS i) AS s;
INSERT INTO journal_entries (user_id, amount, note)
SELECT id, (length(email) * 1.25)::numeric(10, 2), CASE WHEN n = 1 THEN 'first' ELSE NULL END
  FROM users, generate_series(1, 2) AS n ORDER BY email, n;
"#;

/// Converts both key columns to uuid, keeping the original text in `migration_backup`
/// so down can restore it byte for byte.
pub const UP_SQL: &str = r#"
CREATE SCHEMA migration_backup;
CREATE TABLE migration_backup.users_id AS SELECT id::uuid AS new_id, id AS old_id FROM users;
CREATE TABLE migration_backup.journal_user_id AS SELECT id, user_id AS old_user_id FROM journal_entries;
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_user_id_fkey;
ALTER TABLE users ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE journal_entries ALTER COLUMN user_id TYPE uuid USING user_id::uuid;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
"#;

/// Restores the original text from the backup.
pub const DOWN_SQL: &str = r#"
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_user_id_fkey;
ALTER TABLE users ALTER COLUMN id TYPE varchar(36) USING id::text;
UPDATE users SET id = b.old_id FROM migration_backup.users_id AS b WHERE b.new_id::text = users.id;
ALTER TABLE journal_entries ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
UPDATE journal_entries AS j SET user_id = b.old_user_id FROM migration_backup.journal_user_id AS b WHERE b.id = j.id;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
DROP SCHEMA migration_backup CASCADE;
"#;

/// A subtly wrong down: it casts back with `::text`, which lowercases upper-case ids and
/// puts hyphens back into hyphen-less ones.
pub const LOWERCASING_DOWN_SQL: &str = r#"
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_user_id_fkey;
ALTER TABLE users ALTER COLUMN id TYPE varchar(36) USING id::text;
ALTER TABLE journal_entries ALTER COLUMN user_id TYPE varchar(36) USING user_id::text;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
DROP SCHEMA migration_backup CASCADE;
"#;

/// The bookkeeping the migrations above keep, and where quarantine tables live.
pub fn scope() -> Scope {
    Scope::new(&["migration_quarantine.*"], &["migration_backup.*"])
}

pub async fn server() -> Server {
    provision::provision(&ProvisionOptions::native()).await.expect("a native disposable server")
}

/// A template seeded with [`SEED_SQL`] plus `extra_sql`.
pub async fn seeded_template<'s>(server: &'s Server, extra_sql: &str) -> Template<'s> {
    let db = server.create_database().await.expect("create database");
    {
        let mut conn = db.connect().await.expect("connect");
        conn.execute(sqlx::raw_sql(SEED_SQL)).await.expect("seed");
        conn.execute(sqlx::raw_sql(extra_sql)).await.expect("extra seed");
    }
    Template::freeze(server, db).await.expect("freeze template")
}

/// Runs `sql` as if it were the file `name`.
pub async fn run_sql(conn: &mut PgConnection, name: &str, sql: &str) -> FileOutcome {
    let file = SqlFile { path: PathBuf::from(name), sql: sql.to_string() };
    run_file(conn, &file).await.expect("run the migration file")
}

/// Runs `sql` and insists it succeeded.
pub async fn apply(conn: &mut PgConnection, name: &str, sql: &str) {
    let outcome = run_sql(conn, name, sql).await;
    assert!(outcome.is_success(), "{name} failed: {:?}", outcome.failure);
}

pub async fn connect(db: &Database) -> PgConnection {
    db.connect().await.expect("connect")
}

pub async fn scalar_i64(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.expect(sql)
}

pub async fn scalar_text(conn: &mut PgConnection, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(conn).await.expect(sql)
}

pub fn assert_pass(result: &CheckResult) {
    assert_eq!(result.status, CheckStatus::Pass, "{} should pass: {:#?}", result.check, result.findings);
}

/// The only finding of a failed check whose message contains `needle`.
pub fn finding<'r>(result: &'r CheckResult, check: CheckKind, needle: &str) -> &'r Finding {
    assert_eq!(result.check, check);
    assert_eq!(result.status, CheckStatus::Fail, "{check} should fail");
    let matching: Vec<&Finding> = result.findings.iter().filter(|f| f.message.contains(needle)).collect();
    assert_eq!(matching.len(), 1, "one {check} finding containing {needle:?} in {:#?}", result.findings);
    matching[0]
}
