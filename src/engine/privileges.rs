//! What the engine's role must be allowed before anything changes: to own (be a member
//! of the owner of) every planned table and every view it recreates, to create in their
//! schemas (shadow columns' indexes, new tables), and to create the engine's own schemas
//! when they are missing. Asked of the catalog once, at planning, so a run never stops
//! half-way on `permission denied`.

use sqlx::PgConnection;

use super::bookkeeping::BOOKKEEPING_SCHEMAS;
use super::error::EngineError;
use super::plan::Plan;
use super::planner::PlanError;

/// One row per thing missing, for relations `$1` (tables and views, `schema.name` quoted),
/// with `$2` the engine's schemas.
const MISSING: &str = r"
SELECT what FROM (
  SELECT 1 AS o, format('ownership of %s (owned by %I)', c.oid::regclass, pg_get_userbyid(c.relowner)) AS what
    FROM unnest($1::text[]) r(name) JOIN pg_class c ON c.oid = r.name::regclass
   WHERE NOT pg_has_role(c.relowner, 'USAGE')
  UNION ALL
  SELECT 2, format('CREATE on schema %I', n.nspname)
    FROM (SELECT DISTINCT c.relnamespace FROM unnest($1::text[]) r(name) JOIN pg_class c ON c.oid = r.name::regclass) s
    JOIN pg_namespace n ON n.oid = s.relnamespace
   WHERE NOT has_schema_privilege(n.oid, 'CREATE')
  UNION ALL
  SELECT 3, format('CREATE on database %I (for the schemas %s)', current_database(), array_to_string(array_agg(s.name ORDER BY s.name), ', '))
    FROM unnest($2::text[]) s(name)
   WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = s.name) AND NOT has_database_privilege(current_database(), 'CREATE')
  HAVING count(*) > 0
) m ORDER BY o, what";

/// Refuses the plan, naming every privilege the role lacks and what to grant.
pub async fn check(conn: &mut PgConnection, plan: &Plan) -> Result<(), EngineError> {
    let mut relations: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    relations.extend(plan.views.iter().map(|v| crate::quote::quote_qualified(&v.schema, &v.name)));
    let schemas: Vec<String> = BOOKKEEPING_SCHEMAS.iter().map(|s| s.to_string()).collect();
    let missing: Vec<String> = sqlx::query_scalar(MISSING).bind(&relations).bind(&schemas).fetch_all(&mut *conn).await.map_err(EngineError::query(MISSING))?;
    if missing.is_empty() {
        return Ok(());
    }
    let role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&mut *conn).await.map_err(EngineError::query("SELECT current_user"))?;
    Err(PlanError::MissingPrivileges { role, missing: missing.join("; ") }.into())
}
