//! Names of columns as users write them (`users.id`, `billing.users.id`) and the
//! references between them (`reminders.user_id=users.id`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::table::TableName;

/// A column of a table, schema-qualified (`public` when the user left it out).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColumnRef {
    pub schema: String,
    pub table: String,
    pub column: String,
}

impl ColumnRef {
    pub fn new(schema: &str, table: &str, column: &str) -> Self {
        ColumnRef { schema: schema.into(), table: table.into(), column: column.into() }
    }

    /// The table the column belongs to.
    pub fn table_name(&self) -> TableName {
        TableName::new(&self.schema, &self.table)
    }

    pub fn is_in(&self, schema: &str, table: &str) -> bool {
        self.schema == schema && self.table == table
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema == "public" {
            write!(f, "{}.{}", self.table, self.column)
        } else {
            write!(f, "{}.{}.{}", self.schema, self.table, self.column)
        }
    }
}

impl FromStr for ColumnRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        match parts.as_slice() {
            [table, column] if !table.is_empty() && !column.is_empty() => Ok(ColumnRef::new("public", table, column)),
            [schema, table, column] if parts.iter().all(|p| !p.is_empty()) => Ok(ColumnRef::new(schema, table, column)),
            _ => Err(format!("`{s}` is not `table.column` or `schema.table.column`")),
        }
    }
}

/// A reference the database does not enforce, declared by the user: `child` holds
/// values of `parent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredRelation {
    pub child: ColumnRef,
    pub parent: ColumnRef,
}

impl FromStr for DeclaredRelation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (child, parent) = s.split_once('=').ok_or_else(|| format!("`{s}` is not `child.column=parent.column`"))?;
        Ok(DeclaredRelation { child: child.parse()?, parent: parent.parse()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_schema() {
        assert_eq!("users.id".parse::<ColumnRef>().unwrap(), ColumnRef::new("public", "users", "id"));
        assert_eq!("app.users.id".parse::<ColumnRef>().unwrap(), ColumnRef::new("app", "users", "id"));
        assert!("users".parse::<ColumnRef>().is_err());
        assert!("a..b".parse::<ColumnRef>().is_err());
    }

    #[test]
    fn parses_relations() {
        let r: DeclaredRelation = "reminders.user_id=users.id".parse().unwrap();
        assert_eq!(r.child, ColumnRef::new("public", "reminders", "user_id"));
        assert_eq!(r.parent.to_string(), "users.id");
        assert!("reminders.user_id".parse::<DeclaredRelation>().is_err());
    }
}
