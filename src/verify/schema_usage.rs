//! What the catalog says about how objects are used, for the checks on what up changed:
//! which column defaults call a volatile function (by `pg_proc.provolatile` of every
//! function the stored expression calls), and which user functions something in the
//! database uses. One query per kind, for the whole database.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Row};

use super::error::VerifyError;
use super::pattern::{matches_any, TablePattern};
use crate::vocabulary::TableName;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// `schema.table.column` of every column whose default calls a volatile function
    /// (`random()`, `gen_random_uuid()`, `nextval(...)`, `clock_timestamp()`, ...).
    pub volatile_defaults: BTreeSet<String>,
    /// `function schema.name(args)` (or `procedure ...`), keyed as in
    /// [`super::schema_snapshot::SchemaSnapshot::objects`], of every user function that
    /// another object depends on (a trigger, default, constraint, index, view, cast,
    /// operator, ...) or whose name another function's body mentions.
    pub functions_in_use: BTreeSet<String>,
}

/// The function ids a stored expression calls are in its node tree as `:funcid N` and
/// `:opfuncid N`; the most volatile of them decides.
const VOLATILE_DEFAULTS_SQL: &str = r"
SELECT n.nspname::text, c.relname::text, a.attname::text
  FROM pg_attrdef d
  JOIN pg_class c ON c.oid = d.adrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL($1)
   AND EXISTS (SELECT 1 FROM regexp_matches(d.adbin::text, ':(?:funcid|opfuncid) (\d+)', 'g') AS m(ids)
                 JOIN pg_proc p ON p.oid = m.ids[1]::oid
                WHERE p.provolatile = 'v')";

/// Extension members are left out on both sides: they are the extension's, not the
/// migration's. A name counts as mentioned when it appears as a whole word.
const FUNCTIONS_IN_USE_SQL: &str = r"
WITH user_functions AS (
    SELECT p.oid, p.proname, p.prokind, p.prosrc, n.nspname
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.prokind IN ('f', 'p') AND n.nspname <> ALL($1)
       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
)
SELECT CASE f.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END
       || ' ' || f.nspname || '.' || f.proname || '(' || pg_get_function_identity_arguments(f.oid) || ')'
  FROM user_functions f
 WHERE EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = f.oid AND d.deptype IN ('n', 'a')
                  AND NOT (d.classid = 'pg_proc'::regclass AND d.objid = f.oid))
    OR EXISTS (SELECT 1 FROM user_functions o
                WHERE o.oid <> f.oid AND o.prosrc ~ ('\m' || regexp_replace(f.proname, '([^A-Za-z0-9_])', '\\\1', 'g') || '\M'))";

/// Reads both, leaving out the schemas in `system` and the tables `excluded` matches.
pub async fn read_usage(conn: &mut PgConnection, system: &[String], excluded: &[TablePattern]) -> Result<Usage, VerifyError> {
    let mut usage = Usage::default();
    let rows = sqlx::query(VOLATILE_DEFAULTS_SQL)
        .bind(system)
        .fetch_all(&mut *conn)
        .await
        .map_err(VerifyError::query("read which column defaults are volatile"))?;
    for row in rows {
        let table = TableName::new(row.get::<String, _>(0), row.get::<String, _>(1));
        if !matches_any(excluded, &table) {
            usage.volatile_defaults.insert(format!("{table}.{}", row.get::<String, _>(2)));
        }
    }
    let used: Vec<String> = sqlx::query_scalar(FUNCTIONS_IN_USE_SQL)
        .bind(system)
        .fetch_all(&mut *conn)
        .await
        .map_err(VerifyError::query("read which functions are in use"))?;
    usage.functions_in_use = used.into_iter().collect();
    Ok(usage)
}
