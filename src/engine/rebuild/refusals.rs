//! What a rebuild cannot carry to the new table, refused before anything changes, with
//! the table and the reason: the catalog is asked once per planned table.

use super::super::error::EngineError;
use super::super::plan::Plan;
use super::super::planner::PlanError;
use sqlx::PgConnection;

/// One row per obstacle: (what, how to proceed).
const OBSTACLES: &str = "
SELECT what FROM (
  SELECT 'it is partitioned or has inheritance children or parents' AS what
   WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = $1::regclass AND (c.relkind = 'p' OR c.relhassubclass OR c.relispartition))
      OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass)
  UNION ALL
  SELECT 'it has trigger ' || quote_ident(tgname) || ', which the engine does not move to a new table'
    FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgname NOT LIKE 'pgr\\_%'
  UNION ALL
  SELECT 'it has row level security or policy ' || coalesce((SELECT string_agg(quote_ident(polname), ', ') FROM pg_policy WHERE polrelid = $1::regclass), '(none)')
   WHERE EXISTS (SELECT 1 FROM pg_class WHERE oid = $1::regclass AND (relrowsecurity OR relforcerowsecurity))
      OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = $1::regclass)
  UNION ALL
  SELECT 'column ' || quote_ident(attname) || ' has column-level grants'
    FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attacl IS NOT NULL
  UNION ALL
  SELECT 'it has exclusion constraint ' || quote_ident(conname)
    FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'x'
  UNION ALL
  SELECT 'its replica identity is an index'
   WHERE EXISTS (SELECT 1 FROM pg_class WHERE oid = $1::regclass AND relreplident = 'i')
  UNION ALL
  SELECT 'it is in publication ' || quote_ident(p.pubname)
    FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid WHERE r.prrelid = $1::regclass
  UNION ALL
  SELECT 'it has extended statistics ' || quote_ident(stxname)
    FROM pg_statistic_ext WHERE stxrelid = $1::regclass
  UNION ALL
  SELECT 'it has a rule'
   WHERE EXISTS (SELECT 1 FROM pg_rewrite w WHERE w.ev_class = $1::regclass AND w.rulename <> '_RETURN')
) o";

/// Refuses a rebuild of any planned table the route cannot carry exactly.
pub async fn check(conn: &mut PgConnection, plan: &Plan) -> Result<(), EngineError> {
    for table in &plan.tables {
        let found: Vec<String> = sqlx::query_scalar(OBSTACLES).bind(table.qualified()).fetch_all(&mut *conn).await.map_err(EngineError::query(OBSTACLES))?;
        if let Some(what) = found.into_iter().next() {
            return Err(PlanError::CannotRebuild { table: table.label(), what }.into());
        }
    }
    Ok(())
}
