//! Small SQL fragments the engine's statements share: quoted column lists, the row key as
//! JSON, keyset predicates and the "convert only if valid" guard.

use crate::quote::quote_ident;

use super::conversion::Conversion;
use super::plan::TablePlan;

/// `"a", "b"` (optionally prefixed by an alias: `t."a", t."b"`).
pub fn column_list(alias: Option<&str>, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| match alias {
            Some(a) => format!("{a}.{}", quote_ident(c)),
            None => quote_ident(c),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `jsonb_build_object('id', t."id", ...)`: how a row is named in findings and reasons.
pub fn pk_json(alias: &str, table: &TablePlan) -> String {
    let parts: Vec<String> = table
        .pk_names()
        .iter()
        .map(|c| format!("{}, {alias}.{}", crate::quote::quote_literal(c), quote_ident(c)))
        .collect();
    format!("jsonb_build_object({})", parts.join(", "))
}

/// Converts `expr` only when it matches the validity pattern bound as `$param`, else NULL:
/// lets joins compare converted values without ever raising on a bad one.
pub fn safe_convert(conversion: &Conversion, expr: &str, param: usize) -> String {
    format!("(CASE WHEN {} THEN {} END)", matches(expr, &format!("${param}")), conversion.convert_sql(expr))
}

/// `expr ~ pattern` on the text's bytes: in the "C" collation, since a regular expression
/// refuses a nondeterministic one (a case-insensitive ICU column) and the patterns mean
/// ASCII classes.
pub fn matches(expr: &str, pattern: &str) -> String {
    format!("(({expr})::text COLLATE \"C\" ~ {pattern})")
}

/// `(k.pk ->> 'a')::type_a, ...`: the key a JSON object (as [`pk_json`] builds it) names,
/// typed, so `(t."a", ...) IN (SELECT <this> ...)` is served by the primary key index.
pub fn pk_from_json(table: &TablePlan, json: &str) -> String {
    let values: Vec<String> = table.primary_key.iter().map(|(name, ty)| format!("({json} ->> {})::{ty}", crate::quote::quote_literal(name))).collect();
    values.join(", ")
}

/// `(t."a", t."b") > ($1::type_a, $2::type_b)`: the keyset predicate after a checkpoint
/// whose values travel as text parameters starting at `$first`.
pub fn keyset_after(alias: &str, table: &TablePlan, first: usize) -> String {
    let columns = column_list(Some(alias), &table.pk_names());
    let params: Vec<String> = table.primary_key.iter().enumerate().map(|(i, (_, ty))| format!("${}::{ty}", first + i)).collect();
    format!("({columns}) > ({})", params.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TablePlan {
        TablePlan {
            schema: "public".into(),
            name: "tags".into(),
            primary_key: vec![("entry_id".into(), "bigint".into()), ("tag".into(), "text".into())],
            columns: vec![],
        }
    }

    #[test]
    fn keyset_compares_rows_with_typed_parameters() {
        assert_eq!(keyset_after("t", &table(), 2), "(t.\"entry_id\", t.\"tag\") > ($2::bigint, $3::text)");
    }

    #[test]
    fn a_key_read_back_from_json_is_typed_for_the_index() {
        assert_eq!(pk_from_json(&table(), "k.pk"), "(k.pk ->> 'entry_id')::bigint, (k.pk ->> 'tag')::text");
    }

    #[test]
    fn pk_json_names_every_key_column() {
        assert_eq!(pk_json("t", &table()), "jsonb_build_object('entry_id', t.\"entry_id\", 'tag', t.\"tag\")");
    }

    #[test]
    fn safe_convert_guards_the_cast() {
        let sql = safe_convert(&Conversion::default(), "c.\"id\"", 1);
        assert_eq!(sql, "(CASE WHEN ((c.\"id\")::text COLLATE \"C\" ~ $1) THEN (c.\"id\")::uuid END)");
    }
}
