//! `varchar`/`text` → `uuid`.

use serde::{Deserialize, Serialize};

/// Exactly what PostgreSQL's `uuid_in` accepts (src/backend/utils/adt/uuid.c,
/// `string_to_uuid`): 32 hex digits, an optional hyphen after any group of four except
/// the last, and optionally the whole thing in braces. Postgres 15 has no
/// `pg_input_is_valid`, so preflight uses this pattern; a test checks it against `::uuid`.
pub const UUID_INPUT_PATTERN: &str =
    "^([0-9A-Fa-f]{4}(-?[0-9A-Fa-f]{4}){7}|\\{[0-9A-Fa-f]{4}(-?[0-9A-Fa-f]{4}){7}\\})$";

/// Converts text holding a uuid to the native `uuid` type with a plain cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TextToUuid;

impl TextToUuid {
    pub fn convert_sql(&self, expr: &str) -> String {
        format!("({expr})::uuid")
    }
}

#[cfg(test)]
mod tests {
    use super::super::Conversion;

    #[test]
    fn converts_with_a_cast_and_reverts_to_the_original_type() {
        let c = Conversion::default();
        assert_eq!(c.convert_sql("\"id\""), "(\"id\")::uuid");
        assert_eq!(c.revert_sql("NEW.\"id\"", "character varying(36)"), "((NEW.\"id\")::text)::character varying(36)");
        assert!(c.accepts("character varying(36)"));
        assert!(c.accepts("text"));
        assert!(!c.accepts("integer"));
    }
}
