//! The user-SQL runner on a disposable server: a failing statement is reported as data
//! with its file, statement number, line and Postgres error, and nothing of a
//! transactional file is left behind; CONCURRENTLY files run statement by statement.

#[path = "verify_support/mod.rs"]
mod support;

use pgrehearse::migration::{MigrationSet, TransactionMode};
use support::*;

#[tokio::test]
async fn a_failing_statement_is_data_naming_its_line_and_everything_is_rolled_back() {
    let server = server().await;
    let db = server.create_database().await.unwrap();
    let mut conn = connect(&db).await;
    let lines = [
        "-- a migration with a mistake on the fifth line",
        "CREATE TABLE t (id int PRIMARY KEY);",
        "INSERT INTO t VALUES (1), (2);",
        "/* the next statement divides by zero */",
        "UPDATE t SET id = id / 0;",
        "CREATE TABLE never (x int);",
    ];
    let failing_line = lines.iter().position(|l| l.starts_with("UPDATE")).unwrap() + 1;
    let outcome = run_sql(&mut conn, "0001_broken.up.sql", &lines.join("\n")).await;
    let failure = outcome.failure.as_ref().expect("the division by zero is reported");
    assert_eq!(outcome.mode, TransactionMode::Single);
    assert_eq!(failure.file, "0001_broken.up.sql");
    assert_eq!(failure.index, 3);
    assert_eq!(failure.line, failing_line);
    assert_eq!(failure.error.code, "22012");
    assert!(
        failure.statement.starts_with("/* the next statement divides by zero */ UPDATE t"),
        "{}",
        failure.statement
    );
    assert_eq!(outcome.statements_run, 2);
    let left: Option<String> = sqlx::query_scalar("SELECT to_regclass('t')::text").fetch_one(&mut conn).await.unwrap();
    assert_eq!(left, None, "the transaction was rolled back");
}

#[tokio::test]
async fn syntax_errors_point_at_the_line_inside_a_long_statement() {
    let server = server().await;
    let db = server.create_database().await.unwrap();
    let mut conn = connect(&db).await;
    let sql = "SELECT 1;\nCREATE TABLE t (\n  id int,\n  name txet_typo\n);\n";
    let typo_line = sql.lines().position(|l| l.contains("txet_typo")).unwrap() + 1;
    let outcome = run_sql(&mut conn, "up.sql", sql).await;
    let failure = outcome.failure.expect("unknown type reported");
    assert_eq!(failure.index, 2);
    assert_eq!(failure.line, 2);
    assert_eq!(failure.error_line, Some(typo_line));
    assert_eq!(failure.error.code, "42704");
    assert!(failure.to_string().contains(&format!("up.sql:{typo_line}")), "{failure}");
}

#[tokio::test]
async fn concurrently_runs_without_a_transaction_and_keeps_what_ran() {
    let server = server().await;
    let db = server.create_database().await.unwrap();
    let mut conn = connect(&db).await;
    let sql = "CREATE TABLE t (x int);\nCREATE INDEX CONCURRENTLY t_x ON t (x);\nSELECT 1/0;";
    let outcome = run_sql(&mut conn, "up.sql", sql).await;
    assert_eq!(outcome.mode, TransactionMode::None);
    assert_eq!(outcome.failure.as_ref().map(|f| f.index), Some(3));
    let index: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('t_x')::text").fetch_one(&mut conn).await.unwrap();
    assert_eq!(index.as_deref(), Some("t_x"), "statements before the failure stay applied");
}

#[tokio::test]
async fn a_directory_runs_earlier_migrations_as_setup_and_rehearses_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("0001_create.up.sql", "CREATE TABLE t (x int);"),
        ("0001_create.down.sql", "DROP TABLE t;"),
        ("0002_fill.up.sql", "INSERT INTO t VALUES (1);"),
        ("0010_add.up.sql", "ALTER TABLE t ADD COLUMN y int;"),
        ("0010_add.down.sql", "ALTER TABLE t DROP COLUMN y;"),
        ("README.md", "not a migration"),
    ];
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    let set = MigrationSet::from_dir(dir.path()).unwrap();
    assert_eq!(set.setup.iter().map(|p| p.version).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(set.rehearsed.version, 10);
    assert!(set.rehearsed.down.is_some() && set.setup[1].down.is_none());

    let server = server().await;
    let db = server.create_database().await.unwrap();
    let mut conn = connect(&db).await;
    let setup = pgrehearse::migration::run_setup(&mut conn, &set).await.unwrap();
    assert!(setup.len() == 2 && setup.iter().all(|o| o.is_success()));
    let up = pgrehearse::migration::run_file(&mut conn, &set.rehearsed.up).await.unwrap();
    assert!(up.is_success());
    assert_eq!(scalar_i64(&mut conn, "SELECT count(*) FROM t WHERE y IS NULL").await, 1);

    let missing = MigrationSet::from_pair(&dir.path().join("0099_nope.up.sql"), None);
    assert!(missing.unwrap_err().to_string().contains("0099_nope.up.sql"));
}
