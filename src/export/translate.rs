//! Carries CHECK constraints and column defaults over to SQLite when their meaning
//! survives the mapping; anything else is left out (and counted in the export summary).

use super::mapping::{Mapping, NumericMode};
use super::plan::TablePlan;
use crate::quote::quote_ident;

/// The SQLite form of a column default, if it has one that means the same.
pub fn default(expr: &str, mapping: &Mapping) -> Option<String> {
    let expr = expr.trim();
    let now = ["now()", "CURRENT_TIMESTAMP", "statement_timestamp()", "transaction_timestamp()"];
    match mapping {
        Mapping::Timestamptz if now.contains(&expr) => return Some("(strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')".into()),
        Mapping::Boolean if expr == "true" => return Some("1".into()),
        Mapping::Boolean if expr == "false" => return Some("0".into()),
        _ => {}
    }
    let literal = strip_cast(expr);
    let literal = literal.strip_prefix('(').and_then(|l| l.strip_suffix(')')).map(strip_cast).unwrap_or(literal);
    match mapping {
        Mapping::Integer | Mapping::Real | Mapping::Numeric(NumericMode::Real) if is_number(literal) => Some(literal.to_string()),
        Mapping::Integer | Mapping::Real | Mapping::Numeric(NumericMode::Real) => {
            let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
            is_number(inner).then(|| inner.to_string())
        }
        // Numeric text keeps Postgres' digits only when the literal is already what
        // Postgres would print; a quoted literal is.
        Mapping::Text | Mapping::Enum(_) | Mapping::Json | Mapping::Numeric(NumericMode::Text) if is_string_literal(literal) => Some(literal.to_string()),
        Mapping::Numeric(NumericMode::Text) if is_number(literal) && !literal.contains('e') => Some(crate::quote::quote_literal(literal)),
        _ => None,
    }
}

/// Removes one trailing `::type` cast, e.g. `'a'::text` → `'a'`.
fn strip_cast(expr: &str) -> &str {
    if let Some(pos) = expr.rfind("::") {
        let after = &expr[pos + 2..];
        if !after.contains('\'') && !after.contains(')') || after.ends_with("[]") {
            return &expr[..pos];
        }
    }
    expr
}

fn is_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty() && s.parse::<f64>().is_ok() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'-' || b == b'+')
}

fn is_string_literal(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') && !s[1..s.len() - 1].replace("''", "").contains('\'')
}

/// The SQLite form of a CHECK (`pg_get_constraintdef` text), when every column it names
/// compares the same way in SQLite (integers, reals, booleans, plain text) and it uses
/// only operators both share.
pub fn check(definition: &str, table: &TablePlan) -> Option<String> {
    let body = definition.trim().strip_prefix("CHECK ")?.trim_end_matches(" NOT VALID");
    let tokens = tokenize(body)?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        if t == "::" {
            // Skip the type name: words, (n), [] until the next operator or paren.
            i += 1;
            while i < tokens.len() && (is_type_word(&tokens[i]) || tokens[i] == "[]") {
                i += 1;
            }
            continue;
        }
        let lower = t.to_ascii_lowercase();
        if (t == "=" || t == "<>") && tokens.get(i + 1).is_some_and(|n| n == "ANY" || n == "ALL") && tokens.get(i + 2).is_some_and(|n| n == "(") && tokens.get(i + 3).is_some_and(|n| n == "ARRAY[") {
            out.push(if t == "=" { "IN".to_string() } else { "NOT IN".to_string() });
            out.push("(".into());
            i += 4;
            let mut depth = 0;
            while i < tokens.len() {
                match tokens[i].as_str() {
                    "]" if depth == 0 => break,
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    "::" => {
                        i += 1;
                        while i < tokens.len() && is_type_word(&tokens[i]) {
                            i += 1;
                        }
                        continue;
                    }
                    _ => {}
                }
                out.push(tokens[i].clone());
                i += 1;
            }
            // `]` then the `)` that closed ANY (
            i += 2;
            out.push(")".into());
            continue;
        }
        let piece = match lower.as_str() {
            "and" | "or" | "not" | "is" | "null" | "(" | ")" | "," | "=" | "<>" | "<" | ">" | "<=" | ">=" | "+" | "-" | "*" | "/" | "%" | "between" | "like" => t.to_string(),
            "true" => "1".into(),
            "false" => "0".into(),
            "length" | "char_length" | "lower" | "upper" | "abs" if tokens.get(i + 1).is_some_and(|n| n == "(") => if lower == "char_length" { "length".into() } else { lower },
            _ if t.starts_with('\'') => t.to_string(),
            _ if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') => t.to_string(),
            _ => {
                let name = t.strip_prefix('"').and_then(|n| n.strip_suffix('"')).map(|n| n.replace("\"\"", "\"")).unwrap_or_else(|| t.to_string());
                let column = table.columns.iter().find(|c| c.source.name == name)?;
                let comparable = matches!(column.mapping, Mapping::Integer | Mapping::Real | Mapping::Boolean | Mapping::Text | Mapping::Enum(_) | Mapping::Numeric(NumericMode::Real));
                if !comparable {
                    return None;
                }
                quote_ident(&name)
            }
        };
        out.push(piece);
        i += 1;
    }
    Some(format!("CHECK ({})", out.join(" ")))
}

/// A word of a cast's type name (`character varying`, `double precision`, an enum's name).
fn is_type_word(token: &str) -> bool {
    let keyword = ["and", "or", "not", "is", "in", "between", "like", "null"].contains(&token.to_ascii_lowercase().as_str());
    !keyword && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && token.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Splits a constraint definition into identifiers, quoted names, literals, numbers and
/// operators; `ARRAY[` is one token. `None` on anything it does not know.
fn tokenize(s: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = s.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            i += 1;
            loop {
                if i >= chars.len() {
                    return None;
                }
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            if chars[start..i].iter().collect::<String>() == "ARRAY" && chars.get(i) == Some(&'[') {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
        } else if s[s.char_indices().nth(i)?.0..].starts_with("::") || ["<=", ">=", "<>", "[]"].iter().any(|op| chars[i..].starts_with(&op.chars().collect::<Vec<_>>())) {
            i += 2;
        } else if "()=<>,+-*/%]".contains(c) {
            i += 1;
        } else {
            return None;
        }
        tokens.push(chars[start..i].iter().collect());
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_that_mean_the_same_are_kept() {
        assert_eq!(default("'draft'::text", &Mapping::Text).as_deref(), Some("'draft'"));
        assert_eq!(default("0", &Mapping::Integer).as_deref(), Some("0"));
        assert_eq!(default("true", &Mapping::Boolean).as_deref(), Some("1"));
        assert_eq!(default("'1.50'::numeric", &Mapping::Numeric(NumericMode::Text)).as_deref(), Some("'1.50'"));
        assert!(default("now()", &Mapping::Timestamptz).unwrap().contains("strftime"));
        assert_eq!(default("nextval('users_id_seq'::regclass)", &Mapping::Integer), None);
        assert_eq!(default("gen_random_uuid()", &Mapping::Uuid), None);
    }

    #[test]
    fn tokens_cover_what_pg_get_constraintdef_prints() {
        let tokens = tokenize("((status = ANY (ARRAY['a'::text, 'b'::text])) AND (qty >= 0))").unwrap();
        assert!(tokens.contains(&"ARRAY[".to_string()) && tokens.contains(&"::".to_string()), "{tokens:?}");
    }
}
