//! The advisory lock that makes a second concurrent run stop with a clear message. The
//! lock is held by its own session for as long as the [`RunLock`] lives: if the engine is
//! killed, Postgres ends the session and the lock goes with it, so a resume never waits.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use super::error::EngineError;

/// `pgrehearse` as a big-endian number: constant, so every run on a database contends.
pub const LOCK_KEY: i64 = 0x7067_7265_6865_6172;

/// Proof that this process is the only engine run on the database.
pub struct RunLock {
    _session: PgConnection,
}

impl RunLock {
    pub async fn acquire(options: &PgConnectOptions) -> Result<RunLock, EngineError> {
        let mut session = PgConnection::connect_with(options).await.map_err(|source| EngineError::Connect { endpoint: endpoint(options), source })?;
        let sql = "SELECT pg_try_advisory_lock($1)";
        let got: bool = sqlx::query_scalar(sql).bind(LOCK_KEY).fetch_one(&mut session).await.map_err(EngineError::query(sql))?;
        if !got {
            return Err(EngineError::AlreadyRunning { key: LOCK_KEY });
        }
        Ok(RunLock { _session: session })
    }
}

/// Host, port and database, never the password.
pub fn endpoint(options: &PgConnectOptions) -> String {
    format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or(""))
}
