//! `[expect]`, validated: how up and down should go, and the changes up makes on purpose
//! (`rows_added`, `rows_removed`, `changed_columns`, `volatile_columns`, `match_by`),
//! with where each was written. Names are resolved against the schema when the
//! rehearsal has it.

use std::collections::BTreeMap;

use toml::Spanned;

use super::error::ScenarioError;
use super::file::ExpectSection;
use super::load::Source;
use super::migration::Migration;
use super::names::{ColumnName, TableMention};
use crate::vocabulary::{ExpectedOutcome, Expectation};

/// The declarations of `[expect]`, as written (tables not yet resolved).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntentDecl {
    pub rows_added: Vec<(TableMention, u64)>,
    pub rows_removed: Vec<(TableMention, u64)>,
    pub changed_columns: Vec<ColumnName>,
    pub volatile_columns: Vec<ColumnName>,
    /// The table and the column its rows are paired by.
    pub match_by: Vec<(TableMention, String)>,
}

pub(super) fn validate_expect(source: &Source<'_>, expect: Option<&ExpectSection>, migration: Option<&Migration>) -> Result<(Expectation, IntentDecl), ScenarioError> {
    let Some(expect) = expect else { return Ok(Default::default()) };
    let outcome = |value: &Option<Spanned<String>>| -> Result<ExpectedOutcome, ScenarioError> {
        match value {
            None => Ok(ExpectedOutcome::Pass),
            Some(value) => ExpectedOutcome::parse(value.get_ref()).ok_or_else(|| {
                let names = ExpectedOutcome::names().iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ");
                source.invalid(source.at(value), format!("expected {names}, not `{}`", value.get_ref()))
            }),
        }
    };
    let expectation = Expectation { up: outcome(&expect.up)?, down: outcome(&expect.down)? };
    if let (Some(down), Some(Migration::Sql(sql))) = (&expect.down, migration) {
        if expectation.down == ExpectedOutcome::Fail && sql.set.rehearsed.down.is_none() {
            return Err(source.invalid(source.at(down), "`down = \"fail\"` declares a down that must fail, but the migration has no down: add the down file, or leave `down` out (an up-only migration skips the rollback)"));
        }
    }
    let intent = IntentDecl {
        rows_added: counts(source, "rows_added", &expect.rows_added)?,
        rows_removed: counts(source, "rows_removed", &expect.rows_removed)?,
        changed_columns: expect.changed_columns.iter().map(|c| source.column_name(c)).collect::<Result<_, _>>()?,
        volatile_columns: expect.volatile_columns.iter().map(|c| source.column_name(c)).collect::<Result<_, _>>()?,
        match_by: expect.match_by.iter().map(|(table, column)| match_key(source, table, column)).collect::<Result<_, _>>()?,
    };
    Ok((expectation, intent))
}

fn mention(source: &Source<'_>, table: &Spanned<String>) -> TableMention {
    TableMention { table: table.get_ref().clone(), location: source.at(table) }
}

fn counts(source: &Source<'_>, key: &str, written: &BTreeMap<Spanned<String>, u64>) -> Result<Vec<(TableMention, u64)>, ScenarioError> {
    written
        .iter()
        .map(|(table, &rows)| match rows {
            0 => Err(source.invalid(source.at(table), format!("`{key}` declares 0 rows for `{}`: give the number of rows, or leave the table out", table.get_ref()))),
            rows => Ok((mention(source, table), rows)),
        })
        .collect()
}

fn match_key(source: &Source<'_>, table: &Spanned<String>, column: &Spanned<String>) -> Result<(TableMention, String), ScenarioError> {
    let name = column.get_ref().trim();
    if name.is_empty() || name.contains('.') {
        return Err(source.invalid(source.at(column), format!("`match_by` for `{}` names `{}`: give one column of that table, e.g. `{{ users = \"email\" }}`", table.get_ref(), column.get_ref())));
    }
    Ok((mention(source, table), name.to_string()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::Scenario;

    const HEAD: &str = "name = \"x\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[expect]\n";

    #[test]
    fn the_five_declarations_are_read_with_their_lines() {
        let text = format!("{HEAD}rows_added = {{ audit_log = 1 }}\nrows_removed = {{ \"public.sessions\" = 120 }}\nchanged_columns = [\"users.email\"]\nvolatile_columns = [\"audit_log.at\"]\nmatch_by = {{ users = \"email\" }}\n");
        let intent = Scenario::from_text(Path::new("s.toml"), &text).unwrap().intent;
        assert_eq!(intent.rows_added[0].0.table, "audit_log");
        assert_eq!((intent.rows_removed[0].0.table.as_str(), intent.rows_removed[0].1), ("public.sessions", 120));
        assert_eq!(intent.changed_columns[0].to_string(), "users.email");
        assert_eq!(intent.volatile_columns[0].location.line, 9);
        assert_eq!((intent.match_by[0].0.table.as_str(), intent.match_by[0].1.as_str(), intent.match_by[0].0.location.line), ("users", "email", 10));
    }

    #[test]
    fn zero_rows_a_qualified_key_and_unknown_keys_are_refused_at_their_line() {
        for (line, needle) in [("rows_added = { audit_log = 0 }", "declares 0 rows"), ("match_by = { users = \"users.email\" }", "give one column"), ("rows_changed = { users = 1 }", "rows_changed")] {
            let err = Scenario::from_text(Path::new("s.toml"), &format!("{HEAD}{line}\n")).unwrap_err().to_string();
            assert!(err.contains("s.toml:6:") && err.contains(needle), "{line}: {err}");
        }
    }
}
