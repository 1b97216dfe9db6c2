//! The generator reads every schema it is given: enums, domains with CHECKs, arrays,
//! CHECK constraints it can satisfy, generated columns and multi-column FKs seed (the
//! database's own constraints prove the values valid); partitioned tables, CHECKs it
//! cannot satisfy and FKs it cannot keep apart are refused up front, naming the table,
//! the column and the reason, and leave the database as it was.

use pgrehearse::dataset::{self, SeedError, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions, Server};
use pgrehearse::scenario::Scenario;

struct Quiet;
impl SeedObserver for Quiet {}

const FEATURES: &str = "
CREATE TYPE role AS ENUM ('viewer', 'editor', 'owner');
CREATE DOMAIN percent AS integer CHECK (VALUE >= 0 AND VALUE <= 100);
CREATE TABLE members (
    id        bigint PRIMARY KEY,
    role      role NOT NULL,
    roles     role[] NOT NULL,
    tags      text[],
    score     percent NOT NULL,
    status    varchar(10) NOT NULL CHECK (status IN ('active', 'blocked')),
    stars     smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    nickname  text NOT NULL CHECK (nickname <> '') CHECK (char_length(nickname) <= 12),
    balance   numeric(6, 2) NOT NULL CHECK (balance >= 0),
    shout     text GENERATED ALWAYS AS (upper(nickname)) STORED
);";

fn scenario(dir: &std::path::Path, schema: &str, extra: &str) -> Scenario {
    std::fs::write(dir.join("schema.sql"), schema).unwrap();
    let text = format!("name = \"features\"\nseed = 3\n[schema]\nfile = \"schema.sql\"\n[values]\nedge_rate = 0.3\n{extra}");
    Scenario::from_text(&dir.join("features.toml"), &text).unwrap()
}

async fn seed(server: &Server, scenario: &Scenario) -> (Result<dataset::SeedSummary, SeedError>, i64) {
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let result = dataset::seed(&mut conn, scenario, &Quiet).await;
    let (tables,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetch_one(&mut conn).await.unwrap();
    (result, tables)
}

#[tokio::test]
async fn enums_domains_arrays_checks_and_generated_columns_seed_within_their_constraints() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &scenario(dir.path(), FEATURES, "[rows]\nmembers = 3000\n"), &Quiet).await.unwrap();
    assert_eq!(summary.total_rows, 3000);
    // Every row went in through COPY, so every CHECK and domain held; each list is used whole.
    let (roles, statuses, min_stars, max_stars, max_score, arrays, shouts): (i64, i64, i16, i16, i32, i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT role), count(DISTINCT status), min(stars), max(stars), max(score),
                count(*) FILTER (WHERE cardinality(roles) >= 1), count(*) FILTER (WHERE shout = upper(nickname))
           FROM members",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((roles, statuses), (3, 2), "every enum label and every allowed status appears");
    assert_eq!((min_stars, max_stars), (1, 5), "the CHECK's range is used to both ends");
    assert!(max_score <= 100);
    assert!(arrays > 2000, "{arrays} non-empty role arrays");
    assert_eq!(shouts, 3000, "the generated column is computed by the database");
}

#[tokio::test]
async fn schemas_it_cannot_generate_for_are_refused_naming_table_column_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let cases = [
        ("CREATE TABLE events (id int PRIMARY KEY, at date NOT NULL) PARTITION BY RANGE (id); CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);", "events", "partitioned"),
        ("CREATE TABLE spans (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, CONSTRAINT ordered CHECK (a < b));", "spans", "ordered"),
        ("CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL CONSTRAINT has_at CHECK (email LIKE '%@%'));", "people.email", "has_at"),
        (
            "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b)); CREATE TABLE q (a int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, a int REFERENCES q, b int, FOREIGN KEY (a, b) REFERENCES p);",
            "table c",
            "(a, b) and (a) share a column",
        ),
        (
            "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b)); CREATE TABLE q (id int PRIMARY KEY); CREATE TABLE c (q_id int REFERENCES q, a int, b int, PRIMARY KEY (q_id, a), FOREIGN KEY (a, b) REFERENCES p);",
            "table c",
            "key (q_id, a) is made of references",
        ),
        ("CREATE TABLE shapes (id int PRIMARY KEY, area point NOT NULL);", "shapes.area", "no generator for that type"),
    ];
    for (schema, names, reason) in cases {
        let (result, tables) = seed(&server, &scenario(dir.path(), schema, "")).await;
        let err = result.expect_err(schema);
        assert!(err.is_bad_scenario(), "{err}");
        let message = err.to_string();
        assert!(message.contains(names) && message.contains(reason), "`{message}` should name `{names}` and say `{reason}`");
        assert_eq!(tables, 0, "a refused schema leaves the database as it was");
    }
}

