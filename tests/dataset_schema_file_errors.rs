//! A schema file the server rejects, or whose tables cannot hold the generated rows, is
//! the scenario's fault: the error names the schema file and the line (the one the
//! server's error position points to, or the statement creating the table), the seed
//! exits 2, and the database is left as it was.

use std::process::Command;

use pgrehearse::dataset::{self, SeedError, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;

struct Quiet;
impl SeedObserver for Quiet {}

/// (schema file, rows of `t`, the line the error must name, a word it must contain)
const CASES: [(&str, u64, usize, &str); 4] = [
    ("CREATE TABLE t (id bigint PRIMARY KEY);\n\nCREATE TABLE u (\n  id bigint PRIMARY KEY,\n  name txet NOT NULL\n);\n", 3, 5, "txet"),
    ("-- a check nothing satisfies\nCREATE TABLE t (\n  id bigint PRIMARY KEY,\n  n int NOT NULL CHECK (n > 10 AND n < 5)\n);\n", 3, 2, "check"),
    ("CREATE TABLE other (id int PRIMARY KEY);\nCREATE TABLE t (id smallint PRIMARY KEY);\n", 40_000, 2, "smallint"),
    ("CREATE TABLE t (id bigint, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\nCREATE TABLE t_2024 PARTITION OF t FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n", 3, 1, "partitioned"),
];

fn scenario(dir: &std::path::Path, schema: &str, rows: u64) -> std::path::PathBuf {
    std::fs::write(dir.join("schema.sql"), schema).unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, format!("name = \"s\"\nseed = 1\n[schema]\nfile = \"schema.sql\"\n[rows]\nt = {rows}\n")).unwrap();
    path
}

#[tokio::test]
async fn schema_file_errors_name_the_file_and_line() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    for (schema, rows, line, word) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let scenario = Scenario::load(scenario(dir.path(), schema, rows)).unwrap();
        let db = server.create_database().await.unwrap();
        let mut conn = db.connect().await.unwrap();
        let err = dataset::seed(&mut conn, &scenario, &Quiet).await.expect_err(schema);
        assert!(err.is_bad_scenario(), "{err}");
        assert!(matches!(&err, SeedError::SchemaStatement { line: l, .. } if *l == line), "expected line {line}: {err}");
        let text = err.to_string();
        assert!(text.contains(&format!("schema.sql:{line}:")) && text.to_lowercase().contains(word), "{text}");
        drop(conn);
        server.drop_database(db).await.unwrap();
    }
}

#[test]
fn the_seed_command_exits_2_for_a_syntax_error_in_the_schema_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), CASES[0].0, 3);
    let output = Command::new(env!("CARGO_BIN_EXE_pgrehearse")).arg("seed").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("schema.sql:5:"), "{stderr}");
}
