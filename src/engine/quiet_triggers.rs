//! The in-place batches and the table's own triggers and rules: kept from firing where the
//! role may (`session_replication_role = replica`), and refused before anything changes
//! where they would fire on every batch anyway.
//!
//! A batch's UPDATE only fills the shadow column, so an `updated_at` trigger that fired on
//! it would rewrite every row, and rollback could not undo that. `replica` keeps them quiet
//! for the engine's session alone: the application's sessions still fire them, and the
//! engine's own sync trigger, whose work the batch does, is skipped too.

use sqlx::PgConnection;

use super::error::EngineError;
use super::plan::Plan;
use super::planner::PlanError;

const QUIET: &str = "SET session_replication_role = replica";
const AGAIN: &str = "RESET session_replication_role";

/// Sets `replica` for this session; false when the role may not (it is not a superuser
/// and was not granted `SET` on the parameter), and the triggers then fire as usual.
pub async fn quiet(conn: &mut PgConnection) -> Result<bool, EngineError> {
    match sqlx::query(QUIET).execute(&mut *conn).await {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501") => Ok(false),
        Err(source) => Err(EngineError::query(QUIET)(source)),
    }
}

/// Undoes [`quiet`].
pub async fn again(conn: &mut PgConnection) -> Result<(), EngineError> {
    sqlx::query(AGAIN).execute(&mut *conn).await.map_err(EngineError::query(AGAIN))?;
    Ok(())
}

/// The user triggers and rules of `$1` that an UPDATE of a new column fires while
/// `session_replication_role` lets the `tgenabled` states of `$2` fire: UPDATE triggers
/// not limited to named columns (a batch sets only the shadow column), and UPDATE rules.
const WOULD_FIRE: &str = r"
SELECT what FROM (
  SELECT 'trigger ' || quote_ident(tgname) AS what, 1 AS o, tgname::text AS n FROM pg_trigger
   WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgname NOT LIKE 'pgr\_%'
     AND tgtype & 16 <> 0 AND cardinality(tgattr::int2[]) = 0 AND tgenabled::text = ANY($2::text[])
  UNION ALL
  SELECT 'rule ' || quote_ident(rulename), 2, rulename::text FROM pg_rewrite
   WHERE ev_class = $1::regclass AND ev_type = '2' AND ev_enabled::text = ANY($2::text[])
) f ORDER BY o, n";

/// Refuses an in-place convert whose batches would fire a planned table's own trigger or
/// rule: with the role's rights as they are, naming the table, what fires and what to do.
pub async fn check(conn: &mut PgConnection, plan: &Plan) -> Result<(), EngineError> {
    let may_quiet = quiet(conn).await?;
    if may_quiet {
        again(conn).await?;
    }
    // `O`rigin triggers fire unless the session is a replica, `R`eplica ones only then,
    // `A`lways ones in both.
    let firing: &[&str] = if may_quiet { &["A", "R"] } else { &["O", "A"] };
    let firing: Vec<String> = firing.iter().map(|s| s.to_string()).collect();
    for table in &plan.tables {
        let found: Vec<String> = sqlx::query_scalar(WOULD_FIRE).bind(table.qualified()).bind(&firing).fetch_all(&mut *conn).await.map_err(EngineError::query(WOULD_FIRE))?;
        if let Some(what) = found.into_iter().next() {
            let why = if may_quiet {
                "it is enabled ALWAYS or REPLICA, so it fires in the engine's replica session too: make it a plain `ENABLE TRIGGER` (or `ENABLE RULE`) for the migration, or disable it".to_string()
            } else {
                "the engine's role may not set `session_replication_role`, which keeps a table's own triggers quiet for the engine's session alone: run the engine as a superuser, or grant the role that parameter (PostgreSQL 15+: `GRANT SET ON PARAMETER session_replication_role TO <role>`)".to_string()
            };
            return Err(PlanError::TriggersWouldFire { table: table.label(), what, why }.into());
        }
    }
    Ok(())
}
