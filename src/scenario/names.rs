//! Table and column names as a scenario writes them, with where it wrote them.

use super::location::Location;

/// `table.column` or `schema.table.column` from a scenario, unresolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnName {
    /// `table` or `schema.table`.
    pub table: String,
    pub column: String,
    pub location: Location,
}

/// A table named in `[rows]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMention {
    pub table: String,
    pub location: Location,
}

impl ColumnName {
    /// Splits at the last dot; `None` when there is no table part.
    pub fn parse(text: &str, location: Location) -> Option<ColumnName> {
        let (table, column) = text.rsplit_once('.')?;
        if table.is_empty() || column.is_empty() {
            return None;
        }
        Some(ColumnName { table: table.to_string(), column: column.to_string(), location })
    }
}

impl std::fmt::Display for ColumnName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_last_dot() {
        let at = Location::default();
        let name = ColumnName::parse("audit.users.id", at).unwrap();
        assert_eq!((name.table.as_str(), name.column.as_str()), ("audit.users", "id"));
        assert!(ColumnName::parse("users", at).is_none());
        assert!(ColumnName::parse("users.", at).is_none());
    }
}
