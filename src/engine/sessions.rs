//! Work shared out over the engine's session and, when there is one, a second one: each
//! session takes the first task in the list whose prerequisites are done and that nobody
//! took, and waits when every task left still waits on one running on the other session.
//! Independent pieces (a table's classification, copy, index builds, checks) run side by
//! side on two cores, and a session that finished its small tables helps with what the
//! largest one unlocks (its index builds, its orphans) instead of idling.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use tokio::sync::Notify;

use super::catalog::estimated_rows;
use super::error::EngineError;
use super::plan::{Plan, TablePlan};
use super::run_lock::endpoint;

/// One task's work: it borrows a session and hands it back with the result.
pub type TableWork<'a, T> = BoxFuture<'a, (&'a mut PgConnection, Result<T, EngineError>)>;

/// A piece of work and the positions (in the task list, all before its own) of the tasks
/// that must be done before it starts.
pub struct Task<J> {
    pub job: J,
    pub after: Vec<usize>,
}

impl<J> Task<J> {
    pub fn new(job: J) -> Task<J> {
        Task { job, after: Vec::new() }
    }

    pub fn after(job: J, after: Vec<usize>) -> Task<J> {
        Task { job, after }
    }
}

/// A second session for work split by table, when the plan has more than one table.
pub async fn second_session(connect: &PgConnectOptions, plan: &Plan) -> Result<Option<PgConnection>, EngineError> {
    if plan.tables.len() < 2 {
        return Ok(None);
    }
    let conn = PgConnection::connect_with(connect).await.map_err(|source| EngineError::Connect { endpoint: endpoint(connect), source })?;
    Ok(Some(conn))
}

/// Closes a second session; a failure to say goodbye loses nothing (the server ends it).
pub async fn close(second: Option<PgConnection>) {
    if let Some(second) = second {
        let _ = second.close().await;
    }
}

/// The plan's tables by their estimated rows, largest first: the order that lets the
/// small tables fill the time the largest one takes.
pub async fn largest_first<'a>(conn: &mut PgConnection, plan: &'a Plan) -> Result<Vec<&'a TablePlan>, EngineError> {
    let mut sized = Vec::new();
    for table in &plan.tables {
        sized.push((estimated_rows(&mut *conn, &table.qualified()).await?, table));
    }
    sized.sort_by_key(|(rows, _)| std::cmp::Reverse(*rows));
    Ok(sized.into_iter().map(|(_, table)| table).collect())
}

