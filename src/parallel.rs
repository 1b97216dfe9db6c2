//! Runs jobs (the seed's table loads and key builds; the engine's classification, copies,
//! index builds and checks) on several connections at once, the largest first, never
//! starting a job that would only wait on another's table lock or on work not yet done.
//!
//! All connections are driven from the calling task: the work happens in the server (and
//! in the generator threads), so concurrency here is I/O, not threads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use futures::future::BoxFuture;
use sqlx::postgres::PgConnection;
use tokio::sync::Notify;


/// One unit of work and the table lock it takes.
#[derive(Debug, Clone)]
pub struct Job<T> {
    /// The table the job locks, as `schema.table`.
    pub table: String,
    /// Whether the lock conflicts with every other job on the table (`ALTER TABLE … ADD
    /// PRIMARY KEY`, `VALIDATE CONSTRAINT`, a COPY after `TRUNCATE`) or only with those
    /// (`CREATE INDEX` takes a SHARE lock, which its peers share).
    pub exclusive: bool,
    /// What the job costs, in any unit shared by all jobs (bytes): largest first.
    pub cost: u64,
    /// Tokens that must be done before the job starts (a table's rows loaded).
    pub needs: Vec<String>,
    /// The token this job helps to make done; it is done when all its jobs are.
    pub provides: Option<String>,
    pub work: T,
}

impl<T> Job<T> {
    /// A job with no order to keep.
    pub fn new(table: String, exclusive: bool, cost: u64, work: T) -> Job<T> {
        Job { table, exclusive, cost, needs: Vec::new(), provides: None, work }
    }
}

/// The locks held by running jobs, per table.
enum Hold {
    Shared(usize),
    Exclusive,
}

struct Board<T> {
    /// Largest first.
    pending: Vec<Job<T>>,
    running: BTreeMap<String, Hold>,
    /// Per token, the jobs providing it that have not finished.
    unfinished: BTreeMap<String, usize>,
}

impl<T> Board<T> {
    fn new(pending: Vec<Job<T>>) -> Board<T> {
        let mut unfinished = BTreeMap::new();
        for token in pending.iter().filter_map(|job| job.provides.clone()) {
            *unfinished.entry(token).or_insert(0) += 1;
        }
        Board { pending, running: BTreeMap::new(), unfinished }
    }

    /// The first pending job whose needs are done and whose lock is free now.
    fn take_startable(&mut self) -> Option<Job<T>> {
        let position = self.pending.iter().position(|job| {
            let ready = job.needs.iter().all(|token| self.unfinished.get(token).is_none_or(|&n| n == 0));
            ready
                && match self.running.get(&job.table) {
                    None => true,
                    Some(Hold::Shared(_)) => !job.exclusive,
                    Some(Hold::Exclusive) => false,
                }
        })?;
        let job = self.pending.remove(position);
        let hold = match (self.running.remove(&job.table), job.exclusive) {
            (Some(Hold::Shared(n)), false) => Hold::Shared(n + 1),
            (_, true) => Hold::Exclusive,
            (_, false) => Hold::Shared(1),
        };
        self.running.insert(job.table.clone(), hold);
        Some(job)
    }

    fn release(&mut self, table: &str, provided: Option<&String>) {
        if let Some(n) = provided.and_then(|token| self.unfinished.get_mut(token)) {
            *n -= 1;
        }
        match self.running.remove(table) {
            Some(Hold::Shared(n)) if n > 1 => {
                self.running.insert(table.to_string(), Hold::Shared(n - 1));
            }
            _ => {}
        }
    }
}

/// What a job runs: it borrows a connection for the job and hands it back with the result.
pub type JobFuture<'a, R, E> = BoxFuture<'a, (&'a mut PgConnection, Result<R, E>)>;

/// Jobs are left that wait on work no job does: a bug in whoever made the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stalled {
    pub waiting: usize,
}

