//! The type mapping, Postgres → SQLite: which SQLite type a column gets, the SQL that gives
//! its exact text form on the Postgres side, how that text becomes a SQLite value, and
//! whether a SQLite value conforms to its mapping. The README's table documents it.

use serde::{Deserialize, Serialize};

use super::catalog::PgType;
use super::value::SqlValue;
use crate::quote::quote_ident;

/// How `numeric` is stored: exact digits as TEXT (the default) or REAL (lossy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NumericMode {
    #[default]
    Text,
    Real,
}

/// One column's mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// int2, int4, int8, oid → INTEGER.
    Integer,
    /// float4, float8 → REAL (Postgres' shortest exact output, parsed).
    Real,
    /// boolean → INTEGER 0/1 with a CHECK.
    Boolean,
    /// numeric → TEXT with the exact digits, or REAL.
    Numeric(NumericMode),
    /// text, varchar, char, name, citext → TEXT as is.
    Text,
    /// uuid → TEXT, canonical lowercase.
    Uuid,
    /// timestamptz → TEXT `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC.
    Timestamptz,
    /// timestamp → TEXT `YYYY-MM-DDTHH:MM:SS.ffffff`.
    Timestamp,
    /// json → TEXT as written; jsonb → TEXT in its canonical form.
    Json,
    /// bytea → BLOB.
    Bytea,
    /// Arrays → TEXT holding a JSON array (`to_json`).
    Array,
    /// Enums → TEXT with a CHECK of the labels.
    Enum(Vec<String>),
    /// date, time, timetz, interval, inet, cidr, macaddr, macaddr8, ranges, multiranges →
    /// TEXT in Postgres' output form (DateStyle ISO, IntervalStyle postgres, UTC).
    OutputForm,
}

const INTEGERS: &[&str] = &["int2", "int4", "int8", "oid"];
const TEXTS: &[&str] = &["text", "varchar", "bpchar", "name", "citext"];
const OUTPUT_FORMS: &[&str] = &["date", "time", "timetz", "interval", "inet", "cidr", "macaddr", "macaddr8"];

impl Mapping {
    /// The mapping of a column's type, or `None` when the type has none.
    pub fn of(pg_type: &PgType, numeric: NumericMode) -> Option<Mapping> {
        if let Some((element, kind)) = &pg_type.element {
            let element = PgType { declared: String::new(), name: element.clone(), kind: *kind, element: None, labels: Vec::new() };
            return Mapping::of(&element, numeric).map(|_| Mapping::Array);
        }
        match pg_type.kind {
            'e' => return Some(Mapping::Enum(pg_type.labels.clone())),
            'r' | 'm' => return Some(Mapping::OutputForm),
            'b' => {}
            _ => return None,
        }
        let name = pg_type.name.as_str();
        Some(match name {
            n if INTEGERS.contains(&n) => Mapping::Integer,
            "float4" | "float8" => Mapping::Real,
            "bool" => Mapping::Boolean,
            "numeric" => Mapping::Numeric(numeric),
            n if TEXTS.contains(&n) => Mapping::Text,
            "uuid" => Mapping::Uuid,
            "timestamptz" => Mapping::Timestamptz,
            "timestamp" => Mapping::Timestamp,
            "json" | "jsonb" => Mapping::Json,
            "bytea" => Mapping::Bytea,
            n if OUTPUT_FORMS.contains(&n) => Mapping::OutputForm,
            _ => return None,
        })
    }

