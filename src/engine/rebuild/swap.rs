//! The rebuild's `convert`: prepare, copy, build indexes, catch up, then swap the tables
//! by rename in one short transaction under `lock_timeout` (retried), with the last
//! catch-up inside it. Foreign keys come back `NOT VALID` and are validated afterwards
//! under a lock that lets writes through, beside each new table's `ANALYZE`; views are
//! created again over the new tables.

use std::time::Duration;

use futures::FutureExt;
use sqlx::PgConnection;

use crate::parallel::Job;
use crate::quote::{quote_ident, quote_literal, quote_qualified};

use super::super::batch_sizer::BatchSizer;
use super::super::bookkeeping::ENGINE_SCHEMA;
use super::super::catalog::estimated_rows;
use super::super::ddl;
use super::super::error::EngineError;
use super::super::facts::ConstraintFacts;
use super::super::log::{self, LogRecord};
use super::super::plan::{Plan, TablePlan};
use super::super::progress::Progress;
use super::super::report::StepReport;
use super::super::sessions;
use super::super::transaction::{self, LockRetry, Logged};
use super::change_log::{self, Direction};
use super::prepare::{self, new_table, old_table_in_place, recorded_identities, recorded_indexes, recorded_sequences};
use super::{analyze, catalog, catch_up, fill, is_swapped, names, space};

/// Every foreign key the swap moves: the plan's and the rebuild's others.
pub fn moved_foreign_keys(plan: &Plan) -> impl Iterator<Item = &ConstraintFacts> {
    plan.foreign_keys.iter().chain(plan.rebuild.foreign_keys.iter())
}

async fn wal_lsn(conn: &mut PgConnection) -> Result<String, EngineError> {
    let sql = "SELECT pg_current_wal_lsn()::text";
    sqlx::query_scalar(sql).fetch_one(conn).await.map_err(EngineError::query(sql))
}

async fn wal_since(conn: &mut PgConnection, lsn: &str) -> Result<i64, EngineError> {
    let sql = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint";
    sqlx::query_scalar(sql).bind(lsn).fetch_one(conn).await.map_err(EngineError::query(sql))
}

/// The whole rebuild route of `convert`, resuming wherever an earlier run stopped; the
/// tables fill on `second` too when it is given.
#[allow(clippy::too_many_arguments)]
pub async fn convert(conn: &mut PgConnection, second: Option<&mut PgConnection>, run: i64, plan: &Plan, sizer: &mut dyn BatchSizer, retry: &LockRetry, progress: &Progress, report: &mut StepReport) -> Result<(), EngineError> {
    if is_swapped(conn, plan).await? {
        return Ok(());
    }
    let lsn = wal_lsn(conn).await?;
    if !log::is_completed(conn, run, "rebuild-prepare", Some(&plan.tables[0].label())).await? {
        report.notes.push(space::check(conn, plan).await?);
    }
    prepare::run(conn, run, plan, retry).await?;
    report.notes.extend(fill::fill(conn, second, run, plan, sizer, retry, progress).await?);
    for table in &plan.tables {
        let label = table.label();
        let id = log::start(conn, run, "rebuild-catch-up", Some(&label)).await?;
        let columns = catalog::writable_columns(conn, &table.qualified()).await?;
        let keys = catch_up::run(conn, plan, table, &columns, retry).await?;
        log::finish(conn, id, "completed", &LogRecord { rows: Some(keys), ..Default::default() }).await?;
        if keys > 0 {
            report.notes.push(format!("{label}: {keys} keys written by the application during the copy copied again"));
        }
    }
    let statements = swap_sql(conn, plan).await?;
    let logged = Logged { run, step: "swap", table: None, message: Some("access exclusive lock held for the whole swap transaction (tables swapped by rename)".into()) };
    let held: Duration = transaction::run(conn, &statements, retry, Some(logged)).await?;
    tracing::info!("swap held ACCESS EXCLUSIVE for {held:?}");
    report.lock_held_ms.push(("swap".into(), held.as_secs_f64() * 1000.0));
    let wal = wal_since(conn, &lsn).await?;
    report.notes.push(format!("rebuild wrote {:.1} MiB of WAL (pg_current_wal_lsn before and after this convert)", wal as f64 / 1048576.0));
    Ok(())
}

