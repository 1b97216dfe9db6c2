//! Schema-qualified table patterns such as `migration_quarantine.*` or `public.migration_log`,
//! used to find quarantine tables and to leave bookkeeping objects out of comparisons.

use serde::{Deserialize, Serialize};

use crate::vocabulary::TableName;

/// `schema.table`, where either part may hold `*` wildcards. A bare `table` means
/// `public.table`; a bare `schema.*` covers every table in the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePattern {
    pub schema: String,
    pub name: String,
}

impl TablePattern {
    pub fn parse(text: &str) -> TablePattern {
        let table = TableName::parse(text.trim());
        TablePattern { schema: table.schema, name: table.name }
    }

    pub fn matches(&self, table: &TableName) -> bool {
        glob(&self.schema, &table.schema) && glob(&self.name, &table.name)
    }

    /// True when the pattern covers every table of `schema`.
    pub fn covers_schema(&self, schema: &str) -> bool {
        self.name == "*" && glob(&self.schema, schema)
    }
}

/// True when `table` matches any of `patterns`.
pub fn matches_any(patterns: &[TablePattern], table: &TableName) -> bool {
    patterns.iter().any(|p| p.matches(table))
}

/// Glob with `*` only (any run of characters), matched case-sensitively as Postgres
/// stores names.
fn glob(pattern: &str, text: &str) -> bool {
    let Some((head, rest)) = pattern.split_once('*') else { return pattern == text };
    let Some(mut remaining) = text.strip_prefix(head) else { return false };
    let parts: Vec<&str> = rest.split('*').collect();
    let (last, middle) = parts.split_last().expect("split yields at least one part");
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_schema_and_table_parts() {
        let quarantine = TablePattern::parse("migration_quarantine.*");
        assert!(quarantine.matches(&TableName::new("migration_quarantine", "users")));
        assert!(!quarantine.matches(&TableName::new("public", "users")));
        assert!(quarantine.covers_schema("migration_quarantine"));
        let log = TablePattern::parse("migration_log");
        assert!(log.matches(&TableName::new("public", "migration_log")));
        assert!(!log.matches(&TableName::new("public", "migration_log2")));
        let suffix = TablePattern::parse("public.*_quarantine");
        assert!(suffix.matches(&TableName::new("public", "users_quarantine")));
        assert!(!suffix.matches(&TableName::new("public", "quarantine_users")));
        assert!(TablePattern::parse("a*b*c.t").matches(&TableName::new("axxbyyc", "t")));
        assert!(!TablePattern::parse("a*bc.t").matches(&TableName::new("abc_bc_x", "t")));
    }
}
