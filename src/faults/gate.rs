//! A gate on the engine's log: the harness holds `EXCLUSIVE` on
//! `pgrehearse_engine.migration_log`, so the engine stops at its next log write, which for
//! most steps is inside the step's own transaction, after its work and before its commit.
//! Two sessions hand the lock over one write at a time (the second queues behind the
//! engine before the first lets go, so the engine gets exactly one write through), until
//! the committed log says the engine is where the fault should land. Reads of the log are
//! never blocked (`ACCESS SHARE` does not conflict with `EXCLUSIVE`).

use std::time::{Duration, Instant};

use sqlx::{Executor, PgConnection};

use super::error::FaultError;
use super::fault::LogCondition;
use super::engine_child::Running;
use crate::provision::Database;

const LOG: &str = "pgrehearse_engine.migration_log";
const LOCK: &str = "BEGIN; LOCK TABLE pgrehearse_engine.migration_log IN EXCLUSIVE MODE";
/// How long the engine may take to reach the point before the fault counts as not landed.
const LANDING_DEADLINE: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(2);

pub struct LogGate {
    holder: PgConnection,
    spare: Option<PgConnection>,
    watcher: PgConnection,
    own: Vec<i32>,
}

/// Where the gate stopped the engine.
#[derive(Debug, Clone)]
pub struct Held {
    /// Completed steps in the log, with how many rows each has.
    pub completed: Vec<(String, i64)>,
    pub batches: i64,
    /// Whether the write the engine waits on is a batch's.
    pub at_batch: bool,
    /// The statement the engine waits in, as `pg_stat_activity` shows it.
    pub statement: String,
}

impl Held {
    pub fn describe(&self) -> String {
        let last = self.completed.iter().filter(|(s, _)| s != "convert-batch").map(|(s, _)| s.as_str()).collect::<Vec<_>>();
        let statement: String = self.statement.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(70).collect();
        format!(
            "held at its next {} write (`{statement}…`) after {} committed batches (steps completed: {})",
            if self.at_batch { "batch" } else { "step" },
            self.batches,
            if last.is_empty() { "none".into() } else { last.join(", ") }
        )
    }
}

impl LogGate {
    /// Creates the engine's bookkeeping if it is missing (the engine's own idempotent
    /// `CREATE ... IF NOT EXISTS`) and closes the gate, before the engine starts.
    pub async fn close(db: &Database) -> Result<LogGate, FaultError> {
        let mut holder = connect(db).await?;
        crate::engine::ensure_bookkeeping(&mut holder).await.map_err(|e| FaultError::Harness(format!("create the engine's bookkeeping: {e}")))?;
        holder.execute(LOCK).await.map_err(FaultError::query("lock the engine's log"))?;
        let mut spare = connect(db).await?;
        let mut watcher = connect(db).await?;
        let mut own = Vec::new();
        for conn in [&mut holder, &mut spare, &mut watcher] {
            own.push(sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(conn).await.map_err(FaultError::query("read a backend pid"))?);
        }
        Ok(LogGate { holder, spare: Some(spare), watcher, own })
    }

    /// The harness's own backends, which [`terminate_others`] leaves alone.
    pub fn own_pids(&self) -> &[i32] {
        &self.own
    }

    /// Lets the engine through one write at a time until it is held at a write with
    /// `condition` true of the log committed so far. `None` when the engine exited first.
    pub async fn hold_until(&mut self, engine: &mut Running, condition: LogCondition) -> Result<Option<Held>, FaultError> {
        let deadline = Instant::now() + LANDING_DEADLINE;
        loop {
            let Some(statement) = self.wait_for_engine(engine, deadline).await? else { return Ok(None) };
            let held = self.read_log(statement).await?;
            if satisfies(&held, condition) {
                return Ok(Some(held));
            }
            self.let_one_through().await?;
        }
    }

    /// Opens the gate for good.
    pub async fn open(mut self) -> Result<(), FaultError> {
        self.holder.execute("COMMIT").await.map_err(FaultError::query("release the engine's log"))?;
        Ok(())
    }

