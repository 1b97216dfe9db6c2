//! One SQLite value as both sides see it after the mapping, its canonical text form (the
//! row stream the checksums hash), and SQLite's ordering of values.

use std::cmp::Ordering;

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};

/// A value in one of SQLite's five storage classes.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl SqlValue {
    /// Appends the value's canonical text: `\N` for NULL, decimal integers, reals in Rust's
    /// shortest round-trip form (`{:?}`), text with backslash, tab, newline and CR escaped
    /// as COPY does, blobs as `\x` and lowercase hex.
    pub fn write_canonical(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            SqlValue::Null => out.push_str("\\N"),
            SqlValue::Integer(i) => write!(out, "{i}").expect("write to a String"),
            SqlValue::Real(r) => write!(out, "{r:?}").expect("write to a String"),
            SqlValue::Text(s) => {
                for ch in s.chars() {
                    match ch {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            SqlValue::Blob(b) => {
                out.push_str("\\x");
                for byte in b {
                    write!(out, "{byte:02x}").expect("write to a String");
                }
            }
        }
    }

    /// The canonical text alone, for examples in findings.
    pub fn display(&self) -> String {
        let mut s = String::new();
        self.write_canonical(&mut s);
        s
    }

    /// SQLite's storage class name, as `typeof()` returns it.
    pub fn storage_class(&self) -> &'static str {
        match self {
            SqlValue::Null => "null",
            SqlValue::Integer(_) => "integer",
            SqlValue::Real(_) => "real",
            SqlValue::Text(_) => "text",
            SqlValue::Blob(_) => "blob",
        }
    }

    fn class_rank(&self) -> u8 {
        match self {
            SqlValue::Null => 0,
            SqlValue::Integer(_) | SqlValue::Real(_) => 1,
            SqlValue::Text(_) => 2,
            SqlValue::Blob(_) => 3,
        }
    }

    /// SQLite's ORDER BY with the BINARY collation: NULL, then numbers by value, then text
    /// bytewise, then blobs bytewise.
    pub fn sqlite_cmp(&self, other: &SqlValue) -> Ordering {
        match (self, other) {
            (SqlValue::Integer(a), SqlValue::Integer(b)) => a.cmp(b),
            (SqlValue::Integer(a), SqlValue::Real(b)) => (*a as f64).partial_cmp(b).unwrap_or(Ordering::Equal),
            (SqlValue::Real(a), SqlValue::Integer(b)) => a.partial_cmp(&(*b as f64)).unwrap_or(Ordering::Equal),
            (SqlValue::Real(a), SqlValue::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (SqlValue::Text(a), SqlValue::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (SqlValue::Blob(a), SqlValue::Blob(b)) => a.cmp(b),
            _ => self.class_rank().cmp(&other.class_rank()),
        }
    }

    /// Exact equality under the mapping: the same storage class and the same value (reals
    /// by their bits, so -0.0 and 0.0 differ as their text forms do).
    pub fn is_same(&self, other: &SqlValue) -> bool {
        match (self, other) {
            (SqlValue::Real(a), SqlValue::Real(b)) => a.to_bits() == b.to_bits(),
            _ => self == other,
        }
    }

    pub fn from_sqlite(value: ValueRef<'_>) -> SqlValue {
        match value {
            ValueRef::Null => SqlValue::Null,
            ValueRef::Integer(i) => SqlValue::Integer(i),
            ValueRef::Real(r) => SqlValue::Real(r),
            ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
        }
    }
}

impl ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            SqlValue::Null => ValueRef::Null,
            SqlValue::Integer(i) => ValueRef::Integer(*i),
            SqlValue::Real(r) => ValueRef::Real(*r),
            SqlValue::Text(s) => ValueRef::Text(s.as_bytes()),
            SqlValue::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Compares two keys column by column in SQLite's order.
pub fn compare_keys(a: &[&SqlValue], b: &[&SqlValue]) -> Ordering {
    a.iter().zip(b).map(|(x, y)| x.sqlite_cmp(y)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_escapes_what_would_break_a_line() {
        let row = [SqlValue::Null, SqlValue::Integer(-3), SqlValue::Real(0.1), SqlValue::Text("a\tb\\c\nd".into()), SqlValue::Blob(vec![0, 255])];
        let text: Vec<String> = row.iter().map(SqlValue::display).collect();
        assert_eq!(text, ["\\N", "-3", "0.1", "a\\tb\\\\c\\nd", "\\x00ff"]);
    }

    #[test]
    fn sqlite_order_puts_null_numbers_text_blob() {
        let mut values = vec![SqlValue::Blob(vec![1]), SqlValue::Text("b".into()), SqlValue::Real(1.5), SqlValue::Null, SqlValue::Integer(1), SqlValue::Text("B".into())];
        values.sort_by(|a, b| a.sqlite_cmp(b));
        let classes: Vec<String> = values.iter().map(SqlValue::display).collect();
        assert_eq!(classes, ["\\N", "1", "1.5", "B", "b", "\\x01"]);
    }
}
