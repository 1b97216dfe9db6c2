//! Measures prepared inserts in one transaction, same rows, rusqlite (bundled) vs sqlx sqlite.
use std::time::Instant;

fn rows(n: usize) -> Vec<(i64, String, String, f64, Vec<u8>, Option<String>)> {
    (0..n).map(|i| (i as i64, format!("{:08x}-0000-4000-8000-{:012x}", i, i * 7919), format!("name number {i} ü"), i as f64 * 1.5, vec![(i % 251) as u8; 16], if i % 3 == 0 { None } else { Some(format!("{{\"k\":{i}}}")) })).collect()
}
const DDL: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT NOT NULL, name TEXT, r REAL, b BLOB, j TEXT)";

fn rusqlite_run(path: &str, data: &[(i64, String, String, f64, Vec<u8>, Option<String>)]) -> f64 {
    let _ = std::fs::remove_file(path);
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;").unwrap();
    conn.execute_batch(DDL).unwrap();
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut st = tx.prepare("INSERT INTO t VALUES (?1,?2,?3,?4,?5,?6)").unwrap();
        for r in data { st.execute(rusqlite::params![r.0, r.1, r.2, r.3, r.4, r.5]).unwrap(); }
    }
    tx.commit().unwrap();
    data.len() as f64 / start.elapsed().as_secs_f64()
}

async fn sqlx_run(path: &str, data: &[(i64, String, String, f64, Vec<u8>, Option<String>)]) -> f64 {
    use sqlx::{Connection, Executor};
    let _ = std::fs::remove_file(path);
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal).synchronous(sqlx::sqlite::SqliteSynchronous::Off);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    conn.execute(DDL).await.unwrap();
    let start = Instant::now();
    let mut tx = conn.begin().await.unwrap();
    for r in data {
        sqlx::query("INSERT INTO t VALUES (?1,?2,?3,?4,?5,?6)").bind(r.0).bind(&r.1).bind(&r.2).bind(r.3).bind(&r.4).bind(&r.5).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    data.len() as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let data = rows(200_000);
    for round in 0..3 {
        let a = rusqlite_run("target/a.db", &data);
        let b = sqlx_run("target/b.db", &data).await;
        println!("round {round}: rusqlite {a:.0} rows/s, sqlx-sqlite {b:.0} rows/s, ratio {:.2}", a / b);
    }
}
