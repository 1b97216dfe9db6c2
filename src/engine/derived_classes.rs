//! Classes a child column takes from its parent instead of a scan. A validated one-column
//! foreign key holds every value of the child column byte-equal to a value of the parent's
//! key (text or varchar on both sides, deterministic collations), and a value's class is a
//! function of its text, so the child's invalid and non-canonical values are exactly the
//! rows holding one of the few such values the parent's classification found: an index
//! lookup each, or one hashed pass, instead of a test of every value. It trusts the
//! constraint as Postgres does: rows loaded with its triggers bypassed
//! (`session_replication_role = replica`) are not checked again.

use sqlx::PgConnection;

use crate::quote::{quote_ident, quote_literal};

use super::classify::{Store, INVALID, NON_CANONICAL};
use super::error::EngineError;
use super::plan::{Enforcement, Plan, Reference, TablePlan};
use super::sql::pk_json;

/// A child column classified from its parent's classification.
#[derive(Debug, Clone, Copy)]
pub struct Derived<'a> {
    pub child: &'a TablePlan,
    pub column: &'a str,
    pub parent: &'a TablePlan,
    pub parent_column: &'a str,
}

/// The constraint as the catalog holds it now: validated and enforced (none of its
/// triggers disabled), one column each side, text or varchar compared by text's own
/// equality, collations that compare bytes, and a child table whose every row it covers
/// (a foreign key does not reach a table's inheritance children; a partitioned table's
/// partitions have it too).
const STILL_HOLDS: &str = "
SELECT EXISTS (
  SELECT 1 FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = k.conkey[1]
  JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
  LEFT JOIN pg_collation cc ON cc.oid = ca.attcollation
  LEFT JOIN pg_collation pc ON pc.oid = pa.attcollation
  WHERE k.conrelid = to_regclass($1) AND k.confrelid = to_regclass($2) AND k.conname = $3
    AND k.contype = 'f' AND k.convalidated AND cardinality(k.conkey) = 1
    AND ca.attname = $4 AND pa.attname = $5
    AND ca.atttypid IN ('text'::regtype, 'varchar'::regtype) AND pa.atttypid IN ('text'::regtype, 'varchar'::regtype)
    AND k.conpfeqop[1] = 'pg_catalog.=(text,text)'::regoperator AND k.conffeqop[1] = 'pg_catalog.=(text,text)'::regoperator
    AND coalesce(cc.collisdeterministic, true) AND coalesce(pc.collisdeterministic, true)
    AND (c.relkind = 'p' OR NOT c.relhassubclass)
    AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgconstraint = k.oid AND g.tgenabled = 'D'))";

/// The child columns of `plan` that can take their classes from a parent classified
/// before them (an earlier table of the plan, so no two tables wait on each other).
pub async fn derivable<'a>(conn: &mut PgConnection, plan: &'a Plan) -> Result<Vec<Derived<'a>>, EngineError> {
    let mut derived: Vec<Derived<'a>> = Vec::new();
    for reference in &plan.references {
        let Some(found) = candidate(plan, reference) else { continue };
        if derived.iter().any(|d| d.child.label() == found.child.label() && d.column == found.column) {
            continue;
        }
        let Some(name) = &reference.constraint else { continue };
        let holds: bool = sqlx::query_scalar(STILL_HOLDS)
            .bind(found.child.qualified())
            .bind(found.parent.qualified())
            .bind(name)
            .bind(found.column)
            .bind(found.parent_column)
            .fetch_one(&mut *conn)
            .await
            .map_err(EngineError::query(STILL_HOLDS))?;
        if holds {
            derived.push(found);
        }
    }
    Ok(derived)
}

/// `reference` as a derivation, if the plan allows one: validated, one column, both
/// columns converted, the parent an earlier table than the child.
fn candidate<'a>(plan: &'a Plan, reference: &'a Reference) -> Option<Derived<'a>> {
    let ([column], [parent_column]) = (reference.child_columns.as_slice(), reference.parent_columns.as_slice()) else { return None };
    if reference.enforcement != Enforcement::Validated {
        return None;
    }
    let child = plan.table(&reference.child_schema, &reference.child_table)?;
    let parent = plan.table(&reference.parent_schema, &reference.parent_table)?;
    let earlier = plan.table_number(&parent.schema, &parent.name) < plan.table_number(&child.schema, &child.name);
    let converted = plan.is_converted(&child.schema, &child.name, column) && plan.is_converted(&parent.schema, &parent.name, parent_column);
    (earlier && converted).then_some(Derived { child, column, parent, parent_column })
}

/// The columns of `table` that `derived` takes from their parents.
pub fn of<'d, 'a>(derived: &'d [Derived<'a>], table: &TablePlan) -> Vec<&'d Derived<'a>> {
    derived.iter().filter(|d| d.child.schema == table.schema && d.child.name == table.name).collect()
}

/// Stores the classes of `derived`'s child column from its parent's classification in
/// `store`, which must hold the parent's already. Returns the values stored.
pub async fn derive(tx: &mut PgConnection, store: Store, derived: &Derived<'_>) -> Result<u64, EngineError> {
    let sql = format!(
        "INSERT INTO {rel} (run, table_name, pk, column_name, kind, value)
         SELECT $1, {child}, {pk}, {column}, p.kind, p.value
         FROM {table} t JOIN (SELECT DISTINCT value, kind FROM {rel}
                              WHERE run = $1 AND table_name = {parent} AND column_name = {parent_column} AND kind IN ('{INVALID}', '{NON_CANONICAL}')) p
           ON t.{col} = p.value",
        rel = store.relation(),
        child = quote_literal(&derived.child.label()),
        pk = pk_json("t", derived.child),
        column = quote_literal(derived.column),
        table = derived.child.qualified(),
        parent = quote_literal(&derived.parent.label()),
        parent_column = quote_literal(derived.parent_column),
        col = quote_ident(derived.column),
    );
    let done = sqlx::query(&sql).bind(store.run()).execute(tx).await.map_err(EngineError::query(&sql))?;
    Ok(done.rows_affected())
}
