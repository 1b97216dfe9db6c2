//! Classifies every value once. One scan per table finds the values the conversion
//! rejects (`invalid`) and those it accepts but rewrites (`non-canonical`), except in a
//! column a validated foreign key ties to its parent's, which takes its classes from the
//! parent's ([`super::derived_classes`]); one anti-join per unenforced reference finds the
//! `orphan`s. Collisions and dependents are derived
//! from these few rows by index lookups ([`super::preflight`], [`super::quarantine`]).
//! For a run the result is stored in `pgrehearse_engine.classified`, table by table and
//! reference by reference, two at a time on two sessions (a resumed run skips what is
//! done), and
//! brought up to date by re-checking only the rows the change log
//! ([`super::shadow::change_log_sql`]) recorded since.
//!
//! When the conversion has a cheap predicate for the values it gives back unchanged
//! ([`super::conversion::Conversion::unchanged_sql`], uuid), the guarded scan (regex, then
//! cast) runs only on the values that predicate does not clear. Otherwise the scan converts
//! every value unguarded when the conversion raises on exactly the values it rejects: a
//! cast per value instead of a regex, and the guarded scan only when it raises.

use futures::FutureExt;
use sqlx::{Connection, Executor, PgConnection};

use crate::parallel::Job;
use crate::quote::{quote_ident, quote_literal};

use super::derived_classes::{self, Derived};
use super::error::EngineError;
use super::sessions;
use super::log::{self, LogRecord};
use super::plan::{Enforcement, Plan, Reference, TablePlan};
use super::sql::{column_list, matches, pk_json, safe_convert};

/// Where a classification lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A temporary table of the engine's session: read-only steps (`validate-schema`,
    /// `--dry-run`) change nothing in the database.
    Session,
    /// The open run's bookkeeping, kept until the run ends.
    Run(i64),
}

impl Store {
    pub fn relation(self) -> &'static str {
        match self {
            Store::Session => "pg_temp.pgr_classified",
            Store::Run(_) => "pgrehearse_engine.classified",
        }
    }

    /// The run the rows belong to (`0` in the session store).
    pub fn run(self) -> i64 {
        match self {
            Store::Session => 0,
            Store::Run(run) => run,
        }
    }
}

const COLUMNS: &str = "run bigint NOT NULL, table_name text NOT NULL, pk jsonb NOT NULL, column_name text NOT NULL, kind text NOT NULL, value text, related_table text";

/// The kinds a scan stores per value.
pub const INVALID: &str = "invalid";
pub const NON_CANONICAL: &str = "non-canonical";
pub const ORPHAN: &str = "orphan";

async fn execute(conn: &mut PgConnection, sql: &str, plan: &Plan, store: Store) -> Result<u64, EngineError> {
    let done = sqlx::query(sql).bind(plan.conversion.validity_pattern()).bind(store.run()).execute(conn).await.map_err(EngineError::query(sql))?;
    Ok(done.rows_affected())
}

/// Classifies the data as it is now into the session store.
pub async fn session(conn: &mut PgConnection, plan: &Plan) -> Result<Store, EngineError> {
    let store = Store::Session;
    let sql = format!("CREATE TEMP TABLE IF NOT EXISTS pgr_classified ({COLUMNS}); TRUNCATE pg_temp.pgr_classified");
    conn.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    let derived = derived_classes::derivable(conn, plan).await?;
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    // In plan order: a parent is classified before the children that derive from it.
    for table in &plan.tables {
        classify_columns(&mut tx, store, plan, table, &derived).await?;
    }
    for reference in unenforced(plan) {
        orphans(&mut tx, store, plan, reference).await?;
    }
    tx.commit().await.map_err(EngineError::query("COMMIT"))?;
    Ok(store)
}

