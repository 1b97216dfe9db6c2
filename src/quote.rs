//! The one place SQL identifiers are quoted. Every table, column, schema or database name
//! that reaches SQL text goes through here; values always travel as bound parameters.

/// Quotes one identifier the way Postgres's `quote_ident` does, but always: doubling any
/// embedded double quote, so a name from a user's file can never close the quoting.
pub fn quote_ident(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for ch in name.chars() {
        if ch == '"' {
            quoted.push('"');
        }
        quoted.push(ch);
    }
    quoted.push('"');
    quoted
}

/// Quotes `schema.name`, each part on its own.
pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Quotes a string as a SQL literal, for the few statements that cannot take bind
/// parameters (`COMMENT ON`, `CREATE DATABASE ... TEMPLATE`'s neighbours).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_quoted_and_inner_quotes_doubled() {
        assert_eq!(quote_ident("users"), "\"users\"");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(quote_qualified("public", "Users"), "\"public\".\"Users\"");
    }

    #[test]
    fn literals_double_single_quotes() {
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
