//! The tenant filter: `--only-rows-of T.col=value` selects root rows, then every row that
//! reaches them through foreign keys and declared relations (children, transitively), then
//! every parent those rows need. Selections live in temp tables of (tableoid, ctid) within
//! the export's snapshot.

use std::collections::BTreeMap;

use sqlx::{Executor, PgConnection};

use super::catalog::SourceTable;
use super::error::ExportError;
use super::options::{ColumnRef, RowFilter};
use crate::quote::{quote_ident, quote_qualified};

/// One child → parent reference, by table position and column names.
#[derive(Debug, Clone)]
struct Edge {
    child: usize,
    child_columns: Vec<String>,
    parent: usize,
    parent_columns: Vec<String>,
    /// Declared relations may join columns of different types; compare them as text.
    as_text: bool,
}

/// The selection temp table of each table, by oid.
pub type Selection = BTreeMap<i64, String>;

fn find_column(tables: &[SourceTable], option: &'static str, r: &ColumnRef) -> Result<usize, ExportError> {
    let bad = |reason: &str| ExportError::BadOption { option, given: format!("{}.{}", r.table, r.column), reason: reason.into() };
    let t = tables.iter().position(|t| r.is_table(&t.schema, &t.name)).ok_or_else(|| bad("no such table among the exported schemas"))?;
    tables[t].column_index(&r.column).ok_or_else(|| bad(&format!("table {} has no such column", tables[t].qualified())))?;
    Ok(t)
}

/// Fills one selection temp table per table and returns their names. Refuses a filter
/// naming an unknown table or column, and one that selects no row.
pub async fn select(conn: &mut PgConnection, tables: &[SourceTable], filter: &RowFilter, relations: &[(ColumnRef, ColumnRef)]) -> Result<Selection, ExportError> {
    let root = find_column(tables, "--only-rows-of", &filter.column)?;
    let mut edges = Vec::new();
    for (child, table) in tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            if let Some(parent) = tables.iter().position(|t| t.oid == fk.parent) {
                let child_columns = fk.columns.iter().map(|&c| table.columns[c].name.clone()).collect();
                edges.push(Edge { child, child_columns, parent, parent_columns: fk.parent_columns.clone(), as_text: false });
            }
        }
    }
    for (from, to) in relations {
        let (child, parent) = (find_column(tables, "--relation", from)?, find_column(tables, "--relation", to)?);
        edges.push(Edge { child, child_columns: vec![from.column.clone()], parent, parent_columns: vec![to.column.clone()], as_text: true });
    }
    let names: Vec<String> = (0..tables.len()).map(|i| format!("pgrehearse_selection_{i}")).collect();
    for name in &names {
        let sql = format!("CREATE TEMP TABLE {} (toid oid, tid tid, PRIMARY KEY (toid, tid)) ON COMMIT DROP", quote_ident(name));
        conn.execute(sql.as_str()).await.map_err(ExportError::postgres("create a selection temp table"))?;
    }
    let table_sql = |i: usize| quote_qualified(&tables[i].schema, &tables[i].name);
    let sql = format!(
        "INSERT INTO pg_temp.{} SELECT tableoid, ctid FROM {} WHERE {}::text = $1",
        quote_ident(&names[root]),
        table_sql(root),
        quote_ident(&filter.column.column)
    );
    let selected = sqlx::query(&sql).bind(&filter.value).execute(&mut *conn).await.map_err(ExportError::postgres("select the root rows"))?;
    if selected.rows_affected() == 0 {
        return Err(ExportError::FilterSelectsNothing { filter: format!("{}.{}={}", filter.column.table, filter.column.column, filter.value), table: tables[root].qualified() });
    }
    for downward in [true, false] {
        loop {
            let mut added = 0;
            for edge in &edges {
                let sql = step(edge, downward, &names, &table_sql);
                added += conn.execute(sql.as_str()).await.map_err(ExportError::postgres("follow a reference for --only-rows-of"))?.rows_affected();
            }
            if added == 0 {
                break;
            }
        }
    }
    Ok(tables.iter().zip(names).map(|(t, n)| (t.oid, n)).collect())
}

/// Adds to one side of the edge the rows that match selected rows on the other side:
/// children of selected parents (`downward`), or parents of selected children.
fn step(edge: &Edge, downward: bool, names: &[String], table_sql: &dyn Fn(usize) -> String) -> String {
    let cols = |alias: &str, columns: &[String]| {
        let list: Vec<String> = columns.iter().map(|c| if edge.as_text { format!("{alias}.{}::text", quote_ident(c)) } else { format!("{alias}.{}", quote_ident(c)) }).collect();
        format!("({})", list.join(", "))
    };
    let (target, target_cols, source, source_cols) = if downward {
        (edge.child, &edge.child_columns, edge.parent, &edge.parent_columns)
    } else {
        (edge.parent, &edge.parent_columns, edge.child, &edge.child_columns)
    };
    let (into, from) = (quote_ident(&names[target]), quote_ident(&names[source]));
    format!(
        "INSERT INTO pg_temp.{into} SELECT t.tableoid, t.ctid FROM {} t \
         WHERE {} IN (SELECT {} FROM {} s WHERE (s.tableoid, s.ctid) IN (SELECT toid, tid FROM pg_temp.{from})) \
         AND NOT EXISTS (SELECT 1 FROM pg_temp.{into} x WHERE x.toid = t.tableoid AND x.tid = t.ctid)",
        table_sql(target),
        cols("t", target_cols),
        cols("s", source_cols).trim_start_matches('(').trim_end_matches(')'),
        table_sql(source),
    )
}