/// Classifies the data for `run`, unless that is done: each table in its own transaction
/// with its log record, then each reference's orphans likewise once its parent table is
/// classified (the second stage reads the parent's non-canonical values), as jobs shared
/// out between `conn` and, when given, `second`, largest table first. The change log must
/// already be installed.
pub async fn stored(conn: &mut PgConnection, second: Option<&mut PgConnection>, run: i64, plan: &Plan) -> Result<Store, EngineError> {
    let store = Store::Run(run);
    if log::is_completed(conn, run, "classify", None).await? {
        return Ok(store);
    }
    ensure_store(conn).await?;
    let sized = sessions::table_rows(conn, plan).await?;
    let derived = derived_classes::derivable(conn, plan).await?;
    let classified = |schema: &str, name: &str| format!("classified {schema}.{name}");
    let mut jobs = Vec::new();
    for &(table, rows) in &sized {
        let parents = derived_classes::of(&derived, table);
        // A table whose every column comes from its parents reads only the few rows those hold.
        let cost = if parents.len() == table.columns.len() { 1 } else { rows };
        let job = Job::new(format!("classify {}", table.label()), false, cost, Work::Table(table));
        let needs = parents.iter().map(|d| classified(&d.parent.schema, &d.parent.name)).collect();
        jobs.push(Job { provides: Some(classified(&table.schema, &table.name)), needs, ..job });
    }
    for reference in unenforced(plan) {
        let rows = sized.iter().find(|(t, _)| t.schema == reference.child_schema && t.name == reference.child_table).map_or(0, |(_, rows)| *rows);
        let job = Job::new(format!("orphans {}", reference.label()), false, rows, Work::Orphans(reference));
        jobs.push(Job { needs: vec![classified(&reference.parent_schema, &reference.parent_table)], ..job });
    }
    let derived = &derived;
    sessions::run(&mut *conn, second, jobs, |conn, work| {
        async move {
            let result = match work {
                Work::Table(table) => classify_table(&mut *conn, run, plan, table, derived).await,
                Work::Orphans(reference) => classify_orphans(&mut *conn, run, plan, reference).await,
            };
            (conn, result)
        }
        .boxed()
    })
    .await?;
    let sql = format!("SELECT count(*) FROM pgrehearse_engine.classified WHERE run = $1 AND kind = '{ORPHAN}'");
    let found: i64 = sqlx::query_scalar(&sql).bind(run).fetch_one(&mut *conn).await.map_err(EngineError::query(&sql))?;
    log::record(conn, run, "classify", None, &LogRecord { rows: Some(found), message: Some("orphans found".into()), ..Default::default() }).await?;
    Ok(store)
}

/// Creates the run store if missing (idempotent).
pub(super) async fn ensure_store(conn: &mut PgConnection) -> Result<(), EngineError> {
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS pgrehearse_engine.classified ({COLUMNS});
         CREATE INDEX IF NOT EXISTS classified_by_kind ON pgrehearse_engine.classified (run, table_name, kind)"
    );
    conn.execute(sql.as_str()).await.map_err(EngineError::query(&sql))?;
    Ok(())
}

