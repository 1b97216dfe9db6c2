//! Catch-up: the keys the forward trigger recorded are copied again from the original
//! table into the new one (deleted there, inserted from the original as it is now), and
//! their log rows removed, in one transaction per pass: idempotent, so a crash at any
//! instant loses nothing. The last pass runs inside the swap, under its lock.

use sqlx::PgConnection;

use crate::quote::quote_literal;

use super::super::error::EngineError;
use super::super::plan::{Plan, TablePlan};
use super::super::transaction::{self, LockRetry};
use super::change_log::{Direction, TABLE};
use super::copy::converted_list;
use super::keys::{key_of_row, new_key_from_old_json, old_key_from_old_json};
use super::prepare::new_table;

/// Keys per pass before the swap; the swap takes what is left.
const PASS: i64 = 20_000;

fn logged(table: &TablePlan, up_to: Option<i64>) -> String {
    let bound = up_to.map(|id| format!(" AND l.id <= {id}")).unwrap_or_default();
    format!(
        "{TABLE} l WHERE l.table_name = {} AND l.direction = {}{bound}",
        quote_literal(&table.label()),
        quote_literal(Direction::Forward.name())
    )
}

/// The statements of one pass over the forward log of `table` (`up_to`: the last log id
/// taken; `None` takes all, which only the swap does, when no write can add more).
///
/// The pass deletes from the new table every key the log holds in its snapshot, not only
/// those up to `up_to`: a row written after the pass chose `up_to` but before its snapshot
/// is already changed in the original, and may have handed a unique value to a row this
/// pass copies (two emails swapped); left in the new table it would collide with it. The
/// rows left are then the originals as of the snapshot, so the copies cannot collide with
/// them. The keys past `up_to` are copied by the next pass.
pub fn pass_sql(plan: &Plan, table: &TablePlan, columns: &[String], up_to: Option<i64>) -> Vec<String> {
    let new = new_table(plan, table);
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    vec![
        format!(
            "DELETE FROM {new} n WHERE {} IN (SELECT {} FROM {})",
            key_of_row(table, "n"),
            new_key_from_old_json(plan, table, "l.pk"),
            logged(table, None)
        ),
        format!(
            "INSERT INTO {new} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {} t WHERE {} IN (SELECT {} FROM {})",
            super::super::sql::column_list(None, &names),
            converted_list(table, plan, "t", columns),
            table.qualified(),
            key_of_row(table, "t"),
            old_key_from_old_json(table, "l.pk"),
            logged(table, up_to)
        ),
        format!("DELETE FROM {TABLE} WHERE id IN (SELECT l.id FROM {})", logged(table, up_to)),
    ]
}

/// Holds for a row `alias` of the original table whose key the forward log does not hold.
/// The copy takes only such rows: a row the application wrote since the trigger is
/// logged in the same transaction, so every snapshot that sees the write sees its key
/// too. The new table thus holds only rows that were live together when the trigger came
/// (each read once, from its one block), which cannot break a unique index; the catch-up
/// copies the logged keys.
pub fn not_logged_sql(table: &TablePlan, alias: &str) -> String {
    format!("NOT coalesce({} IN (SELECT {} FROM {}), false)", key_of_row(table, alias), old_key_from_old_json(table, "l.pk"), logged(table, None))
}

/// Passes over `table`'s log until one finds fewer than [`PASS`] keys. Returns the keys
/// copied again.
pub async fn run(conn: &mut PgConnection, plan: &Plan, table: &TablePlan, columns: &[String], retry: &LockRetry) -> Result<i64, EngineError> {
    let mut total = 0;
    loop {
        let sql = format!(
            "SELECT count(*), max(id) FROM (SELECT id FROM {TABLE} WHERE table_name = $1 AND direction = $2 ORDER BY id LIMIT {PASS}) p"
        );
        let (keys, up_to): (i64, Option<i64>) =
            sqlx::query_as(&sql).bind(table.label()).bind(Direction::Forward.name()).fetch_one(&mut *conn).await.map_err(EngineError::query(&sql))?;
        let Some(up_to) = up_to else { return Ok(total) };
        // One snapshot for the whole pass: a log row committed after it is neither copied
        // nor removed, so the next pass takes it.
        let mut statements = vec!["SET TRANSACTION ISOLATION LEVEL REPEATABLE READ".to_string()];
        statements.extend(pass_sql(plan, table, columns, Some(up_to)));
        transaction::run(conn, &statements, retry, None).await?;
        total += keys;
        if keys < PASS {
            return Ok(total);
        }
    }
}
