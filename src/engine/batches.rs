//! The batched copy into the shadow columns: keyset pagination on the primary key (never
//! OFFSET), one transaction per batch that commits the batch's checkpoint with it, so a
//! run killed at any instant resumes after the last committed batch and redoes nothing.

use std::time::{Duration, Instant};

use sqlx::{Acquire, Connection, PgConnection};

use crate::quote::quote_ident;

use super::batch_sizer::BatchSizer;
use super::error::EngineError;
use super::log;
use super::plan::{names, Plan, TablePlan};
use super::progress::Progress;
use super::sql::{column_list, keyset_after};
use super::transaction::{is_lock_timeout, LockRetry};

/// Plans every batch for its own checkpoint. The batch statement is prepared once; after
/// five runs Postgres may switch to a generic plan, which cannot see that the batch is a
/// few thousand keys past the checkpoint and joins it to the table with a merge join
/// from the table's first key: every batch then reads all the keys before its own, and
/// the whole convert is quadratic in the table's size.
const CUSTOM_PLAN: &str = "SET LOCAL plan_cache_mode = force_custom_plan";

/// The statement for one batch: `$1` is the batch size, `$2..` the checkpoint (if any).
/// It returns the rows converted and the new checkpoint (the largest key in the batch).
pub fn batch_sql(plan: &Plan, table: &TablePlan, after_checkpoint: bool) -> String {
    let pk = table.pk_names();
    let sets: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{} = {}", quote_ident(&names::shadow(c)), plan.conversion.convert_sql(&format!("t.{}", quote_ident(&c.name)))))
        .collect();
    let filter = if after_checkpoint { format!("WHERE {}", keyset_after("t", table, 2)) } else { String::new() };
    let desc: Vec<String> = pk.iter().map(|c| format!("b.{} DESC", quote_ident(c))).collect();
    let as_text: Vec<String> = pk.iter().map(|c| format!("b.{}::text", quote_ident(c))).collect();
    format!(
        "WITH batch AS (SELECT {pk_t} FROM {tbl} t {filter} ORDER BY {pk_t} LIMIT $1),
              converted AS (UPDATE {tbl} t SET {sets} FROM batch b WHERE ({pk_t}) = ({pk_b}) RETURNING 1)
         SELECT (SELECT count(*) FROM converted), (SELECT ARRAY[{as_text}] FROM batch b ORDER BY {desc} LIMIT 1)",
        pk_t = column_list(Some("t"), &pk),
        pk_b = column_list(Some("b"), &pk),
        tbl = table.qualified(),
        sets = sets.join(", "),
        as_text = as_text.join(", "),
        desc = desc.join(", "),
    )
}

/// Converts every row of `table` not yet converted in this run, each batch as large as
/// `sizer` says.
pub async fn convert_table(conn: &mut PgConnection, run: i64, plan: &Plan, table: &TablePlan, sizer: &mut dyn BatchSizer, retry: &LockRetry, progress: &Progress) -> Result<i64, EngineError> {
    // The plan refused the tables whose own triggers would fire here (`quiet_triggers`).
    let quiet = super::quiet_triggers::quiet(conn).await?;
    let done = run_batches(conn, run, table, &|after| BatchSql::Returning(batch_sql(plan, table, after)), sizer, retry, progress).await;
    if quiet {
        super::quiet_triggers::again(conn).await?;
    }
    done
}

/// The SQL of one batch, with `$1` the batch size and `$2..` the checkpoint (if any).
pub enum BatchSql {
    /// One statement that returns the rows done and the next checkpoint.
    Returning(String),
    /// `work`, whose affected rows are the rows done, then `next`, which returns the next
    /// checkpoint (same parameters): counting an INSERT's rows through a data-modifying
    /// CTE's `RETURNING` made a heap-block copy two thirds slower.
    Counted { work: String, next: String },
}