    /// Waits until the engine waits on the gate: `Some(the statement it waits in)`, or
    /// `None` when it exited.
    async fn wait_for_engine(&mut self, engine: &mut Running, deadline: Instant) -> Result<Option<String>, FaultError> {
        let sql = format!(
            "SELECT coalesce(a.query, '') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND l.relation = '{LOG}'::regclass AND NOT l.granted AND l.pid <> ALL($1) AND a.backend_type = 'client backend' LIMIT 1"
        );
        loop {
            let waiting: Option<String> = sqlx::query_scalar(&sql).bind(&self.own).fetch_optional(&mut self.watcher).await.map_err(FaultError::query("see whether the engine waits on its log"))?;
            if let Some(query) = waiting {
                return Ok(Some(query));
            }
            if engine.has_exited() {
                return Ok(None);
            }
            if Instant::now() > deadline {
                return Err(FaultError::Harness(format!("the engine neither wrote to its log nor exited within {} s", LANDING_DEADLINE.as_secs())));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn read_log(&mut self, statement: String) -> Result<Held, FaultError> {
        let at_batch = statement.contains("'convert-batch'");
        let sql = format!("SELECT step, count(*) FROM {LOG} WHERE status = 'completed' GROUP BY step ORDER BY min(id)");
        let completed: Vec<(String, i64)> = sqlx::query_as(&sql).fetch_all(&mut self.watcher).await.map_err(FaultError::query("read the engine's log"))?;
        let batches = completed.iter().find(|(s, _)| s == "convert-batch").map_or(0, |(_, n)| *n);
        Ok(Held { completed, batches, at_batch, statement })
    }

    /// Queues the spare session behind the engine, then releases the holder: the engine
    /// makes one write, commits, and the spare holds the gate again.
    async fn let_one_through(&mut self) -> Result<(), FaultError> {
        let mut spare = self.spare.take().expect("the gate always has a spare");
        let queued = tokio::spawn(async move {
            let result = spare.execute(LOCK).await.map(|_| ());
            (spare, result)
        });
        let sql = format!("SELECT count(*) FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND relation = '{LOG}'::regclass AND NOT granted AND pid = ANY($1)");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let n: i64 = sqlx::query_scalar(&sql).bind(&self.own).fetch_one(&mut self.watcher).await.map_err(FaultError::query("see the spare session queue"))?;
            if n > 0 || queued.is_finished() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        self.holder.execute("COMMIT").await.map_err(FaultError::query("hand the engine's log over"))?;
        let (spare, result) = queued.await.map_err(|e| FaultError::Harness(format!("the gate's spare session: {e}")))?;
        result.map_err(FaultError::query("lock the engine's log again"))?;
        let previous = std::mem::replace(&mut self.holder, spare);
        self.spare = Some(previous);
        Ok(())
    }
}

fn satisfies(held: &Held, c: LogCondition) -> bool {
    let done = |step: &str| held.completed.iter().any(|(s, _)| s == step);
    c.completed.iter().all(|s| done(s)) && !c.not_completed.iter().any(|s| done(s)) && held.batches >= c.batches && c.held_at_batch.is_none_or(|b| b == held.at_batch)
}

async fn connect(db: &Database) -> Result<PgConnection, FaultError> {
    Ok(db.connect().await?)
}

/// Ends every session of `db` but `own` (the engine's, after it was killed: the server
/// notices a dead client only when it next reads from it, and a session waiting on a lock
/// does not read) and waits until they are gone, so the killed engine's transaction is
/// rolled back as a crash would roll it back.
pub async fn terminate_others(conn: &mut PgConnection, own: &[i32]) -> Result<(), FaultError> {
    let mine: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *conn).await.map_err(FaultError::query("read a backend pid"))?;
    let mut spared = own.to_vec();
    spared.push(mine);
    let kill = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> ALL($1) AND backend_type = 'client backend'";
    sqlx::query(kill).bind(&spared).execute(&mut *conn).await.map_err(FaultError::query("end the killed engine's sessions"))?;
    let left = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> ALL($1) AND backend_type = 'client backend'";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = sqlx::query_scalar(left).bind(&spared).fetch_one(&mut *conn).await.map_err(FaultError::query("count the killed engine's sessions"))?;
        if n == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(FaultError::Harness(format!("{n} sessions of the killed engine did not end within 30 s")));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
