//! A schema-qualified table name, the key every check and report uses.

use serde::{Deserialize, Serialize};

use crate::quote::quote_qualified;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> TableName {
        TableName { schema: schema.into(), name: name.into() }
    }

    /// `schema.name` as a user writes it; a bare name means `public`.
    pub fn parse(text: &str) -> TableName {
        match text.split_once('.') {
            Some((schema, name)) => TableName::new(schema, name),
            None => TableName::new("public", text),
        }
    }

    /// The quoted form for SQL text.
    pub fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}