    pub fn sqlite_type(&self) -> &'static str {
        match self {
            Mapping::Integer | Mapping::Boolean => "INTEGER",
            Mapping::Real | Mapping::Numeric(NumericMode::Real) => "REAL",
            Mapping::Bytea => "BLOB",
            _ => "TEXT",
        }
    }

    /// The expression that selects the column in its mapped text form (read with COPY).
    pub fn select_expr(&self, column: &str) -> String {
        let c = quote_ident(column);
        // to_char has no 'infinity'; the ::text output form keeps it.
        let stamp = |pattern: &str, zone: &str| {
            format!("CASE WHEN isfinite({c}) THEN to_char({c}{zone}, '{pattern}') || CASE WHEN {c}{zone} < '0001-01-01' THEN ' BC' ELSE '' END ELSE {c}::text END")
        };
        match self {
            Mapping::Timestamptz => stamp("YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"", " AT TIME ZONE 'UTC'"),
            Mapping::Timestamp => stamp("YYYY-MM-DD\"T\"HH24:MI:SS.US", ""),
            Mapping::Array => format!("to_json({c})"),
            // The output function keeps char(n)'s padding, which a cast to text drops.
            Mapping::Text => format!("format('%s', {c})"),
            _ => c,
        }
    }

    /// The expression to ORDER BY on the Postgres side so rows come in SQLite's order of
    /// the mapped values: numbers, uuid and bytea by value, text bytewise.
    pub fn order_expr(&self, column: &str) -> String {
        match self {
            Mapping::Integer | Mapping::Real | Mapping::Boolean | Mapping::Uuid | Mapping::Bytea | Mapping::Numeric(NumericMode::Real) => quote_ident(column),
            _ => format!("({})::text COLLATE \"C\"", self.select_expr(column)),
        }
    }

    /// The CHECK that keeps the column inside its mapping, if it needs one.
    pub fn check(&self, column: &str) -> Option<String> {
        let c = quote_ident(column);
        match self {
            Mapping::Boolean => Some(format!("CHECK ({c} IN (0, 1))")),
            Mapping::Enum(labels) => {
                let labels: Vec<String> = labels.iter().map(|l| crate::quote::quote_literal(l)).collect();
                Some(format!("CHECK ({c} IN ({}))", labels.join(", ")))
            }
            _ => None,
        }
    }

    /// Turns one COPY field (unescaped text) into its SQLite value, or says why it cannot.
    pub fn decode(&self, text: String) -> Result<SqlValue, String> {
        match self {
            Mapping::Integer => text.parse().map(SqlValue::Integer).map_err(|e| format!("`{text}` is not a 64-bit integer: {e}")),
            Mapping::Real | Mapping::Numeric(NumericMode::Real) => match text.as_str() {
                "NaN" => Err("is NaN, which SQLite cannot store as REAL (it becomes NULL); keep --numeric text or change the value".into()),
                "Infinity" => Ok(SqlValue::Real(f64::INFINITY)),
                "-Infinity" => Ok(SqlValue::Real(f64::NEG_INFINITY)),
                t => t.parse().map(SqlValue::Real).map_err(|e| format!("`{t}` is not a number: {e}")),
            },
            Mapping::Boolean => match text.as_str() {
                "t" => Ok(SqlValue::Integer(1)),
                "f" => Ok(SqlValue::Integer(0)),
                t => Err(format!("`{t}` is not a boolean")),
            },
            Mapping::Bytea => decode_hex(&text).map(SqlValue::Blob),
            _ => Ok(SqlValue::Text(text)),
        }
    }

    /// Why a SQLite value does not conform to the mapping, or `None` when it does.
    pub fn nonconformity(&self, value: &SqlValue) -> Option<String> {
        let class = value.storage_class();
        let expect = match self {
            _ if matches!(value, SqlValue::Null) => return None,
            Mapping::Integer | Mapping::Boolean => "integer",
            Mapping::Real | Mapping::Numeric(NumericMode::Real) => "real",
            Mapping::Bytea => "blob",
            _ => "text",
        };
        if class != expect {
            return Some(format!("is stored as {class}, the mapping says {expect}"));
        }
        match (self, value) {
            (Mapping::Boolean, SqlValue::Integer(i)) if *i != 0 && *i != 1 => Some("is a boolean other than 0 or 1".into()),
            (Mapping::Uuid, SqlValue::Text(t)) if !is_canonical_uuid(t) => Some("is not a canonical lowercase uuid".into()),
            (Mapping::Json | Mapping::Array, SqlValue::Text(t)) if serde_json::from_str::<serde::de::IgnoredAny>(t).is_err() => Some("is not valid JSON".into()),
            (Mapping::Numeric(NumericMode::Text), SqlValue::Text(t)) if !is_numeric_text(t) => Some("is not numeric digits".into()),
            (Mapping::Enum(labels), SqlValue::Text(t)) if !labels.contains(t) => Some("is not one of the enum's labels".into()),
            _ => None,
        }
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let hex = text.strip_prefix("\\x").ok_or_else(|| "is a bytea not in hex output form".to_string())?;
    let digit = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("has a bad hex digit `{}`", c as char)),
    };
    hex.as_bytes().chunks(2).map(|pair| match pair {
        [h, l] => Ok(digit(*h)? << 4 | digit(*l)?),
        _ => Err("has an odd number of hex digits".to_string()),
    }).collect()
}

fn is_canonical_uuid(t: &str) -> bool {
    t.len() == 36
        && t.bytes().enumerate().all(|(i, b)| if [8, 13, 18, 23].contains(&i) { b == b'-' } else { b.is_ascii_digit() || (b'a'..=b'f').contains(&b) })
}

fn is_numeric_text(t: &str) -> bool {
    matches!(t, "NaN" | "Infinity" | "-Infinity") || {
        let digits = t.strip_prefix('-').unwrap_or(t);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') && digits.bytes().filter(|&b| b == b'.').count() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str) -> PgType {
        PgType { declared: name.into(), name: name.into(), kind: 'b', element: None, labels: Vec::new() }
    }

    #[test]
    fn types_without_a_mapping_are_refused() {
        assert_eq!(Mapping::of(&base("money"), NumericMode::Text), None);
        assert_eq!(Mapping::of(&base("point"), NumericMode::Text), None);
        let array_of_money = PgType { element: Some(("money".into(), 'b')), ..base("_money") };
        assert_eq!(Mapping::of(&array_of_money, NumericMode::Text), None);
        assert_eq!(Mapping::of(&base("numeric"), NumericMode::Real).map(|m| m.sqlite_type()), Some("REAL"));
    }

    #[test]
    fn decode_keeps_exact_forms_and_refuses_nan_as_real() {
        let numeric = Mapping::Numeric(NumericMode::Text);
        assert_eq!(numeric.decode("12345678901234567890.000000000001".into()), Ok(SqlValue::Text("12345678901234567890.000000000001".into())));
        assert!(Mapping::Numeric(NumericMode::Real).decode("NaN".into()).unwrap_err().contains("NaN"));
        assert_eq!(Mapping::Bytea.decode("\\x00fF".into()), Ok(SqlValue::Blob(vec![0, 255])));
        assert_eq!(Mapping::Boolean.decode("t".into()), Ok(SqlValue::Integer(1)));
    }

    #[test]
    fn conformance_names_what_is_wrong() {
        assert!(Mapping::Uuid.nonconformity(&SqlValue::Text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11".into())).is_some());
        assert!(Mapping::Uuid.nonconformity(&SqlValue::Text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into())).is_none());
        assert!(Mapping::Json.nonconformity(&SqlValue::Text("{\"a\":".into())).unwrap().contains("JSON"));
        assert!(Mapping::Integer.nonconformity(&SqlValue::Text("1".into())).unwrap().contains("text"));
    }
}
