//! Reads a single-column CHECK constraint (as `pg_get_constraintdef` prints it) into the
//! bounds the generator can honour: a list of allowed values, numeric bounds, a length
//! limit, or "not empty". A definition in any other form is not understood, and the
//! planner refuses the column by the constraint's name rather than seed values it fails.

/// What the generator must respect to satisfy the CHECK constraints of one column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    /// `col IN ('a', 'b')`: only these values.
    pub one_of: Option<Vec<String>>,
    /// `col >= n` (or `> n`, taken as `>= n + 1` for integers).
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `length(col) <= n` / `char_length(col) <= n`.
    pub max_chars: Option<usize>,
    /// `col <> ''`.
    pub non_empty: bool,
}

impl Bounds {
    /// Adds the constraint `definition` on column `column` (`VALUE` in a domain); `false`
    /// when it is not in a form this module understands.
    pub fn add(&mut self, column: &str, definition: &str) -> bool {
        let Some(body) = definition.strip_prefix("CHECK ").map(strip_parens) else { return false };
        let body = body.strip_suffix(" NOT VALID").unwrap_or(body);
        split_and(body).into_iter().all(|term| self.add_term(column, strip_parens(term)))
    }

    fn add_term(&mut self, column: &str, term: &str) -> bool {
        if let Some((lhs, rhs)) = term.split_once(" = ANY ") {
            if !is_column(column, lhs) {
                return false;
            }
            let Some(values) = quoted_literals(rhs) else { return false };
            self.one_of = Some(match self.one_of.take() {
                Some(old) => old.into_iter().filter(|v| values.contains(v)).collect(),
                None => values,
            });
            return true;
        }
        for op in [" >= ", " <= ", " <> ", " > ", " < "] {
            let Some((lhs, rhs)) = term.split_once(op) else { continue };
            let (lhs, rhs) = (strip_parens(lhs), strip_parens(rhs));
            if op == " <> " {
                let is_empty_literal = strip_cast(rhs) == "''";
                self.non_empty |= is_empty_literal && is_column(column, lhs);
                return is_empty_literal && is_column(column, lhs);
            }
            if let Some(inner) = length_of(lhs) {
                let Some(limit) = number(rhs) else { return false };
                if !is_column(column, inner) || !matches!(op, " <= " | " < ") {
                    return false;
                }
                let limit = if op == " < " { limit - 1.0 } else { limit };
                self.max_chars = Some(self.max_chars.map_or(limit as usize, |old| old.min(limit as usize)));
                return limit >= 0.0;
            }
            let Some(value) = number(rhs) else { return false };
            if !is_column(column, lhs) {
                return false;
            }
            match op {
                " >= " => self.min = Some(self.min.map_or(value, |m| m.max(value))),
                " > " => self.min = Some(self.min.map_or(value + 1.0, |m| m.max(value + 1.0))),
                " <= " => self.max = Some(self.max.map_or(value, |m| m.min(value))),
                _ => self.max = Some(self.max.map_or(value - 1.0, |m| m.min(value - 1.0))),
            }
            return true;
        }
        false
    }

    /// Whether the bounds leave no value at all.
    pub fn is_empty_range(&self) -> bool {
        matches!((self.min, self.max), (Some(min), Some(max)) if min > max) || self.one_of.as_ref().is_some_and(|v| v.is_empty())
    }
}

/// Removes every pair of parentheses that encloses the whole text.
fn strip_parens(mut text: &str) -> &str {
    loop {
        text = text.trim();
        match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            Some(inner) if balanced(inner) => text = inner,
            _ => return text,
        }
    }
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Splits at top-level ` AND `.
fn split_and(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 && text[i..].starts_with(" AND ") => {
                parts.push(&text[start..i]);
                start = i + 5;
                i += 5;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// `x::type` → `x`, repeatedly (`(x)::text` included).
fn strip_cast(text: &str) -> &str {
    let mut text = strip_parens(text);
    while let Some(index) = text.rfind("::").filter(|&i| balanced(&text[..i]) && !text[i..].contains('\'')) {
        text = strip_parens(&text[..index]);
    }
    text
}

fn is_column(column: &str, text: &str) -> bool {
    let name = strip_cast(text);
    name == column || name == crate::quote::quote_ident(column)
}

/// `length(x)` or `char_length(x)` → `x`.
fn length_of(text: &str) -> Option<&str> {
    let text = strip_cast(text);
    let inner = text.strip_prefix("length(").or_else(|| text.strip_prefix("char_length("))?;
    inner.strip_suffix(')')
}

fn number(text: &str) -> Option<f64> {
    strip_cast(text).trim_matches(|c| c == '(' || c == ')').parse().ok()
}

/// The string literals of `(ARRAY['a'::text, 'b'::text])` in order, `''` unescaped.
fn quoted_literals(text: &str) -> Option<Vec<String>> {
    let start = text.find("ARRAY[")? + "ARRAY[".len();
    let end = start + text[start..].find(']')?;
    let mut values = Vec::new();
    for item in text[start..end].split(", ") {
        let literal = strip_cast(item);
        let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
        values.push(inner.replace("''", "'"));
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(column: &str, definition: &str) -> Option<Bounds> {
        let mut b = Bounds::default();
        b.add(column, definition).then_some(b)
    }

    #[test]
    fn reads_the_forms_postgres_prints() {
        let list = bounds("role", "CHECK (((role)::text = ANY ((ARRAY['viewer'::character varying, 'it''s'::character varying])::text[])))").unwrap();
        assert_eq!(list.one_of, Some(vec!["viewer".to_string(), "it's".to_string()]));
        let range = bounds("qty", "CHECK (((qty >= 1) AND (qty <= 5)))").unwrap();
        assert_eq!((range.min, range.max), (Some(1.0), Some(5.0)));
        let price = bounds("price", "CHECK ((price > (0)::numeric))").unwrap();
        assert_eq!(price.min, Some(1.0));
        let length = bounds("title", "CHECK ((char_length(title) <= 80))").unwrap();
        assert_eq!(length.max_chars, Some(80));
        let length = bounds("title", "CHECK ((length((title)::text) < 81))").unwrap();
        assert_eq!(length.max_chars, Some(80));
        assert!(bounds("name", "CHECK ((name <> ''::text))").unwrap().non_empty);
        assert_eq!(bounds("VALUE", "CHECK ((VALUE >= 0))").unwrap().min, Some(0.0));
    }

    #[test]
    fn other_forms_are_not_understood() {
        assert!(bounds("email", "CHECK ((email ~~ '%@%'::text))").is_none());
        assert!(bounds("a", "CHECK (((a > 0) OR (a IS NULL)))").is_none());
        assert!(bounds("a", "CHECK ((lower(a) = a))").is_none());
    }
}