/// One job of the stored classification.
enum Work<'a> {
    Table(&'a TablePlan),
    Orphans(&'a Reference),
}

/// Classifies `table` in its own transaction with its log record, unless this run did.
async fn classify_table(conn: &mut PgConnection, run: i64, plan: &Plan, table: &TablePlan, derived: &[Derived<'_>]) -> Result<(), EngineError> {
    let label = table.label();
    if log::is_completed(conn, run, "classify-table", Some(&label)).await? {
        return Ok(());
    }
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    let (rows, from_parents) = classify_columns(&mut tx, Store::Run(run), plan, table, derived).await?;
    let mut message = "values the conversion rejects or rewrites".to_string();
    if !from_parents.is_empty() {
        message.push_str(&format!("; {} from the parent's classification through a validated foreign key", from_parents.join(", ")));
    }
    let record = LogRecord { rows: Some(rows as i64), message: Some(message), ..Default::default() };
    log::record(&mut tx, run, "classify-table", Some(&label), &record).await?;
    tx.commit().await.map_err(EngineError::query("COMMIT"))
}

/// Stores the orphans of `reference` in its own transaction with its log record, unless
/// this run did.
async fn classify_orphans(conn: &mut PgConnection, run: i64, plan: &Plan, reference: &Reference) -> Result<(), EngineError> {
    let label = reference.label();
    if log::is_completed(conn, run, "classify-orphans", Some(&label)).await? {
        return Ok(());
    }
    let store = Store::Run(run);
    let mut tx = conn.begin().await.map_err(EngineError::query("BEGIN"))?;
    execute(&mut tx, &forget_orphans_sql(reference), plan, store).await?;
    let found = orphans(&mut tx, store, plan, reference).await?;
    log::record(&mut tx, run, "classify-orphans", Some(&label), &LogRecord { rows: Some(found as i64), ..Default::default() }).await?;
    tx.commit().await.map_err(EngineError::query("COMMIT"))
}

/// Forgets the stored orphans of `reference` (`$2` the run).
fn forget_orphans_sql(reference: &Reference) -> String {
    format!(
        "DELETE FROM pgrehearse_engine.classified WHERE run = $2 AND table_name = {} AND kind = '{ORPHAN}' AND column_name = {} AND related_table = {}",
        quote_literal(&format!("{}.{}", reference.child_schema, reference.child_table)),
        quote_literal(&reference.child_columns.join(",")),
        quote_literal(&format!("{}.{}", reference.parent_schema, reference.parent_table))
    )
}

/// Brings the stored classification of `run` up to date inside the caller's transaction:
/// takes the keys the change log recorded, forgets what was stored for them, and
/// classifies those rows again (and the orphans of every reference one of whose tables
/// changed). Idempotent: the keys taken are removed from the log in the same transaction.
pub async fn refresh(tx: &mut PgConnection, run: i64, plan: &Plan) -> Result<Store, EngineError> {
    let store = Store::Run(run);
    let take = "CREATE TEMP TABLE IF NOT EXISTS pgr_changed (table_name text NOT NULL, pk jsonb NOT NULL); TRUNCATE pg_temp.pgr_changed;
        WITH taken AS (DELETE FROM pgrehearse_engine.changed_row RETURNING table_name, pk)
        INSERT INTO pg_temp.pgr_changed SELECT DISTINCT table_name, pk FROM taken";
    tx.execute(take).await.map_err(EngineError::query(take))?;
    let sql = "SELECT DISTINCT table_name FROM pg_temp.pgr_changed";
    let changed: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await.map_err(EngineError::query(sql))?;
    if changed.is_empty() {
        return Ok(store);
    }
    for table in plan.tables.iter().filter(|t| changed.contains(&t.label())) {
        let label = quote_literal(&table.label());
        let forget = format!(
            "DELETE FROM pgrehearse_engine.classified WHERE run = $2 AND table_name = {label} AND kind IN ('{INVALID}', '{NON_CANONICAL}')
             AND pk IN (SELECT pk FROM pg_temp.pgr_changed WHERE table_name = {label})"
        );
        execute(tx, &forget, plan, store).await?;
        let only = format!(
            "WHERE ({}) IN (SELECT {} FROM pg_temp.pgr_changed k WHERE k.table_name = {label})",
            column_list(Some("t"), &table.pk_names()),
            super::sql::pk_from_json(table, "k.pk")
        );
        checked_scan(tx, store, plan, table, &only).await?;
    }
    for reference in unenforced(plan) {
        let child = format!("{}.{}", reference.child_schema, reference.child_table);
        let parent = format!("{}.{}", reference.parent_schema, reference.parent_table);
        let (child_changed, parent_changed) = (changed.contains(&child), changed.contains(&parent));
        if !child_changed && !parent_changed {
            continue;
        }
        match recheck_sql(plan, store, reference, parent_changed) {
            Some(recheck) => {
                tx.execute(RECHECK_TABLE).await.map_err(EngineError::query(RECHECK_TABLE))?;
                execute(tx, &recheck, plan, store).await?;
                let forget = format!("{} AND pk IN (SELECT pk FROM pg_temp.pgr_recheck)", forget_orphans_sql(reference));
                execute(tx, &forget, plan, store).await?;
                let Some(table) = plan.table(&reference.child_schema, &reference.child_table) else { continue };
                let only = format!("({}) IN (SELECT {} FROM pg_temp.pgr_recheck r)", column_list(Some("c"), &table.pk_names()), super::sql::pk_from_json(table, "r.pk"));
                orphans_where(tx, store, plan, reference, &only).await?;
            }
            None => {
                execute(tx, &forget_orphans_sql(reference), plan, store).await?;
                orphans(tx, store, plan, reference).await?;
            }
        }
    }
    Ok(store)
}

const RECHECK_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS pgr_recheck (pk jsonb NOT NULL); TRUNCATE pg_temp.pgr_recheck";

/// Fills `pg_temp.pgr_recheck` with the keys of the child rows of `reference` whose orphan
/// status the changes may have changed, when the reference is one column pointing at its
/// parent's one-column primary key (else `None`: every child row is checked again). A
/// child row's status follows its own value (a changed child row) and the parent values
/// it matches, exactly or converted; a changed parent row logged its key before and after,
/// so the rows that can match a changed parent value (lose their parent, or find one) are
/// those holding that value or its converted text, and those whose own value is
/// non-canonical (matched converted). Only the first kind needs a scan of the child table,
/// with a hashed filter; the second is few.
fn recheck_sql(plan: &Plan, store: Store, reference: &Reference, parent_changed: bool) -> Option<String> {
    let child = plan.table(&reference.child_schema, &reference.child_table)?;
    let parent = plan.table(&reference.parent_schema, &reference.parent_table)?;
    let ([ccol], [pcol]) = (reference.child_columns.as_slice(), reference.parent_columns.as_slice()) else { return None };
    if parent.pk_names() != [pcol.as_str()] {
        return None;
    }
    let clabel = quote_literal(&child.label());
    let mut sources = vec![format!("SELECT pk FROM pg_temp.pgr_changed WHERE table_name = {clabel}")];
    if parent_changed {
        if plan.is_converted(&child.schema, &child.name, ccol) {
            sources.push(format!(
                "SELECT pk FROM {} WHERE run = $2 AND table_name = {clabel} AND kind = '{NON_CANONICAL}' AND column_name = {}",
                store.relation(),
                quote_literal(ccol)
            ));
        }
        let value = format!("(k.pk ->> {})", quote_literal(pcol));
        let converted = format!("({})::text", safe_convert(&plan.conversion, &value, 1));
        sources.push(format!(
            "SELECT {} FROM {} c WHERE c.{}::text IN (SELECT {value} FROM pg_temp.pgr_changed k WHERE k.table_name = {plabel}
                                                      UNION SELECT {converted} FROM pg_temp.pgr_changed k WHERE k.table_name = {plabel})",
            pk_json("c", child),
            child.qualified(),
            quote_ident(ccol),
            plabel = quote_literal(&parent.label()),
        ));
    }
    Some(format!("INSERT INTO pg_temp.pgr_recheck {}", sources.join(" UNION ")))
}

/// The references whose orphans must be found: those the database does not (fully)
/// enforce, between planned tables.
pub(super) fn unenforced(plan: &Plan) -> impl Iterator<Item = &Reference> {
    plan.references.iter().filter(|r| {
        r.enforcement != Enforcement::Validated && plan.table(&r.child_schema, &r.child_table).is_some() && plan.table(&r.parent_schema, &r.parent_table).is_some()
    })
}

/// Classifies every row of `table`: the guarded scan behind the cheap predicate when the
/// conversion has one; else unguarded first when the conversion allows it, the guarded
/// scan when that raises on a rejected value.
async fn scan_table(tx: &mut PgConnection, store: Store, plan: &Plan, table: &TablePlan) -> Result<u64, EngineError> {
    if plan.conversion.unchanged_sql("x").is_some() {
        // The cheap predicate leaves the regex and the cast to the few other values.
        return checked_scan(tx, store, plan, table, "").await;
    }
    if plan.conversion.raises_on_invalid() {
        let mut attempt = tx.begin().await.map_err(EngineError::query("SAVEPOINT"))?;
        match optimistic_scan(&mut attempt, store, plan, table).await {
            Ok(rows) => {
                attempt.commit().await.map_err(EngineError::query("RELEASE SAVEPOINT"))?;
                return Ok(rows);
            }
            Err(e) if rejected_a_value(&e) => attempt.rollback().await.map_err(EngineError::query("ROLLBACK TO SAVEPOINT"))?,
            Err(e) => return Err(e),
        }
    }
    checked_scan(tx, store, plan, table, "").await
}

/// Classifies `table`'s columns: those `derived` names from their parents' classification
/// (already stored), the others by a scan. Returns the values stored and the derived
/// columns.
async fn classify_columns(tx: &mut PgConnection, store: Store, plan: &Plan, table: &TablePlan, derived: &[Derived<'_>]) -> Result<(u64, Vec<String>), EngineError> {
    let from_parents = derived_classes::of(derived, table);
    let scanned = TablePlan { columns: table.columns.iter().filter(|c| !from_parents.iter().any(|d| d.column == c.name)).cloned().collect(), ..table.clone() };
    let mut rows = 0;
    if !scanned.columns.is_empty() {
        rows += scan_table(tx, store, plan, &scanned).await?;
    }
    for d in &from_parents {
        rows += derived_classes::derive(tx, store, d).await?;
    }
    Ok((rows, from_parents.iter().map(|d| d.column.to_string()).collect()))
}

/// SQLSTATE 22P02 invalid_text_representation: what `::uuid` raises on a rejected value.
fn rejected_a_value(error: &EngineError) -> bool {
    match error {
        EngineError::Query { source: sqlx::Error::Database(db), .. } => db.code().as_deref() == Some("22P02"),
        _ => false,
    }
}

/// `INSERT INTO store SELECT … FROM (inner) s CROSS JOIN LATERAL (VALUES …) x(col, value, kind)`:
/// one output row per classified value of a table row.
fn insert_per_value(store: Store, table: &TablePlan, inner: &str, kind_of: &dyn Fn(usize) -> String, keep: &str) -> String {
    let values: Vec<String> = table.columns.iter().enumerate().map(|(i, c)| format!("({}, s.v{i}, {})", quote_literal(&c.name), kind_of(i))).collect();
    format!(
        "INSERT INTO {} (run, table_name, pk, column_name, kind, value)
         SELECT $2, {}, s.pk, x.col, x.kind, x.value FROM ({inner}) s
         CROSS JOIN LATERAL (VALUES {}) x(col, value, kind) WHERE {keep}",
        store.relation(),
        quote_literal(&table.label()),
        values.join(", ")
    )
}

/// Converts every value unguarded: rows whose converted text differs from the stored
/// text are non-canonical; a rejected value makes the statement raise.
async fn optimistic_scan(tx: &mut PgConnection, store: Store, plan: &Plan, table: &TablePlan) -> Result<u64, EngineError> {
    let mut select = vec![format!("{} AS pk", pk_json("t", table))];
    let mut differs = Vec::new();
    for (i, c) in table.columns.iter().enumerate() {
        let col = format!("t.{}", quote_ident(&c.name));
        let canonical = format!("({})::text", plan.conversion.convert_sql(&col));
        select.push(format!("{col}::text COLLATE \"C\" AS v{i}, {canonical} AS k{i}"));
        differs.push(format!("{canonical} <> {col}::text COLLATE \"C\""));
    }
    let inner = format!("SELECT {} FROM {} t WHERE {}", select.join(", "), table.qualified(), differs.join(" OR "));
    let sql = insert_per_value(store, table, &inner, &|i| format!("CASE WHEN s.k{i} <> s.v{i} THEN '{NON_CANONICAL}' END"), "x.kind IS NOT NULL");
    execute(tx, &sql, plan, store).await
}

/// Tests every value against the validity pattern before converting it, skipping first
/// the values the conversion's cheap predicate proves unchanged. `filter` limits the rows
/// (a `WHERE` clause over alias `t`, or empty).
async fn checked_scan(tx: &mut PgConnection, store: Store, plan: &Plan, table: &TablePlan, filter: &str) -> Result<u64, EngineError> {
    let mut select = vec![format!("{} AS pk", pk_json("t", table))];
    let mut suspects = Vec::new();
    for (i, c) in table.columns.iter().enumerate() {
        let col = format!("t.{}", quote_ident(&c.name));
        match plan.conversion.unchanged_sql(&format!("{col}::text")) {
            Some(unchanged) => suspects.push(format!("({col} IS NOT NULL AND NOT {unchanged})")),
            None => suspects.push("true".to_string()),
        }
        select.push(format!(
            "{col}::text AS v{i}, CASE WHEN {col} IS NULL THEN NULL WHEN NOT {} THEN '{INVALID}'
             WHEN ({})::text <> {col}::text COLLATE \"C\" THEN '{NON_CANONICAL}' END AS k{i}",
            matches(&col, "$1"),
            plan.conversion.convert_sql(&col)
        ));
    }
    let suspects = format!("({})", suspects.join(" OR "));
    let filter = if filter.is_empty() { format!("WHERE {suspects}") } else { format!("{filter} AND {suspects}") };
    // `OFFSET 0` keeps the cheap filter below the classifying CASE: pulled up, the planner
    // may test the CASE (its regex and cast) first on every row.
    let inner = format!("SELECT {} FROM (SELECT * FROM {} t {filter} OFFSET 0) t", select.join(", "), table.qualified());
    let sql = insert_per_value(store, table, &inner, &|i| format!("s.k{i}"), "x.kind IS NOT NULL");
    execute(tx, &sql, plan, store).await
}

/// Stores the child rows of `reference` that point at no parent row, in two stages so the
/// conversion only runs on the few rows the exact text leaves without a parent: a
/// hashed anti-join on the text first, then, for one-column references, a lookup of the
/// converted value among the parents' canonical texts (the key index) and among the
/// parents' non-canonical values (the classification). Values the conversion rejects are
/// classified invalid instead.
async fn orphans(tx: &mut PgConnection, store: Store, plan: &Plan, reference: &Reference) -> Result<u64, EngineError> {
    orphans_where(tx, store, plan, reference, "true").await
}

/// [`orphans`] among the child rows (alias `c`) for which `only` holds.
async fn orphans_where(tx: &mut PgConnection, store: Store, plan: &Plan, reference: &Reference, only: &str) -> Result<u64, EngineError> {
    let (Some(child), Some(parent)) = (plan.table(&reference.child_schema, &reference.child_table), plan.table(&reference.parent_schema, &reference.parent_table)) else {
        return Ok(0);
    };
    let ccols: Vec<&str> = reference.child_columns.iter().map(String::as_str).collect();
    let pcols: Vec<&str> = reference.parent_columns.iter().map(String::as_str).collect();
    let present: Vec<String> = ccols.iter().map(|x| format!("c.{} IS NOT NULL", quote_ident(x))).collect();
    let carried: Vec<String> = ccols.iter().enumerate().map(|(i, x)| format!("c.{} AS pgr_c{i}", quote_ident(x))).collect();
    let mut outer: Vec<String> = ccols
        .iter()
        .enumerate()
        .filter(|(_, x)| plan.is_converted(&child.schema, &child.name, x))
        .map(|(i, _)| matches(&format!("r.pgr_c{i}"), "$1"))
        .collect();
    if ccols.len() == 1 {
        let converted = safe_convert(&plan.conversion, "r.pgr_c0", 1);
        let pcol = quote_ident(pcols[0]);
        outer.push(format!("NOT EXISTS (SELECT 1 FROM {} p WHERE p.{pcol} = ({converted})::text)", parent.qualified()));
        // Uncorrelated, so Postgres hashes the set once: correlated, it converted every
        // stored value again for each child row left (57 s at 10M rows, under writes).
        if plan.is_converted(&parent.schema, &parent.name, pcols[0]) {
            outer.push(format!(
                "NOT coalesce({converted} IN (SELECT {} FROM {} x WHERE x.run = $2 AND x.table_name = {} AND x.column_name = {} AND x.kind = '{NON_CANONICAL}'), false)",
                safe_convert(&plan.conversion, "x.value", 1),
                store.relation(),
                quote_literal(&parent.label()),
                quote_literal(pcols[0]),
            ));
        } else {
            outer.push(format!(
                "NOT coalesce({converted} IN (SELECT {} FROM {} p), false)",
                safe_convert(&plan.conversion, &format!("p.{pcol}"), 1),
                parent.qualified()
            ));
        }
    }
    let sql = format!(
        "INSERT INTO {rel} (run, table_name, pk, column_name, kind, value, related_table)
         SELECT $2, {clabel}, r.pgr_pk, {cols}, '{ORPHAN}', r.pgr_value, {plabel} FROM (
           SELECT {pk} AS pgr_pk, concat_ws(',', {list}) AS pgr_value, {carried} FROM {ct} c
           WHERE {present} AND {only} AND NOT EXISTS (SELECT 1 FROM {pt} p WHERE ({pl}) = ({cl})) OFFSET 0) r
         WHERE {outer}",
        rel = store.relation(),
        clabel = quote_literal(&child.label()),
        cols = quote_literal(&reference.child_columns.join(",")),
        plabel = quote_literal(&parent.label()),
        pk = pk_json("c", child),
        list = column_list(Some("c"), &ccols),
        carried = carried.join(", "),
        ct = child.qualified(),
        present = present.join(" AND "),
        pt = parent.qualified(),
        pl = column_list(Some("p"), &pcols),
        cl = column_list(Some("c"), &ccols),
        outer = if outer.is_empty() { "true".to_string() } else { outer.join(" AND ") },
    );
    execute(tx, &sql, plan, store).await
}