/// Runs every job on one of `connections` and returns their results in the order of
/// `jobs`; returns the first error once every connection has finished the job it had
/// started (none is cancelled mid-statement, so the connections stay usable), and starts
/// no new job after an error.
pub async fn run_jobs<'a, T, R, E, F>(connections: Vec<&'a mut PgConnection>, jobs: Vec<Job<T>>, run: F) -> Result<Vec<R>, E>
where
    T: Send,
    R: Send,
    E: From<Stalled>,
    F: Fn(&'a mut PgConnection, T) -> JobFuture<'a, R, E> + Sync,
{
    let mut jobs: Vec<Job<(usize, T)>> = jobs.into_iter().enumerate().map(|(i, job)| Job { work: (i, job.work), table: job.table, exclusive: job.exclusive, cost: job.cost, needs: job.needs, provides: job.provides }).collect();
    // Largest first; among equals, exclusive jobs first so that a table's key is not
    // kept waiting behind its own indexes.
    jobs.sort_by(|a, b| b.cost.cmp(&a.cost).then(b.exclusive.cmp(&a.exclusive)));
    let board = Mutex::new(Board::new(jobs));
    let freed = Notify::new();
    let failed = AtomicBool::new(false);
    let workers = connections.into_iter().map(|conn| worker(conn, &board, &freed, &failed, &run));
    let mut done = Vec::new();
    for result in futures::future::join_all(workers).await {
        done.extend(result?);
    }
    done.sort_by_key(|(position, _)| *position);
    Ok(done.into_iter().map(|(_, result)| result).collect())
}

async fn worker<'a, T, R, E, F>(mut conn: &'a mut PgConnection, board: &Mutex<Board<(usize, T)>>, freed: &Notify, failed: &AtomicBool, run: &F) -> Result<Vec<(usize, R)>, E>
where
    E: From<Stalled>,
    F: Fn(&'a mut PgConnection, T) -> JobFuture<'a, R, E>,
{
    let mut done = Vec::new();
    loop {
        // Created before looking, so a job that ends in between still wakes this worker.
        let notified = freed.notified();
        let next = {
            let mut board = board.lock().unwrap_or_else(|e| e.into_inner());
            if board.pending.is_empty() || failed.load(Ordering::SeqCst) {
                return Ok(done);
            }
            let next = board.take_startable();
            if next.is_none() && board.running.is_empty() {
                failed.store(true, Ordering::SeqCst);
                freed.notify_waiters();
                return Err(Stalled { waiting: board.pending.len() }.into());
            }
            next
        };
        let Some(job) = next else {
            notified.await;
            continue;
        };
        let (position, work) = job.work;
        let (returned, result) = run(conn, work).await;
        conn = returned;
        board.lock().unwrap_or_else(|e| e.into_inner()).release(&job.table, job.provides.as_ref());
        if result.is_err() {
            failed.store(true, Ordering::SeqCst);
        }
        freed.notify_waiters();
        done.push((position, result?));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(table: &str, exclusive: bool, cost: u64) -> Job<u64> {
        Job::new(table.to_string(), exclusive, cost, cost)
    }

    #[test]
    fn a_job_starts_only_when_its_table_lock_is_free() {
        let mut board = Board::new(vec![job("a", true, 9), job("a", false, 8), job("a", false, 7), job("b", true, 1)]);
        assert_eq!(board.take_startable().map(|j| j.work), Some(9));
        // `a` is held exclusively: only `b` can start.
        assert_eq!(board.take_startable().map(|j| j.work), Some(1));
        assert!(board.take_startable().is_none());
        board.release("a", None);
        // Two index builds share the table.
        assert_eq!(board.take_startable().map(|j| j.work), Some(8));
        assert_eq!(board.take_startable().map(|j| j.work), Some(7));
        board.release("a", None);
        assert!(matches!(board.running.get("a"), Some(Hold::Shared(1))));
        board.pending.push(job("a", true, 5));
        assert!(board.take_startable().is_none(), "an exclusive job waits for the last shared one");
        board.release("a", None);
        assert_eq!(board.take_startable().map(|j| j.work), Some(5));
    }

    #[test]
    fn a_job_waits_until_every_job_providing_its_need_is_done() {
        let load = |n| Job { provides: Some("loaded".to_string()), ..job("t", true, n) };
        let build = Job { needs: vec!["loaded".to_string()], ..job("t", false, 100) };
        let mut board = Board::new(vec![build, load(2), load(1)]);
        let first = board.take_startable().expect("a load starts");
        assert_eq!(first.work, 2, "the build is largest but waits for the loads");
        assert!(board.take_startable().is_none(), "the other load waits for the table");
        board.release("t", first.provides.as_ref());
        let second = board.take_startable().expect("the second load");
        assert_eq!(second.work, 1);
        board.release("t", second.provides.as_ref());
        assert_eq!(board.take_startable().map(|j| j.work), Some(100));
    }
}
