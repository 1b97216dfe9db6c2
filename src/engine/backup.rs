//! The backup step: copies every planned table into `migration_backup` in one
//! repeatable-read transaction (one consistent snapshot), then proves each copy by row
//! count and an order-independent checksum (PERF_NOTES: `sum(hashtextextended(...))`).
//! A rebuild never writes the original tables' rows (it copies them into new tables and
//! keeps the originals until `cleanup`), so there the originals are the backup: the step
//! only creates each backup table empty, for the rows `nullify` is about to change
//! ([`super::quarantine`] copies them in first), and counts the rows.

use futures::FutureExt;
use sqlx::{Executor, PgConnection};

use crate::quote::{quote_ident, quote_qualified};

use super::bookkeeping::BACKUP_SCHEMA;
use super::error::EngineError;
use super::log::{self, LogRecord};
use super::convert_method::ConvertMethod;
use super::plan::{names, Plan, TablePlan};

pub fn backup_table(table: &TablePlan) -> String {
    quote_qualified(BACKUP_SCHEMA, &names::copy_of(&table.schema, &table.name))
}

/// The statement creating the backup of `table`: a full copy in place, empty (filled by
/// `nullify` only) when rebuilding.
pub fn copy_sql(plan: &Plan, table: &TablePlan) -> String {
    let copy = format!("CREATE TABLE {} AS SELECT * FROM {}", backup_table(table), table.qualified());
    match plan.method {
        ConvertMethod::InPlace => copy,
        ConvertMethod::Rebuild => format!("{copy} WITH NO DATA"),
    }
}

/// Count and checksum of a relation, as text so no precision is lost.
async fn fingerprint(tx: &mut PgConnection, relation: &str) -> Result<(i64, String), EngineError> {
    let sql = format!("SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0)::text FROM {relation} t");
    sqlx::query_as(&sql).fetch_one(&mut *tx).await.map_err(EngineError::query(&sql))
}

/// Backs up every table and logs each one; all or nothing. Rebuilding, the rows of the
/// tables kept as the backup are counted first, on `second` too when given (the counts
/// only say how many rows there are, and need no snapshot shared with the rest).
pub async fn run(conn: &mut PgConnection, second: Option<&mut PgConnection>, run: i64, plan: &Plan) -> Result<Vec<(String, i64)>, EngineError> {
    let kept = match plan.method {
        ConvertMethod::Rebuild => count_kept(&mut *conn, second, plan).await?,
        ConvertMethod::InPlace => Vec::new(),
    };
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ";
    conn.execute(begin).await.map_err(EngineError::query(begin))?;
    let result = copy_all(conn, run, plan, &kept).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    conn.execute(end).await.map_err(EngineError::query(end))?;
    result
}

/// The rows of every planned table, in plan order, the largest counted first.
async fn count_kept(conn: &mut PgConnection, second: Option<&mut PgConnection>, plan: &Plan) -> Result<Vec<i64>, EngineError> {
    let sized = super::sessions::table_rows(&mut *conn, plan).await?;
    let jobs = sized.into_iter().map(|(table, rows)| crate::parallel::Job::new(table.label(), false, rows, table)).collect();
    super::sessions::run(conn, second, jobs, |conn, table| {
        async move {
            let count = format!("SELECT count(*) FROM {}", table.qualified());
            let rows = sqlx::query_scalar(&count).fetch_one(&mut *conn).await.map_err(EngineError::query(&count));
            (conn, rows)
        }
        .boxed()
    })
    .await
}

async fn copy_all(tx: &mut PgConnection, run: i64, plan: &Plan, kept: &[i64]) -> Result<Vec<(String, i64)>, EngineError> {
    let sql = format!("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}", quote_ident(BACKUP_SCHEMA));
    tx.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    let mut counts = Vec::new();
    for (i, table) in plan.tables.iter().enumerate() {
        let copy = copy_sql(plan, table);
        tx.execute(copy.as_str()).await.map_err(EngineError::query(&copy))?;
        if plan.method == ConvertMethod::Rebuild {
            let rows = kept[i];
            let record = LogRecord { rows: Some(rows), message: Some("the original table is the backup until cleanup".into()), ..Default::default() };
            log::record(tx, run, "backup-table", Some(&table.label()), &record).await?;
            counts.push((table.label(), rows));
            continue;
        }
        let source = fingerprint(tx, &table.qualified()).await?;
        let copied = fingerprint(tx, &backup_table(table)).await?;
        if source != copied {
            return Err(EngineError::BackupMismatch {
                table: table.label(),
                detail: format!("source has {} rows (checksum {}), backup {} rows (checksum {})", source.0, source.1, copied.0, copied.1),
            });
        }
        let record = LogRecord { rows: Some(source.0), message: Some(format!("checksum {}", source.1)), ..Default::default() };
        log::record(tx, run, "backup-table", Some(&table.label()), &record).await?;
        counts.push((table.label(), source.0));
    }
    count_outside_plan(tx, run, plan).await?;
    log::record(tx, run, "backup", None, &LogRecord::default()).await?;
    Ok(counts)
}

/// Counts, in the backup's snapshot, the rows of every table the plan does not back up, so
/// `validate` can tell when a row vanished where the plan does not look.
async fn count_outside_plan(tx: &mut PgConnection, run: i64, plan: &Plan) -> Result<(), EngineError> {
    for (schema, name) in super::catalog::user_tables(tx).await? {
        if plan.table(&schema, &name).is_some() {
            continue;
        }
        let sql = format!(
            "INSERT INTO pgrehearse_engine.table_count (run, schema_name, table_name, rows) SELECT $1, $2, $3, count(*) FROM {}",
            quote_qualified(&schema, &name)
        );
        sqlx::query(&sql).bind(run).bind(&schema).bind(&name).execute(&mut *tx).await.map_err(EngineError::query(&sql))?;
    }
    Ok(())
}
