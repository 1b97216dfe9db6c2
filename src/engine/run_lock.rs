//! The advisory lock that makes a second concurrent run stop with a clear message. The
//! lock is held by its own session for as long as the [`RunLock`] lives: if the engine is
//! killed, Postgres ends the session and the lock goes with it, so a resume never waits.
//!
//! Closing a connection is asynchronous on the server: the backend releases the lock only
//! when it notices the client has gone. So a run releases the lock explicitly when it
//! ends ([`RunLock::release`], or in the background when dropped), and acquiring polls
//! for a short, bounded time before deciding that another run really holds it.

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use super::error::EngineError;

/// `pgrehearse` as a big-endian number: constant, so every run on a database contends.
pub const LOCK_KEY: i64 = 0x7067_7265_6865_6172;

/// How long acquiring waits for a run that is ending (its session still closing) before
/// reporting that another run holds the lock.
pub const ACQUIRE_WAIT: Duration = Duration::from_millis(2500);

/// Between two tries of the lock while waiting.
const POLL: Duration = Duration::from_millis(25);

const TRY_SQL: &str = "SELECT pg_try_advisory_lock($1)";
const UNLOCK_SQL: &str = "SELECT pg_advisory_unlock($1)";

/// Proof that this process is the only engine run on the database.
pub struct RunLock {
    /// The session holding the lock; `None` once released.
    session: Option<PgConnection>,
}

impl RunLock {
    pub async fn acquire(options: &PgConnectOptions) -> Result<RunLock, EngineError> {
        let mut session = PgConnection::connect_with(options).await.map_err(|source| EngineError::Connect { endpoint: endpoint(options), source })?;
        let deadline = Instant::now() + ACQUIRE_WAIT;
        loop {
            let got: bool = sqlx::query_scalar(TRY_SQL).bind(LOCK_KEY).fetch_one(&mut session).await.map_err(EngineError::query(TRY_SQL))?;
            if got {
                return Ok(RunLock { session: Some(session) });
            }
            if Instant::now() >= deadline {
                let _ = session.close().await;
                return Err(EngineError::AlreadyRunning { key: LOCK_KEY });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Releases the lock now and closes its session, so the next run starts at once.
    pub async fn release(mut self) -> Result<(), EngineError> {
        match self.session.take() {
            Some(session) => unlock_and_close(session).await,
            None => Ok(()),
        }
    }
}

async fn unlock_and_close(mut session: PgConnection) -> Result<(), EngineError> {
    sqlx::query(UNLOCK_SQL).bind(LOCK_KEY).execute(&mut session).await.map_err(EngineError::query(UNLOCK_SQL))?;
    session.close().await.map_err(EngineError::query("close the lock session"))
}

impl Drop for RunLock {
    /// Not released explicitly: release it in the background if a runtime is still there;
    /// otherwise the server releases it when it notices the closed connection.
    fn drop(&mut self) {
        let Some(session) = self.session.take() else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = unlock_and_close(session).await {
                    tracing::debug!("failed to release the run lock in the background: {e}");
                }
            });
        }
    }
}

/// Host, port and database, never the password.
pub fn endpoint(options: &PgConnectOptions) -> String {
    format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or(""))
}