/// The statements of the swap transaction, in order (read from the recorded indexes and
/// sequences and the original tables' columns, before the transaction).
pub async fn swap_sql(conn: &mut PgConnection, plan: &Plan) -> Result<Vec<String>, EngineError> {
    let tables: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    let mut s = vec![format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tables.join(", "))];
    for table in &plan.tables {
        let columns = catalog::writable_columns(conn, &table.qualified()).await?;
        s.extend(catch_up::pass_sql(plan, table, &columns, None));
        s.push(change_log::drop_trigger_sql(&table.qualified()));
    }
    s.extend(plan.rebuild.views.iter().rev().map(ddl::drop_view));
    s.extend(moved_foreign_keys(plan).map(ddl::drop_constraint));
    for table in &plan.tables {
        let n = plan.table_number(&table.schema, &table.name);
        let indexes = recorded_indexes(conn, table).await?;
        for (k, name, _, _) in &indexes {
            s.push(ddl::rename_index(&table.schema, name, &names::old_index(n, *k)));
        }
        s.push(format!("ALTER TABLE {} RENAME TO {}", table.qualified(), quote_ident(&names::old_table(n))));
        s.push(format!("ALTER TABLE {} RENAME TO {}", new_table(plan, table), quote_ident(&table.name)));
        s.extend(catalog::restore_autovacuum_sql(conn, &table.qualified(), &table.qualified()).await?);
        for (k, name, _, _) in &indexes {
            s.push(ddl::rename_index(&table.schema, &names::new_index(n, *k), name));
        }
        for (sequence, column) in recorded_sequences(conn, table).await? {
            s.push(format!("ALTER SEQUENCE {sequence} OWNED BY {}.{}", table.qualified(), quote_ident(&column)));
        }
        for (k, schema, original, new) in recorded_identities(conn, table).await? {
            s.extend(hand_over_sequence(&schema, &original, &new, &names::old_sequence(n, k)));
        }
        // Out of the user's schema, with its renamed indexes and retired identity sequences.
        s.push(format!("ALTER TABLE {} SET SCHEMA {}", old_table_in_place(plan, table), quote_ident(ENGINE_SCHEMA)));
    }
    s.extend(moved_foreign_keys(plan).map(ddl::add_foreign_key_not_valid));
    s.extend(plan.rebuild.views.iter().map(ddl::create_view));
    for table in &plan.tables {
        s.extend(change_log::install_sql(plan, table, &table.qualified(), Direction::Reverse));
    }
    Ok(s)
}

/// Gives sequence `to` the value of sequence `from` and then `from`'s name, `from` taking
/// the name `retired`: an identity column keeps counting where it was, under its name.
pub fn hand_over_sequence(schema: &str, from: &str, to: &str, retired: &str) -> Vec<String> {
    vec![
        format!("SELECT setval({}::regclass, s.last_value, s.is_called) FROM {} s", quote_literal(&quote_qualified(schema, to)), quote_qualified(schema, from)),
        format!("ALTER SEQUENCE {} RENAME TO {}", quote_qualified(schema, from), quote_ident(retired)),
        format!("ALTER SEQUENCE {} RENAME TO {}", quote_qualified(schema, to), quote_ident(from)),
    ]
}

/// After the swap: each new table not yet analyzed analyzed ([`analyze`]), and the
/// moved foreign keys that were validated before validated again (SHARE UPDATE EXCLUSIVE
/// on the child: reads and writes continue); ones that were NOT VALID stay NOT VALID.
/// One job per table, its `ANALYZE` and then its own keys' validation (both would wait
/// on each other, each taking SHARE UPDATE EXCLUSIVE on it), dearest first by the rows of
/// the tables they read, shared out over `conn` and, when given, `second`. Resumed after
/// a kill, a table already analyzed is not analyzed again, and validating a valid key
/// again is a no-op.
pub async fn after_swap(conn: &mut PgConnection, second: Option<&mut PgConnection>, run: i64, plan: &Plan, retry: &LockRetry) -> Result<(), EngineError> {
    let mut work: Vec<(i64, TableAfterSwap)> = Vec::new();
    for table in &plan.tables {
        let rows = estimated_rows(&mut *conn, &table.qualified()).await?;
        work.push((rows, TableAfterSwap { schema: &table.schema, name: &table.name, analyze: Some(table), foreign_keys: Vec::new() }));
    }
    for fk in moved_foreign_keys(plan).filter(|f| f.validated) {
        let rows = match &fk.referenced {
            Some((schema, table, _)) => estimated_rows(&mut *conn, &quote_qualified(schema, table)).await?,
            None => 0,
        };
        let position = match work.iter().position(|(_, w)| w.schema == fk.schema && w.name == fk.table) {
            Some(position) => position,
            None => {
                let own = estimated_rows(&mut *conn, &quote_qualified(&fk.schema, &fk.table)).await?;
                work.push((own, TableAfterSwap { schema: &fk.schema, name: &fk.table, analyze: None, foreign_keys: Vec::new() }));
                work.len() - 1
            }
        };
        work[position].0 += rows;
        work[position].1.foreign_keys.push(fk);
    }
    // One lock name per table: its ANALYZE and its keys' validation each take SHARE
    // UPDATE EXCLUSIVE on it.
    let jobs = work.into_iter().map(|(rows, w)| Job::new(format!("{}.{}", w.schema, w.name), true, rows.max(0) as u64, w)).collect();
    sessions::run(conn, second, jobs, |conn, work: TableAfterSwap| {
        async move {
            let result = work.run(&mut *conn, run, retry).await;
            (conn, result)
        }
        .boxed()
    })
    .await?;
    Ok(())
}

/// One table's work after the swap.
struct TableAfterSwap<'a> {
    schema: &'a str,
    name: &'a str,
    /// The planned table, analyzed unless this run did; `None` for a table outside the
    /// plan that only has moved foreign keys.
    analyze: Option<&'a TablePlan>,
    foreign_keys: Vec<&'a ConstraintFacts>,
}

impl TableAfterSwap<'_> {
    async fn run(&self, conn: &mut PgConnection, run: i64, retry: &LockRetry) -> Result<(), EngineError> {
        if let Some(table) = self.analyze {
            analyze::once(&mut *conn, run, table, &table.qualified()).await?;
        }
        for fk in &self.foreign_keys {
            transaction::run(&mut *conn, &[ddl::validate_constraint(fk)], retry, None).await?;
        }
        Ok(())
    }
}
