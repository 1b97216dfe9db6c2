//! A scenario's schema file, run statement by statement so that whatever the server
//! rejects (a syntax error, a partitioned table pgrehearse cannot seed, values no
//! generated row can satisfy) is reported at the file and line it comes from, as the
//! scenario's fault (exit 2), never as an unplaced database error.

use std::path::Path;

use sqlx::postgres::{PgConnection, PgDatabaseError};
use sqlx::Executor;

use super::error::SeedError;
use super::truth::TRUTH_SCHEMA;
use crate::migration::lexer::statements;
use crate::migration::StatementFailure;

/// Runs every statement of the schema file at `path` (text `ddl`); the first one the
/// server rejects becomes [`SeedError::SchemaFile`] at the line it pointed to.
pub async fn create(conn: &mut PgConnection, path: &Path, ddl: &str) -> Result<(), SeedError> {
    let name = path.display().to_string();
    for (i, segment) in statements(ddl).iter().enumerate() {
        if let Err(error) = conn.execute(sqlx::raw_sql(segment.text)).await {
            if error.as_database_error().and_then(|e| e.try_downcast_ref::<PgDatabaseError>()).is_none() {
                return Err(SeedError::database("create the scenario's schema")(error));
            }
            let failure = StatementFailure::new(&name, ddl, i + 1, segment, &error);
            let line = failure.error_line.unwrap_or(failure.line);
            return Err(SeedError::SchemaStatement { file: name, line, message: failure.to_string() });
        }
    }
    Ok(())
}

/// Refuses a partitioned table, at the statement that creates it: its partitions would
/// need rows routed by the partition key, which the generators do not know.
pub async fn refuse_partitioned(conn: &mut PgConnection, path: &Path, ddl: &str) -> Result<(), SeedError> {
    let sql = "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname <> $1
               ORDER BY 1, 2 LIMIT 1";
    let found: Option<(String, String)> = sqlx::query_as(sql).bind(TRUTH_SCHEMA).fetch_optional(&mut *conn).await.map_err(SeedError::database("look for partitioned tables"))?;
    let Some((schema, table)) = found else { return Ok(()) };
    Err(SeedError::SchemaStatement {
        file: path.display().to_string(),
        line: line_creating(ddl, &table),
        message: format!(
            "{}:{}: table {schema}.{table} is partitioned, and pgrehearse cannot seed partitioned tables yet: rehearse with a plain table of the same columns",
            path.display(),
            line_creating(ddl, &table)
        ),
    })
}

/// Places an error the server raised while loading or building keys (a value out of
/// range, a CHECK or key no generated row satisfies) at the statement that created its
/// table. Other errors pass through unchanged.
pub fn place_data_error(path: &Path, ddl: &str, error: SeedError) -> SeedError {
    if let SeedError::UnsupportedValues { column, reason } = &error {
        // `schema.table.column` or `table.column`: the table is the part before the column.
        let table = column.rsplit_once('.').map_or(column.as_str(), |(table, _)| table);
        let line = line_creating(ddl, table.rsplit('.').next().unwrap_or(table));
        let message = format!("{}:{line}: generate values for column {column}: {reason}", path.display());
        return SeedError::SchemaStatement { file: path.display().to_string(), line, message };
    }
    let SeedError::Database { action, source } = &error else { return error };
    let Some(pg) = source.as_database_error().and_then(|e| e.try_downcast_ref::<PgDatabaseError>()) else { return error };
    // Class 22: data exception (e.g. smallint out of range); 23: integrity (CHECK, unique, FK).
    if !(pg.code().starts_with("22") || pg.code().starts_with("23")) {
        return error;
    }
    let table = pg.table().map(str::to_string).or_else(|| copy_target(pg.r#where()));
    let line = table.as_deref().map(|t| line_creating(ddl, t)).unwrap_or(1);
    let what = table.map(|t| format!("table {t}")).unwrap_or_else(|| "the schema".into());
    let mut message = format!("{}:{line}: {action}: {what} cannot hold the generated rows: {} (SQLSTATE {})", path.display(), pg.message(), pg.code());
    if let Some(detail) = pg.detail() {
        message.push_str(&format!("; detail: {detail}"));
    }
    if let Some(context) = pg.r#where() {
        message.push_str(&format!("; where: {context}"));
    }
    message.push_str("; widen the type, relax the constraint, or lower the row count");
    SeedError::SchemaStatement { file: path.display().to_string(), line, message }
}

/// `COPY users, line 3, column id: "..."` names the table COPY was loading.
fn copy_target(context: Option<&str>) -> Option<String> {
    let rest = context?.split("COPY ").nth(1)?;
    Some(rest.split([',', '\n']).next()?.trim().to_string())
}

/// The line of the statement that creates `table` (`CREATE TABLE [IF NOT EXISTS]
/// [schema.]table`, quoted or not), else 1.
fn line_creating(ddl: &str, table: &str) -> usize {
    let wanted = table.to_lowercase();
    statements(ddl)
        .iter()
        .find(|s| {
            // The segment starts with any comments before the statement: skip them.
            let code: Vec<&str> = s.text.lines().skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with("--")).collect();
            let words: Vec<String> = code.join(" ").split_whitespace().take(6).map(|w| w.to_lowercase()).collect();
            let Some(at) = words.iter().position(|w| w == "table") else { return false };
            let mut name = words.get(at + 1).map(String::as_str).unwrap_or_default();
            if name == "if" {
                name = words.get(at + 4).map(String::as_str).unwrap_or_default();
            }
            let name = name.split('(').next().unwrap_or_default().rsplit('.').next().unwrap_or_default().trim_matches('"');
            words.first().is_some_and(|w| w == "create") && name == wanted
        })
        .map(|s| s.line)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_statement_creating_a_table() {
        let ddl = "-- head\n-- more\nCREATE TABLE users (id int);\n\nCREATE TABLE IF NOT EXISTS app.\"Events\"(id int);\ncreate unlogged table notes (id int);";
        assert_eq!(line_creating(ddl, "users"), 3);
        assert_eq!(line_creating(ddl, "Events"), 5);
        assert_eq!(line_creating(ddl, "nope"), 1);
        assert_eq!(copy_target(Some("COPY users, line 3, column id: \"40000\"")), Some("users".into()));
    }
}
