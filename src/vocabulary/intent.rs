//! What a scenario declares up changes on purpose (`[expect] rows_added`, `rows_removed`,
//! `changed_columns`, `volatile_columns`, `match_by`), resolved to tables: the checks
//! excuse exactly these changes, check that each declaration holds, and nothing else.

use super::table::TableName;

/// One declaration: the table it is about, its value, and where the scenario wrote it
/// (`file:line`), so a finding about it points at the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared<T> {
    pub table: TableName,
    pub value: T,
    /// `scenario.toml:12`.
    pub at: String,
}

/// Every declaration of a scenario; empty when it declares none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Intent {
    /// Up adds exactly this many rows to the table.
    pub rows_added: Vec<Declared<u64>>,
    /// Up removes exactly this many rows from the table (beyond the rows it quarantines).
    pub rows_removed: Vec<Declared<u64>>,
    /// Up may change this column's values: reported, not failed.
    pub changed_columns: Vec<Declared<String>>,
    /// This column's values differ between two runs of up: the re-run ignores them.
    pub volatile_columns: Vec<Declared<String>>,
    /// Rows of the table are paired by this column when up changes the primary key.
    pub match_by: Vec<Declared<String>>,
}

impl Intent {
    /// The declared number of rows up adds to `table` (0 when none is declared).
    pub fn added(&self, table: &TableName) -> u64 {
        self.rows_added.iter().filter(|d| &d.table == table).map(|d| d.value).sum()
    }

    /// The declared number of rows up removes from `table`.
    pub fn removed(&self, table: &TableName) -> u64 {
        self.rows_removed.iter().filter(|d| &d.table == table).map(|d| d.value).sum()
    }

    /// The declarations of changed columns of `table`.
    pub fn changed(&self, table: &TableName) -> Vec<&Declared<String>> {
        self.changed_columns.iter().filter(|d| &d.table == table).collect()
    }

    /// The declarations of volatile columns of `table`.
    pub fn volatile(&self, table: &TableName) -> Vec<&Declared<String>> {
        self.volatile_columns.iter().filter(|d| &d.table == table).collect()
    }

    /// The `match_by` key of `table`, if the scenario gives one.
    pub fn match_key(&self, table: &TableName) -> Option<&Declared<String>> {
        self.match_by.iter().find(|d| &d.table == table)
    }

    /// Every table a row-count declaration names, each once.
    pub fn counted_tables(&self) -> Vec<(&TableName, &str)> {
        let mut tables: Vec<(&TableName, &str)> = Vec::new();
        for d in self.rows_added.iter().chain(&self.rows_removed) {
            if !tables.iter().any(|(t, _)| *t == &d.table) {
                tables.push((&d.table, d.at.as_str()));
            }
        }
        tables
    }

    pub fn is_empty(&self) -> bool {
        self == &Intent::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_columns_are_looked_up_by_table() {
        let audit = TableName::new("public", "audit_log");
        let users = TableName::new("public", "users");
        let intent = Intent {
            rows_added: vec![Declared { table: audit.clone(), value: 1, at: "s.toml:3".into() }],
            volatile_columns: vec![Declared { table: audit.clone(), value: "at".into(), at: "s.toml:4".into() }],
            match_by: vec![Declared { table: users.clone(), value: "email".into(), at: "s.toml:5".into() }],
            ..Intent::default()
        };
        assert_eq!((intent.added(&audit), intent.added(&users), intent.removed(&audit)), (1, 0, 0));
        assert_eq!(intent.volatile(&audit).len(), 1);
        assert_eq!(intent.match_key(&users).map(|d| d.value.as_str()), Some("email"));
        assert!(intent.match_key(&audit).is_none());
        assert_eq!(intent.counted_tables().len(), 1);
        assert!(!intent.is_empty() && Intent::default().is_empty());
    }
}