/// Runs `statement` (`$1` the batch size, `$2..` the checkpoint when its argument is true;
/// it gives the rows done and the next checkpoint) batch after batch from the last
/// committed checkpoint of `table`, each batch with its checkpoint in one transaction.
pub async fn run_batches(
    conn: &mut PgConnection,
    run: i64,
    table: &TablePlan,
    statement: &(dyn Fn(bool) -> BatchSql + Sync),
    sizer: &mut dyn BatchSizer,
    retry: &LockRetry,
    progress: &Progress,
) -> Result<i64, EngineError> {
    let label = table.label();
    let (mut batch, mut checkpoint, mut done) = match log::last_batch(conn, run, &label).await? {
        Some((b, c, d)) => (b, Some(c), d),
        None => (0, None, 0),
    };
    // The planner's estimate is enough for a bar and costs no scan of the table.
    let total: i64 = if progress.is_visible() {
        super::catalog::estimated_rows(&mut *conn, &table.qualified()).await?
    } else {
        0
    };
    let bar = progress.bar(&label, total.max(done) as u64, done as u64);
    loop {
        let started = chrono::Utc::now();
        let (rows, next, took) = one_batch(conn, run, statement, table, sizer.next_size(), checkpoint.as_deref(), batch + 1, started, retry).await?;
        sizer.observe(rows, took);
        let Some(next) = next else { break };
        batch += 1;
        done += rows;
        checkpoint = Some(next);
        bar.inc(rows as u64);
    }
    bar.finish();
    Ok(done)
}

#[allow(clippy::too_many_arguments)]
async fn one_batch(
    conn: &mut PgConnection,
    run: i64,
    statement: &(dyn Fn(bool) -> BatchSql + Sync),
    table: &TablePlan,
    batch_size: i64,
    checkpoint: Option<&[String]>,
    number: i32,
    started: chrono::DateTime<chrono::Utc>,
    retry: &LockRetry,
) -> Result<(i64, Option<Vec<String>>, Duration), EngineError> {
    let sql = statement(checkpoint.is_some());
    let mut attempt = 0;
    loop {
        let attempt_started = Instant::now();
        let result = async {
            // Each round trip of a batch waits for this process to be scheduled, and while
            // Postgres keeps both cores busy that wait is most of a small batch's overhead
            // (about 4 ms a batch of 5000 rows here): the transaction's settings travel
            // with its BEGIN, and a copy's next checkpoint with its log row.
            let begin = format!("BEGIN; {}; {CUSTOM_PLAN}", retry.set_local_sql());
            let mut tx = conn.begin_with(begin).await.map_err(EngineError::query("BEGIN"))?;
            let (rows, next, logged) = match &sql {
                BatchSql::Returning(sql) => {
                    let mut query = sqlx::query_as::<_, (i64, Option<Vec<String>>)>(sql).bind(batch_size);
                    for value in checkpoint.unwrap_or_default() {
                        query = query.bind(value);
                    }
                    let (rows, next) = query.fetch_one(&mut *tx).await.map_err(EngineError::query(sql))?;
                    (rows, next, false)
                }
                BatchSql::Counted { work, next } => {
                    let checkpoint = checkpoint.unwrap_or_default();
                    let mut query = sqlx::query(work).bind(batch_size);
                    for value in checkpoint {
                        query = query.bind(value);
                    }
                    let rows = query.execute(&mut *tx).await.map_err(EngineError::query(work))?.rows_affected() as i64;
                    let next = log::record_batch_with(next, 2 + checkpoint.len());
                    let mut then = sqlx::query_scalar::<_, Option<Vec<String>>>(&next).bind(batch_size);
                    for value in checkpoint {
                        then = then.bind(value);
                    }
                    let then = then.bind(run).bind(table.label()).bind(number).bind(rows).bind(started);
                    (rows, then.fetch_one(&mut *tx).await.map_err(EngineError::query(&next))?, true)
                }
            };
            if let (Some(next), false) = (&next, logged) {
                log::record_batch(tx.acquire().await.map_err(EngineError::query("acquire"))?, run, &table.label(), number, rows, next, started).await?;
            }
            tx.commit().await.map_err(EngineError::query("COMMIT"))?;
            Ok((rows, next, attempt_started.elapsed()))
        }
        .await;
        match result {
            Err(e) if is_lock_timeout(&e) && attempt + 1 < retry.attempts => {
                tracing::warn!("batch {number} of {} waited {:?} for a lock; retrying", table.label(), attempt_started.elapsed());
                tokio::time::sleep(retry.backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}
