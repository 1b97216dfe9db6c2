//! Snapshots of the catalog (schema objects outside the engine's bookkeeping) and of the
//! data, as sorted text, to compare before and after.

use sqlx::PgConnection;

/// Columns (in order), constraints (with validation state), indexes, views, triggers,
/// functions and table options (the toast table's too) of the public schema, one line each.
pub async fn catalog(conn: &mut PgConnection) -> Vec<String> {
    let sql = r#"
SELECT 'column ' || c.relname || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname || ' ' ||
       format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END ||
       coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || coalesce(' collate ' || co.collname, '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'i')
UNION ALL
SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || k.contype::text || ' ' || pg_get_constraintdef(k.oid) ||
       ' validated=' || k.convalidated || ' deferrable=' || k.condeferrable || ' deferred=' || k.condeferred
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
UNION ALL
SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
UNION ALL
SELECT 'function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
UNION ALL
SELECT 'options ' || c.relname || ' ' || coalesce(array_to_string(ARRAY(SELECT unnest(c.reloptions) ORDER BY 1), ','), '') || ' toast ' || coalesce(array_to_string(ARRAY(SELECT unnest(t.reloptions) ORDER BY 1), ','), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class t ON t.oid = c.reltoastrelid WHERE n.nspname = 'public' AND c.relkind = 'r'
ORDER BY 1"#;
    let lines: Vec<String> = sqlx::query_scalar(sql).fetch_all(conn).await.unwrap();
    assert!(lines.len() > 10, "catalog snapshot is suspiciously small: {lines:?}");
    lines
}

pub const TABLES: [&str; 5] = ["users", "journal_entries", "entry_tags", "reminders", "audit_events"];

/// Every row of every fixture table as its exact text (`t::text`), sorted.
pub async fn rows(conn: &mut PgConnection) -> Vec<String> {
    let mut all = Vec::new();
    for table in TABLES {
        let sql = format!("SELECT '{table} ' || t::text FROM {table} t ORDER BY 1");
        let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(&mut *conn).await.unwrap();
        assert!(!rows.is_empty(), "{table} is empty");
        all.extend(rows);
    }
    all.sort();
    all
}

/// The original columns of a fixture table, in order.
pub async fn columns(conn: &mut PgConnection, table: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
         AND attname NOT LIKE '%\\_\\_pgr\\_%' ORDER BY attnum",
    )
    .bind(table)
    .fetch_all(conn)
    .await
    .unwrap()
}

/// Rows as `col=value|...` over `columns`, rendering each listed key column with `render`
/// (e.g. `{}::uuid::text` before conversion, `{}::text` after). `filter` limits the rows.
pub async fn rows_as(conn: &mut PgConnection, table: &str, columns: &[String], keys: &[&str], render: &str, filter: &str) -> Vec<String> {
    let parts: Vec<String> = columns
        .iter()
        .map(|c| {
            let q = format!("t.\"{c}\"");
            let v = if keys.contains(&c.as_str()) { render.replace("{}", &q) } else { format!("{q}::text") };
            format!("'{c}=' || coalesce({v}, 'NULL')")
        })
        .collect();
    let sql = format!("SELECT {} FROM {table} t WHERE {filter} ORDER BY 1", parts.join(" || '|' || "));
    sqlx::query_scalar(&sql).fetch_all(conn).await.unwrap()
}
