//! Short transactions under `lock_timeout`, retried with backoff when a lock cannot be
//! had in time, so the engine never queues behind (and blocks) application traffic for
//! long. Reports how long the transaction held its locks.

use std::time::{Duration, Instant};

use sqlx::{Acquire, Executor, PgConnection};

use super::error::EngineError;
use super::log::{self, LogRecord};

/// How long to wait for a lock, and how often to try again.
#[derive(Debug, Clone, Copy)]
pub struct LockRetry {
    pub lock_timeout: Duration,
    pub attempts: u32,
    pub first_backoff: Duration,
}

impl Default for LockRetry {
    fn default() -> Self {
        // Two seconds is long enough for a batch to wait out a normal application
        // transaction and short enough that queued writers behind our lock request
        // (https://www.postgresql.org/docs/15/explicit-locking.html) are not stalled long.
        LockRetry { lock_timeout: Duration::from_secs(2), attempts: 8, first_backoff: Duration::from_millis(100) }
    }
}

impl LockRetry {
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.first_backoff * 2u32.saturating_pow(attempt.min(6))
    }

    pub fn set_local_sql(&self) -> String {
        format!("SET LOCAL lock_timeout = '{}ms'", self.lock_timeout.as_millis())
    }
}

/// SQLSTATE 55P03 lock_not_available: what `lock_timeout` raises.
pub fn is_lock_timeout(error: &EngineError) -> bool {
    match error {
        EngineError::Query { source: sqlx::Error::Database(db), .. } => db.code().as_deref() == Some("55P03"),
        _ => false,
    }
}

/// A step to log in the same transaction, so the record commits with the work.
pub struct Logged<'a> {
    pub run: i64,
    pub step: &'a str,
    pub table: Option<&'a str>,
    pub message: Option<String>,
}

/// Runs `statements` in one transaction, retrying on lock timeouts. Returns the time from
/// the first statement to the end of COMMIT: how long any lock taken was held.
pub async fn run(conn: &mut PgConnection, statements: &[String], retry: &LockRetry, logged: Option<Logged<'_>>) -> Result<Duration, EngineError> {
    let mut attempt = 0;
    loop {
        match try_once(conn, statements, retry, logged.as_ref()).await {
            Err(e) if is_lock_timeout(&e) && attempt + 1 < retry.attempts => {
                tracing::warn!("lock timeout (attempt {}), retrying: {e}", attempt + 1);
                tokio::time::sleep(retry.backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) if is_lock_timeout(&e) => {
                let EngineError::Query { statement, source } = e else { unreachable!() };
                return Err(EngineError::LockTimeout { attempts: retry.attempts, statement, source });
            }
            other => return other,
        }
    }
}

async fn try_once(conn: &mut PgConnection, statements: &[String], retry: &LockRetry, logged: Option<&Logged<'_>>) -> Result<Duration, EngineError> {
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    let set = retry.set_local_sql();
    tx.execute(set.as_str()).await.map_err(EngineError::query(&set))?;
    let started = Instant::now();
    for statement in statements {
        tx.execute(statement.as_str()).await.map_err(EngineError::query(statement))?;
    }
    if let Some(l) = logged {
        let held_so_far = started.elapsed();
        let record = LogRecord { lock_held_ms: Some(held_so_far.as_secs_f64() * 1000.0), message: l.message.clone(), ..Default::default() };
        log::record(tx.acquire().await.map_err(EngineError::query("acquire"))?, l.run, l.step, l.table, &record).await?;
    }
    tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    Ok(started.elapsed())
}