#[tokio::test]
async fn a_column_entry_satisfies_a_check_the_generator_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let schema = "CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL CONSTRAINT has_at CHECK (email LIKE '%@%'));";
    let extra = "[[column]]\ncolumn = \"people.email\"\nvalues = [\"a@example.com\", \"b@example.com\"]\n";
    let (result, _) = seed(&server, &scenario(dir.path(), schema, extra)).await;
    assert_eq!(result.unwrap().total_rows, 1000);
}

#[tokio::test]
async fn a_foreign_key_to_a_unique_non_key_column_takes_the_parents_values() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let schema = "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(120) NOT NULL UNIQUE);
                  CREATE TABLE sessions (id bigint PRIMARY KEY, account_email varchar(120) NOT NULL REFERENCES accounts (email) ON DELETE CASCADE);";
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &scenario(dir.path(), schema, "[rows]\naccounts = 400\nsessions = 1200\n"), &Quiet).await.unwrap();
    assert_eq!(summary.total_rows, 1600);
    // The FK held through COPY; the children spread over many parents.
    let (sessions, parents): (i64, i64) = sqlx::query_as("SELECT count(*), count(DISTINCT account_email) FROM sessions JOIN accounts ON email = account_email").fetch_one(&mut conn).await.unwrap();
    assert_eq!(sessions, 1200);
    assert!(parents > 40, "{parents} distinct parents");
}

#[tokio::test]
async fn a_table_given_no_rows_needs_no_parent_rows() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let schema = "CREATE TABLE accounts (id varchar(36) PRIMARY KEY); CREATE TABLE sessions (id bigint PRIMARY KEY, account_id varchar(36) NOT NULL REFERENCES accounts);";
    let (empty, _) = seed(&server, &scenario(dir.path(), schema, "[rows]\naccounts = 0\nsessions = 0\n")).await;
    assert_eq!(empty.unwrap().total_rows, 0);
    let (refused, _) = seed(&server, &scenario(dir.path(), schema, "[rows]\naccounts = 0\nsessions = 5\n")).await;
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("accounts") && message.contains("sessions.account_id"), "{message}");
}

const COMPOSITE: &str = "
CREATE TABLE accounts (tenant_id bigint, account_no text, name text NOT NULL, PRIMARY KEY (tenant_id, account_no));
CREATE TABLE invoices (
    id bigint PRIMARY KEY, tenant_id bigint NOT NULL, account_no text NOT NULL, total numeric(10, 2) NOT NULL,
    FOREIGN KEY (tenant_id, account_no) REFERENCES accounts);
CREATE TABLE account_settings (
    tenant_id bigint, account_no text, theme text,
    PRIMARY KEY (tenant_id, account_no),
    FOREIGN KEY (account_no, tenant_id) REFERENCES accounts (account_no, tenant_id));
CREATE UNIQUE INDEX accounts_no_tenant ON accounts (account_no, tenant_id);";

#[tokio::test]
async fn multi_column_foreign_keys_take_whole_tuples_from_parent_rows() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let rows = "[rows]\naccounts = 500\ninvoices = 3000\naccount_settings = 300\n";
    let summary = dataset::seed(&mut conn, &scenario(dir.path(), COMPOSITE, rows), &Quiet).await.unwrap();
    assert_eq!(summary.total_rows, 3800);
    // Both FKs were built after loading and validated every row; the tuples are parents'
    // (tenant and account of the same row, not two rows mixed), spread over many of them.
    let (fks, validated): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(*) FILTER (WHERE convalidated) FROM pg_constraint WHERE contype = 'f' AND cardinality(conkey) = 2").fetch_one(&mut conn).await.unwrap();
    assert_eq!((fks, validated), (2, 2));
    let (invoices, parents, settings, setting_parents): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM invoices i JOIN accounts a USING (tenant_id, account_no)),
                (SELECT count(DISTINCT (tenant_id, account_no)) FROM invoices),
                (SELECT count(*) FROM account_settings s JOIN accounts a USING (tenant_id, account_no)),
                (SELECT count(DISTINCT (tenant_id, account_no)) FROM account_settings)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(invoices, 3000, "every invoice's tuple is an account's");
    assert!(parents > 50, "{parents} distinct accounts have invoices");
    assert_eq!((settings, setting_parents), (300, 300), "a key that is the FK takes each account at most once");
}

#[tokio::test]
async fn an_anomaly_on_a_multi_column_foreign_key_is_refused_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let extra = "[rows]\naccounts = 50\ninvoices = 100\naccount_settings = 10\n[[anomaly]]\nkind = \"null\"\ncolumn = \"invoices.account_no\"\ncount = 2\n";
    let (result, tables) = seed(&server, &scenario(dir.path(), COMPOSITE, extra)).await;
    let err = result.expect_err("an anomaly on a multi-column FK column");
    assert!(err.is_bad_scenario(), "{err}");
    let message = err.to_string();
    assert!(message.contains("invoices.account_no") && message.contains("multi-column foreign key"), "{message}");
    assert_eq!(tables, 0);
}
