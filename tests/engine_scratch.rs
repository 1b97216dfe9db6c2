mod engine_support;
use engine_support::{fixture, options, step};
use pgrehearse::engine::{Policies, Step};
use pgrehearse::provision::{self, ProvisionOptions};
use sqlx::Executor;
#[tokio::test]
async fn scratch() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute(fixture::SCHEMA).await.unwrap();
    conn.execute("INSERT INTO users (id, email) SELECT md5('u' || g)::uuid::text, 'u' || g || '@example.com' FROM generate_series(1, 4000) g;
         INSERT INTO journal_entries (user_id, body) SELECT u.id, 'entry' FROM users u, generate_series(1, 3) ORDER BY u.email;
         INSERT INTO reminders (user_id, note) SELECT id, 'r' FROM users; ANALYZE;").await.unwrap();
    let opts = options(Policies::default(), 100);
    for s in [Step::Backup, Step::Convert] {
        let t = std::time::Instant::now();
        let r = step(&db, &opts, s).await;
        eprintln!("{} {:?} {:?}", s.name(), t.elapsed(), r.notes);
    }
    let rows: Vec<(String, Option<String>, Option<i32>, f64)> = sqlx::query_as("SELECT step, table_name, batch, extract(epoch from finished_at - started_at)::float8 FROM pgrehearse_engine.migration_log ORDER BY finished_at - started_at DESC LIMIT 8").fetch_all(&mut conn).await.unwrap();
    eprintln!("{rows:#?}");
}
