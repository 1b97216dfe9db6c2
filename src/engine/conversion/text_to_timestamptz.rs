//! `text` → `timestamptz`, accepting a configured list of formats (seed 004 asks for
//! "timestamp standardization").

use serde::{Deserialize, Serialize};

use crate::quote::quote_literal;

/// One accepted input format: a regex that recognises it and the `to_timestamp` template
/// that parses it. `template: None` means the value is ISO 8601 and is cast directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampFormat {
    pub pattern: String,
    pub template: Option<String>,
}

/// Converts text timestamps written in any of `formats` to `timestamptz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextToTimestamptz {
    pub formats: Vec<TimestampFormat>,
}

impl Default for TextToTimestamptz {
    fn default() -> Self {
        TextToTimestamptz {
            formats: vec![
                TimestampFormat {
                    pattern: r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$".into(),
                    template: None,
                },
                TimestampFormat { pattern: r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$".into(), template: Some("DD/MM/YYYY HH24:MI:SS".into()) },
                TimestampFormat { pattern: r"^\d{10}$".into(), template: Some("epoch".into()) },
            ],
        }
    }
}

impl TextToTimestamptz {
    /// A `CASE` over the formats, first match wins; anything else becomes NULL (preflight
    /// has already reported it as invalid, so that never happens to a row that is kept).
    pub fn convert_sql(&self, expr: &str) -> String {
        let arms: Vec<String> = self
            .formats
            .iter()
            .map(|f| {
                let parse = match f.template.as_deref() {
                    None => format!("({expr})::timestamptz"),
                    Some("epoch") => format!("to_timestamp(({expr})::double precision)"),
                    Some(t) => format!("to_timestamp({expr}, {})", quote_literal(t)),
                };
                format!("WHEN ({expr})::text COLLATE \"C\" ~ {} THEN {parse}", quote_literal(&f.pattern))
            })
            .collect();
        format!("(CASE {} END)", arms.join(" "))
    }

    pub fn validity_pattern(&self) -> String {
        let alternatives: Vec<String> = self.formats.iter().map(|f| format!("({})", f.pattern)).collect();
        alternatives.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_an_arm_and_is_in_the_validity_pattern() {
        let kind = TextToTimestamptz::default();
        let sql = kind.convert_sql("\"at\"");
        assert_eq!(sql.matches("WHEN").count(), kind.formats.len());
        assert!(sql.contains("to_timestamp(\"at\", 'DD/MM/YYYY HH24:MI:SS')"));
        for format in &kind.formats {
            assert!(kind.validity_pattern().contains(&format.pattern));
        }
    }
}