/// Runs `work` for every table of `tables`, taken in that order by whichever session is
/// free, and returns the results in that order.
pub async fn each_table<'a, T, F>(conn: &'a mut PgConnection, second: Option<&'a mut PgConnection>, tables: &[&'a TablePlan], work: F) -> Result<Vec<T>, EngineError>
where
    T: Send,
    F: Fn(&'a mut PgConnection, &'a TablePlan) -> TableWork<'a, T> + Sync,
{
    let tasks: Vec<Task<&'a TablePlan>> = tables.iter().map(|&t| Task::new(t)).collect();
    run(conn, second, &tasks, |conn, table: &&'a TablePlan| work(conn, *table)).await
}

/// Runs every task, each once its prerequisites are done, on whichever session is free,
/// and returns the results in the tasks' order. After a failure no session starts
/// another task, but none is stopped mid-statement either (`join`, not `try_join`), so
/// both sessions stay usable; the first error is returned.
pub async fn run<'a, 't, J, T, F>(conn: &'a mut PgConnection, second: Option<&'a mut PgConnection>, tasks: &'t [Task<J>], work: F) -> Result<Vec<T>, EngineError>
where
    T: Send,
    F: Fn(&'a mut PgConnection, &'t J) -> TableWork<'a, T> + Sync,
{
    for (position, task) in tasks.iter().enumerate() {
        assert!(task.after.iter().all(|&p| p < position), "task {position} waits on a task listed after it");
    }
    let board = Board { tasks, state: Mutex::new(vec![State::Waiting; tasks.len()]), failed: AtomicBool::new(false), finished: Notify::new() };
    let (first, other) = match second {
        Some(second) => futures::future::join(board.session(conn, &work), board.session(second, &work)).await,
        None => (board.session(conn, &work).await, Ok(Vec::new())),
    };
    let mut done = first?;
    done.extend(other?);
    done.sort_by_key(|(position, _)| *position);
    Ok(done.into_iter().map(|(_, result)| result).collect())
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Waiting,
    Running,
    Done,
}

enum Next {
    Start(usize),
    Wait,
    Stop,
}

/// What both sessions share: the tasks, each one's state, whether one failed.
struct Board<'t, J> {
    tasks: &'t [Task<J>],
    state: Mutex<Vec<State>>,
    failed: AtomicBool,
    /// Told whenever a task ends, so a waiting session looks again.
    finished: Notify,
}

impl<'t, J> Board<'t, J> {
    fn next(&self) -> Next {
        if self.failed.load(Ordering::SeqCst) {
            return Next::Stop;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ready = (0..self.tasks.len()).find(|&i| state[i] == State::Waiting && self.tasks[i].after.iter().all(|&p| state[p] == State::Done));
        match ready {
            Some(i) => {
                state[i] = State::Running;
                Next::Start(i)
            }
            None if state.iter().any(|s| *s == State::Waiting) => Next::Wait,
            None => Next::Stop,
        }
    }

    fn end(&self, position: usize, ok: bool) {
        if ok {
            self.state.lock().unwrap_or_else(|e| e.into_inner())[position] = State::Done;
        } else {
            self.failed.store(true, Ordering::SeqCst);
        }
        self.finished.notify_waiters();
    }

    async fn session<'a, T, F>(&self, mut conn: &'a mut PgConnection, work: &F) -> Result<Vec<(usize, T)>, EngineError>
    where
        F: Fn(&'a mut PgConnection, &'t J) -> TableWork<'a, T>,
    {
        let mut done = Vec::new();
        loop {
            // Registered before looking, so an end between the look and the wait is seen.
            let finished = self.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            match self.next() {
                Next::Start(position) => {
                    let (returned, result) = work(conn, &self.tasks[position].job).await;
                    conn = returned;
                    self.end(position, result.is_ok());
                    done.push((position, result?));
                }
                Next::Wait => finished.await,
                Next::Stop => return Ok(done),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(tasks: &[Task<()>]) -> Board<'_, ()> {
        Board { tasks, state: Mutex::new(vec![State::Waiting; tasks.len()]), failed: AtomicBool::new(false), finished: Notify::new() }
    }

    fn started(next: Next) -> usize {
        match next {
            Next::Start(i) => i,
            Next::Wait => panic!("waits"),
            Next::Stop => panic!("stops"),
        }
    }

    #[test]
    fn a_task_starts_only_after_its_prerequisites_and_the_list_order_is_the_priority() {
        // 0 and 2 are free, 1 waits on 0, 3 waits on 1 and 2.
        let tasks = vec![Task::new(()), Task::after((), vec![0]), Task::new(()), Task::after((), vec![1, 2])];
        let b = board(&tasks);
        assert_eq!(started(b.next()), 0);
        assert_eq!(started(b.next()), 2, "1 waits on 0, so the other session takes 2");
        assert!(matches!(b.next(), Next::Wait), "1 and 3 wait on running tasks");
        b.end(0, true);
        assert_eq!(started(b.next()), 1);
        b.end(2, true);
        assert!(matches!(b.next(), Next::Wait), "3 still waits on 1");
        b.end(1, true);
        assert_eq!(started(b.next()), 3);
        assert!(matches!(b.next(), Next::Stop), "nothing is left to take");
    }

    #[test]
    fn after_a_failure_nothing_more_starts() {
        let tasks = vec![Task::new(()), Task::new(()), Task::new(())];
        let b = board(&tasks);
        assert_eq!(started(b.next()), 0);
        b.end(0, false);
        assert!(matches!(b.next(), Next::Stop));
    }
}
