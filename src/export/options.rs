//! What the user asked the export to do, as recorded in the manifest (so verify-sqlite
//! recomputes the same rows), and the parsing of `T.col=value` and `child.col=parent.col`.

use serde::{Deserialize, Serialize};

use super::error::ExportError;
use super::mapping::NumericMode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportOptions {
    /// The schemas whose tables are exported.
    pub schemas: Vec<String>,
    /// `T.col=value`: export only the rows reachable from these root rows.
    pub only_rows_of: Option<String>,
    /// `table.column` entries left out of the export.
    pub exclude_columns: Vec<String>,
    pub numeric: NumericMode,
    /// `child.col=parent.col` references the database does not enforce, followed by the
    /// tenant filter like foreign keys.
    pub relations: Vec<String>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { schemas: vec!["public".into()], only_rows_of: None, exclude_columns: Vec::new(), numeric: NumericMode::Text, relations: Vec::new() }
    }
}

/// A `[schema.]table.column` reference as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

impl ColumnRef {
    pub fn parse(option: &'static str, text: &str) -> Result<ColumnRef, ExportError> {
        let bad = |reason: &str| ExportError::BadOption { option, given: text.to_string(), reason: reason.to_string() };
        let (table, column) = text.trim().rsplit_once('.').ok_or_else(|| bad("expected table.column"))?;
        if table.is_empty() || column.is_empty() {
            return Err(bad("expected table.column"));
        }
        Ok(ColumnRef { table: table.to_string(), column: column.to_string() })
    }

    /// True when `table` names this table, bare or schema-qualified.
    pub fn is_table(&self, schema: &str, name: &str) -> bool {
        self.table == name || self.table == format!("{schema}.{name}")
    }
}

/// `--only-rows-of T.col=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    pub column: ColumnRef,
    pub value: String,
}

impl RowFilter {
    pub fn parse(text: &str) -> Result<RowFilter, ExportError> {
        let (left, value) = text.split_once('=').ok_or_else(|| ExportError::BadOption {
            option: "--only-rows-of",
            given: text.into(),
            reason: "expected table.column=value".into(),
        })?;
        Ok(RowFilter { column: ColumnRef::parse("--only-rows-of", left)?, value: value.to_string() })
    }
}

/// `--relation child.col=parent.col`.
pub fn parse_relation(text: &str) -> Result<(ColumnRef, ColumnRef), ExportError> {
    let (child, parent) = text.split_once('=').ok_or_else(|| ExportError::BadOption {
        option: "--relation",
        given: text.into(),
        reason: "expected child.column=parent.column".into(),
    })?;
    Ok((ColumnRef::parse("--relation", child)?, ColumnRef::parse("--relation", parent)?))
}

/// `--exclude-columns 'a.x,b.y'`, each entry split on commas.
pub fn parse_excluded(entries: &[String]) -> Result<Vec<ColumnRef>, ExportError> {
    entries.iter().flat_map(|e| e.split(',')).filter(|s| !s.trim().is_empty()).map(|s| ColumnRef::parse("--exclude-columns", s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_references_parse_or_name_the_option() {
        let filter = RowFilter::parse("public.users.email=a=b@x").unwrap();
        assert_eq!((filter.column.table.as_str(), filter.column.column.as_str(), filter.value.as_str()), ("public.users", "email", "a=b@x"));
        assert!(RowFilter::parse("users").unwrap_err().to_string().contains("--only-rows-of"));
        assert_eq!(parse_excluded(&["a.x, b.y".into()]).unwrap().len(), 2);
        assert!(parse_relation("a.x").is_err());
    }
}
