//! Every schema object a down can break besides tables, columns, constraints, indexes and
//! views, each as one line of text keyed by `kind name`: triggers with their enabled
//! state, functions and procedures, sequences (definition, and whether the next value is
//! still free), types, extensions, schemas, owners and grants, default privileges, row
//! security and policies, column collations, identity, generation and storage, table
//! partitioning and storage options, and comments. [`NOT_COMPARED`] names what is left.

use std::collections::BTreeMap;

use sqlx::{PgConnection, Row};

use super::error::VerifyError;
use super::pattern::{matches_any, TablePattern};
use crate::vocabulary::TableName;
use crate::quote::{quote_ident, quote_qualified};

/// Kinds of object no snapshot covers, listed in every report so a user knows where the
/// comparison is blind.
pub const NOT_COMPARED: &[&str] = &[
    "event triggers",
    "rules (other than views)",
    "extended statistics",
    "publications and subscriptions",
    "foreign servers and user mappings",
    "operators, casts and user-defined collations",
    "text search configurations",
    "large objects",
    "roles, tablespaces and database settings (cluster-wide)",
];

/// One query per kind: each row is (kind, schema, object name within the schema, the
/// table it belongs to or NULL, description). `$1` holds the schemas to leave out.
const OBJECTS_SQL: &[(&str, &str)] = &[
    (
        "read triggers",
        "SELECT 'trigger', n.nspname, c.relname || '.' || t.tgname, c.relname,
                pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'D' THEN ' (disabled)' WHEN 'R' THEN ' (enabled on replica only)'
                                                              WHEN 'A' THEN ' (enabled always)' ELSE ' (enabled)' END
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE NOT t.tgisinternal AND n.nspname <> ALL($1)",
    ),
    (
        "read functions and procedures",
        "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname,
                p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL::text,
                pg_get_functiondef(p.oid) || ' owner ' || pg_get_userbyid(p.proowner) || coalesce(' grants ' || p.proacl::text, '')
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE p.prokind IN ('f', 'p') AND n.nspname <> ALL($1)
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')",
    ),
    (
        "read sequences",
        "SELECT 'sequence', n.nspname, c.relname, NULL::text,
                format('as %s, increment %s, min %s, max %s, start %s, cache %s%s, owner %s%s',
                       format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache,
                       CASE WHEN s.seqcycle THEN ', cycle' ELSE '' END, pg_get_userbyid(c.relowner),
                       coalesce(', owned by ' || (SELECT tn.nspname || '.' || tc.relname || '.' || a.attname
                                  FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                                  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')), ''))
           FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname <> ALL($1)",
    ),
    (
        "read types",
        "SELECT CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite type' ELSE 'range type' END,
                n.nspname, t.typname, NULL::text,
                CASE t.typtype
                  WHEN 'e' THEN 'labels ' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
                  WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
                                || coalesce(' default ' || t.typdefault, '')
                                || coalesce(' ' || (SELECT string_agg(con.conname || ' ' || pg_get_constraintdef(con.oid), ', ' ORDER BY con.conname)
                                                      FROM pg_constraint con WHERE con.contypid = t.oid), '')
                  WHEN 'c' THEN '(' || (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                          FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) || ')'
                  ELSE format_type(t.oid, NULL)
                END || ' owner ' || pg_get_userbyid(t.typowner) || coalesce(' grants ' || t.typacl::text, '')
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
            AND n.nspname <> ALL($1)
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')",
    ),
    (
        "read extensions",
        "SELECT 'extension', n.nspname, e.extname, NULL::text, 'version ' || e.extversion
           FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace",
    ),
    (
        "read schemas",
        "SELECT 'schema', n.nspname, n.nspname, NULL::text, 'owner ' || pg_get_userbyid(n.nspowner) || coalesce(' grants ' || n.nspacl::text, '')
           FROM pg_namespace n WHERE n.nspname <> ALL($1) AND n.nspname NOT LIKE 'pg\\_%'",
    ),
    (
        "read table owners, grants, row security, partitioning and storage options",
        "SELECT 'table options', n.nspname, c.relname, c.relname,
                concat_ws(', ', 'owner ' || pg_get_userbyid(c.relowner), 'grants ' || c.relacl::text,
                          CASE WHEN c.relrowsecurity THEN 'row security enabled' END, CASE WHEN c.relforcerowsecurity THEN 'row security forced' END,
                          'partition by ' || pg_get_partkeydef(c.oid), 'partition of ' || (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i
                              JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition)
                              || ' ' || pg_get_expr(c.relpartbound, c.oid),
                          'with (' || array_to_string(c.reloptions, ', ') || ')', CASE c.relpersistence WHEN 'u' THEN 'unlogged' END,
                          CASE WHEN c.relreplident <> 'd' THEN 'replica identity ' || c.relreplident::text END)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> ALL($1)",
    ),
    (
        "read column collations, identity, generation and storage",
        "SELECT 'column options', n.nspname, c.relname || '.' || a.attname, c.relname,
                concat_ws(', ', CASE WHEN a.attcollation <> t.typcollation THEN 'collate ' || quote_ident(co.collname) END,
                          CASE a.attidentity WHEN 'a' THEN 'generated always as identity' WHEN 'd' THEN 'generated by default as identity' END,
                          CASE a.attgenerated WHEN 's' THEN 'generated always stored' END,
                          CASE WHEN a.attstorage <> t.typstorage THEN 'storage ' || a.attstorage::text END,
                          CASE WHEN a.attcompression <> '' THEN 'compression ' || a.attcompression::text END,
                          CASE WHEN a.attstattarget >= 0 THEN 'statistics ' || a.attstattarget END,
                          'grants ' || a.attacl::text)
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_collation co ON co.oid = a.attcollation
          WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname <> ALL($1)",
    ),
    (
        "read row-security policies",
        "SELECT 'policy', p.schemaname, p.tablename || '.' || p.policyname, p.tablename::text,
                concat_ws(' ', p.permissive, 'for', p.cmd, 'to', array_to_string(p.roles, ', '), 'using (' || p.qual || ')', 'with check (' || p.with_check || ')')
           FROM pg_policies p WHERE p.schemaname <> ALL($1)",
    ),
    (
        "read default privileges",
        "SELECT 'default privileges', coalesce(n.nspname, ''), pg_get_userbyid(d.defaclrole) || ' on ' || d.defaclobjtype::text, NULL::text, d.defaclacl::text
           FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
          WHERE n.nspname IS NULL OR n.nspname <> ALL($1)",
    ),
    (
        "read comments",
        "SELECT 'comment on ' || o.type, o.schema, o.identity, NULL::text, d.description
           FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
          WHERE o.schema IS NOT NULL AND o.schema <> ALL($1)",
    ),
];

/// Sequences with the column they feed (owned, or named in a column default), for the
/// check that the next value is still free.
const SEQUENCE_COLUMNS_SQL: &str = "
WITH fed AS (
    SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS attnum FROM pg_depend d
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
     WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
)
SELECT n.nspname::text, c.relname::text, s.seqincrement, tn.nspname::text, tc.relname::text, a.attname::text
  FROM fed
  JOIN pg_sequence s ON s.seqrelid = fed.seq
  JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class tc ON tc.oid = fed.rel JOIN pg_namespace tn ON tn.oid = tc.relnamespace
  JOIN pg_attribute a ON a.attrelid = fed.rel AND a.attnum = fed.attnum
 WHERE n.nspname <> ALL($1) AND format_type(a.atttypid, NULL) IN ('smallint', 'integer', 'bigint', 'numeric')
 ORDER BY 1, 2, 4, 5, 6";

/// Reads every object as `kind name` → description, leaving out the schemas in `system`
/// and objects of tables the patterns exclude.
pub async fn read_objects(conn: &mut PgConnection, system: &[String], excluded: &[TablePattern]) -> Result<BTreeMap<String, String>, VerifyError> {
    let mut objects = BTreeMap::new();
    for &(what, sql) in OBJECTS_SQL {
        let rows = sqlx::query(sql).bind(system).fetch_all(&mut *conn).await.map_err(VerifyError::query(what))?;
        for row in rows {
            let (kind, schema, name): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            let table: Option<String> = row.get(3);
            let owner = TableName::new(schema.clone(), table.unwrap_or_else(|| name.clone()));
            if matches_any(excluded, &owner) {
                continue;
            }
            let description: Option<String> = row.get(4);
            let description = description.unwrap_or_default();
            if kind == "column options" && description.is_empty() {
                continue;
            }
            let qualified = if name.starts_with(&format!("{schema}.")) { name } else { format!("{schema}.{name}") };
            objects.insert(format!("{kind} {qualified}"), description);
        }
    }
    read_sequence_positions(conn, system, excluded, &mut objects).await?;
    Ok(objects)
}

/// `sequence position s` → whether the next value the sequence hands out is free. A
/// sequence merely advanced stays free; one restarted below its column's maximum does not.
async fn read_sequence_positions(conn: &mut PgConnection, system: &[String], excluded: &[TablePattern], objects: &mut BTreeMap<String, String>) -> Result<(), VerifyError> {
    let rows = sqlx::query(SEQUENCE_COLUMNS_SQL).bind(system).fetch_all(&mut *conn).await.map_err(VerifyError::query("read the columns sequences feed"))?;
    for row in rows {
        let (schema, name, increment): (String, String, i64) = (row.get(0), row.get(1), row.get(2));
        let (table_schema, table, column): (String, String, String) = (row.get(3), row.get(4), row.get(5));
        if matches_any(excluded, &TableName::new(table_schema.clone(), table.clone())) {
            continue;
        }
        // The sequence's own tuple: after RESTART, `is_called` is false and `last_value`
        // is the value the next call returns (pg_sequences shows NULL then).
        let sql = format!("SELECT last_value, is_called FROM {}", quote_qualified(&schema, &name));
        let (last, is_called): (i64, bool) = sqlx::query_as(&sql).fetch_one(&mut *conn).await.map_err(VerifyError::query("read a sequence's position"))?;
        let next = if is_called { last.saturating_add(increment) } else { last };
        let sql = format!("SELECT max({})::text FROM {}", quote_ident(&column), quote_qualified(&table_schema, &table));
        let max: Option<String> = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await.map_err(VerifyError::query("read the maximum of a sequence's column"))?;
        let max = max.and_then(|m| m.parse::<f64>().ok());
        let collides = max.is_some_and(|max| if increment > 0 { next as f64 <= max } else { false });
        let description = match max {
            Some(max) if collides => format!("next value {next} is not above the maximum of {table_schema}.{table}.{column} ({max}): the next insert collides with an existing row"),
            _ => format!("next value is above every value of {table_schema}.{table}.{column}"),
        };
        objects.insert(format!("sequence position {schema}.{name}"), description);
    }
    Ok(())
}
