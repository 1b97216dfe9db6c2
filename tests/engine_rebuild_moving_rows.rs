//! The rebuild copies heap blocks in order while the application updates rows. An update
//! writes a row's new version elsewhere (here always: the pages are full), so the copy may
//! read a row twice (before and after it moved past the copy) or not at all, and two rows
//! may meet in versions that share a unique value (emails swapped between chunks). None of
//! this may reach the result: the unique indexes build, `validate` passes, and every row
//! holds what the application last wrote.

mod engine_support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use engine_support::step;
use pgrehearse::engine::{ConvertMethod, EngineOptions, Outcome, Step};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::vocabulary::{BatchSize, Policies, Policy};
use sqlx::{Connection, Executor, PgConnection};

const USERS: i64 = 6000;

const SCHEMA: &str = "
CREATE TABLE users (id varchar(36) PRIMARY KEY, email text NOT NULL UNIQUE, n int NOT NULL) WITH (fillfactor = 100, toast.autovacuum_enabled = false, toast.autovacuum_vacuum_scale_factor = 0.05);
INSERT INTO users SELECT md5('u' || g)::uuid::text, 'u' || g || '@example.com', 0 FROM generate_series(1, 6000) g;";

/// What the application last committed: id → (email, n).
type Model = BTreeMap<String, (String, i32)>;

/// Updates rows until `running` clears: bumps a counter (the row moves), and swaps the
/// emails of two rows in one transaction (through a placeholder, as the unique index
/// wants). Returns the model of what it committed.
async fn write_while(mut conn: PgConnection, mut model: Model, running: Arc<AtomicBool>) -> (Model, u64) {
    let ids: Vec<String> = model.keys().cloned().collect();
    let mut step: u64 = 0;
    while running.load(Ordering::SeqCst) {
        step += 1;
        // A spread of rows across the whole table, front and back.
        let a = &ids[((step * 7919) % ids.len() as u64) as usize];
        let b = &ids[((step * 104_729 + 13) % ids.len() as u64) as usize];
        if a == b {
            continue;
        }
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("UPDATE users SET n = n + 1 WHERE id::text = $1").bind(a).execute(&mut *tx).await.unwrap();
        let (ea, eb) = (model[a].0.clone(), model[b].0.clone());
        sqlx::query("UPDATE users SET email = 'swapping-' || id::text WHERE id::text = $1").bind(a).execute(&mut *tx).await.unwrap();
        sqlx::query("UPDATE users SET email = $2 WHERE id::text = $1").bind(b).bind(&ea).execute(&mut *tx).await.unwrap();
        sqlx::query("UPDATE users SET email = $2 WHERE id::text = $1").bind(a).bind(&eb).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        model.get_mut(a).unwrap().1 += 1;
        model.get_mut(a).unwrap().0 = eb;
        model.get_mut(b).unwrap().0 = ea;
    }
    (model, step)
}

#[tokio::test]
async fn rows_moved_and_unique_values_swapped_during_the_copy_are_copied_once_with_their_last_values() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    conn.execute(SCHEMA).await.unwrap();
    conn.execute("VACUUM ANALYZE users").await.unwrap();
    let options = EngineOptions {
        policies: Policies { invalid: Policy::Quarantine, orphan: Policy::Quarantine, collision: Policy::Quarantine },
        // One heap block per chunk: many chunks, many chances for a row to move between them.
        batch_size: BatchSize::new(1).unwrap(),
        convert: ConvertMethod::Rebuild.into(),
        ..Default::default()
    };
    let options_of = "SELECT coalesce(array_to_string(ARRAY(SELECT unnest(c.reloptions) ORDER BY 1), ','), '') || ' | toast ' || coalesce(array_to_string(ARRAY(SELECT unnest(t.reloptions) ORDER BY 1), ','), '')
                      FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.oid = 'users'::regclass";
    let table_options: String = sqlx::query_scalar(options_of).fetch_one(&mut conn).await.unwrap();
    for s in [Step::ValidateSchema, Step::Backup] {
        assert_eq!(step(&db, &options, s).await.outcome, Outcome::Completed);
    }
    let rows: Vec<(String, String, i32)> = sqlx::query_as("SELECT id, email, n FROM users").fetch_all(&mut conn).await.unwrap();
    assert_eq!(rows.len() as i64, USERS);
    let model: Model = rows.into_iter().map(|(id, email, n)| (id, (email, n))).collect();

    let running = Arc::new(AtomicBool::new(true));
    let writer = tokio::spawn(write_while(db.connect().await.unwrap(), model, running.clone()));
    let report = step(&db, &options, Step::Convert).await;
    running.store(false, Ordering::SeqCst);
    let (model, writes) = writer.await.unwrap();
    assert_eq!(report.outcome, Outcome::Completed, "{report:#?}");
    assert!(writes > 50, "the application wrote during the copy: {writes} transactions");

    let validated = step(&db, &options, Step::Validate).await;
    assert_eq!(validated.outcome, Outcome::Completed, "{:#?}", validated.checks);
    let rows: Vec<(String, String, i32)> = sqlx::query_as("SELECT id::text, email, n FROM users").fetch_all(&mut conn).await.unwrap();
    let now: Model = rows.into_iter().map(|(id, email, n)| (id, (email, n))).collect();
    assert_eq!(now.len(), model.len(), "every row once");
    let differ: Vec<_> = model.iter().filter(|(id, v)| now.get(*id) != Some(v)).take(5).collect();
    assert!(differ.is_empty(), "rows differ from the application's last writes: {differ:?}");
    let ty: String = sqlx::query_scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'id'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(ty, "uuid");
    // Autovacuum, kept off the new table while it filled, is as the original had it; so are
    // the other options, the toast table's too.
    assert_eq!(sqlx::query_scalar::<_, String>(options_of).fetch_one(&mut conn).await.unwrap(), table_options);
}
