//! Holds the engine inside `CREATE INDEX CONCURRENTLY`: a repeatable-read transaction whose
//! snapshot is older than the build's makes the build wait for it at its end (PostgreSQL
//! waits out older snapshots of the same database before it marks the index valid), and
//! nothing else the engine does waits for a snapshot. The harness sees the engine waiting
//! there in `pg_stat_activity`.

use std::time::{Duration, Instant};

use sqlx::{Executor, PgConnection};

use super::engine_child::Running;
use super::error::FaultError;
use crate::provision::Database;

const DEADLINE: Duration = Duration::from_secs(120);

pub struct IndexHold {
    snapshot: PgConnection,
    pub watcher: PgConnection,
    own: Vec<i32>,
}

impl IndexHold {
    /// Takes the old snapshot; do it before the engine starts.
    pub async fn take(db: &Database) -> Result<IndexHold, FaultError> {
        let mut snapshot = db.connect().await?;
        snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1").await.map_err(FaultError::query("take an old snapshot"))?;
        let mut watcher = db.connect().await?;
        let mut own = Vec::new();
        for conn in [&mut snapshot, &mut watcher] {
            own.push(sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(conn).await.map_err(FaultError::query("read a backend pid"))?);
        }
        Ok(IndexHold { snapshot, watcher, own })
    }

    pub fn own_pids(&self) -> &[i32] {
        &self.own
    }

    /// Waits until the engine waits inside an index build: `Some(the statement)`, or
    /// `None` when it exited first.
    pub async fn wait_in_build(&mut self, engine: &mut Running) -> Result<Option<String>, FaultError> {
        let sql = "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> ALL($1)
                    AND query ILIKE '%INDEX CONCURRENTLY%' AND wait_event_type = 'Lock' LIMIT 1";
        let deadline = Instant::now() + DEADLINE;
        loop {
            let query: Option<String> = sqlx::query_scalar(sql).bind(&self.own).fetch_optional(&mut self.watcher).await.map_err(FaultError::query("see whether the engine builds an index"))?;
            if let Some(query) = query {
                return Ok(Some(query));
            }
            if engine.has_exited() {
                return Ok(None);
            }
            if Instant::now() > deadline {
                return Err(FaultError::Harness(format!("the engine neither built an index nor exited within {} s", DEADLINE.as_secs())));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Lets the index builds finish.
    pub async fn release(mut self) -> Result<PgConnection, FaultError> {
        self.snapshot.execute("ROLLBACK").await.map_err(FaultError::query("release the old snapshot"))?;
        Ok(self.watcher)
    }
}
