//! Differing rows as a person reads them: a changed row is one example per column that
//! differs (`column: old → new`), and a row found only before is paired with a row found
//! only after whose other columns are the same, so a key whose text changed shows as
//! `id: 'A0EE…' → 'a0ee…'` instead of one missing and one extra row. Each group of rows
//! is named by its columns and how the values changed ("case changed").

use std::collections::{BTreeMap, HashMap};

use super::diff::{RowDifference, SideRow};
use super::finding::{CheckKind, Example, Finding};
use crate::vocabulary::TableName;

/// Rows held for pairing, per side; beyond this they are reported unpaired, so memory
/// stays bounded on a table where everything differs.
pub const MAX_HELD: usize = 10_000;

/// One example per column that differs between two rows of the same key.
pub fn column_examples(columns: &[String], before: &SideRow, after: &SideRow) -> Vec<Example> {
    (0..columns.len())
        .filter(|&i| before.cols.get(i) != after.cols.get(i))
        .map(|i| Example::column(before.key.clone(), columns[i].clone(), before.cols.get(i).cloned(), after.cols.get(i).cloned()))
        .collect()
}

/// How one value became another, in a few words.
pub fn how_changed(before: &str, after: &str) -> &'static str {
    let unquote = |v: &str| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).map(str::to_string);
    let (Some(b), Some(a)) = (unquote(before), unquote(after)) else {
        return match (before, after) {
            (_, "NULL") => "became NULL",
            ("NULL", _) => "was NULL",
            _ => "value changed",
        };
    };
    fn without(v: &str, chars: &[char]) -> String {
        v.chars().filter(|c| !chars.contains(c)).collect()
    }
    let count = |v: &str, c: char| v.matches(c).count();
    let no_fraction = |v: &str| {
        let mut out = String::new();
        let mut chars = v.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '.' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    chars.next();
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    if b.to_lowercase() == a.to_lowercase() {
        "case changed"
    } else if without(&b, &['-'][..]) == without(&a, &['-'][..]) {
        if count(&a, '-') > count(&b, '-') { "hyphens added" } else { "hyphens removed" }
    } else if without(&b, &['{', '}'][..]) == without(&a, &['{', '}'][..]) {
        if count(&a, '{') > count(&b, '{') { "braces added" } else { "braces removed" }
    } else if without(&b.to_lowercase(), &['-', '{', '}'][..]) == without(&a.to_lowercase(), &['-', '{', '}'][..]) {
        "reformatted (case, hyphens or braces)"
    } else if b.trim() == a.trim() {
        "leading or trailing spaces changed"
    } else if b.starts_with(&a) && a.len() < b.len() {
        "truncated"
    } else if b != no_fraction(&b) && no_fraction(&b) == a {
        "fractional seconds lost"
    } else {
        "value changed"
    }
}

/// What a check calls the three kinds of difference.
pub struct RowTexts {
    /// Completes "`table.column` values …", e.g. "differ from the original".
    pub differ: &'static str,
    /// Rows only before, unpaired.
    pub missing: &'static str,
    /// Rows only after, unpaired.
    pub extra: &'static str,
}

/// Collects one table's differences as the diff streams them. Changed rows go straight
/// into their group (each finding keeps at most [`super::MAX_EXAMPLES`] rows); rows only
/// before or only after are held, up to [`MAX_HELD`] per side, to be paired at the end.
pub struct RowCollector<'p> {
    check: CheckKind,
    table: &'p TableName,
    texts: &'p RowTexts,
    columns: &'p [String],
    /// Positions in `columns` of the key.
    key: Vec<usize>,
    groups: BTreeMap<String, Finding>,
    missing: Vec<SideRow>,
    extra: Vec<SideRow>,
    /// Rows beyond [`MAX_HELD`]: counted, never paired.
    more_missing: u64,
    more_extra: u64,
}

impl<'p> RowCollector<'p> {
    pub fn new(check: CheckKind, table: &'p TableName, texts: &'p RowTexts, columns: &'p [String], key: &[String]) -> RowCollector<'p> {
        let key = key.iter().filter_map(|k| columns.iter().position(|c| c == k)).collect();
        RowCollector {
            check,
            table,
            texts,
            columns,
            key,
            groups: BTreeMap::new(),
            missing: Vec::new(),
            extra: Vec::new(),
            more_missing: 0,
            more_extra: 0,
        }
    }

    pub fn push(&mut self, difference: RowDifference) {
        match difference {
            RowDifference::Changed { before, after } => self.changed(&before, &after),
            RowDifference::Missing { before } if self.missing.len() < MAX_HELD => self.missing.push(before),
            RowDifference::Extra { after } if self.extra.len() < MAX_HELD => self.extra.push(after),
            RowDifference::Missing { .. } => self.more_missing += 1,
            RowDifference::Extra { .. } => self.more_extra += 1,
        }
    }

    /// One row into the group of its differing columns and how they changed.
    fn changed(&mut self, before: &SideRow, after: &SideRow) {
        let examples = column_examples(self.columns, before, after);
        let names: Vec<&str> = examples.iter().filter_map(|e| e.column.as_deref()).collect();
        let mut kinds: Vec<&str> =
            examples.iter().map(|e| how_changed(e.before.as_deref().unwrap_or("NULL"), e.after.as_deref().unwrap_or("NULL"))).collect();
        kinds.dedup();
        let kind = if kinds.len() == 1 { kinds[0] } else { "values changed" };
        let message = format!("{}.{} values {}: {kind}", self.table.name, names.join(", "), self.texts.differ);
        let (check, table) = (self.check, self.table.to_string());
        self.groups.entry(message.clone()).or_insert_with(|| Finding::new(check, Some(table), message)).record_row(examples);
    }

    /// The findings: changed and paired rows grouped by their differing columns and how
    /// they changed, then the rows left unpaired.
    pub fn findings(mut self) -> Vec<Finding> {
        let (pairs, missing, extra) = pair_by_other_columns(&self.key, std::mem::take(&mut self.missing), std::mem::take(&mut self.extra));
        for (before, after) in &pairs {
            self.changed(before, after);
        }
        let mut findings: Vec<Finding> = std::mem::take(&mut self.groups).into_values().collect();
        for (message, rows, more, before) in
            [(self.texts.missing, missing, self.more_missing, true), (self.texts.extra, extra, self.more_extra, false)]
        {
            if rows.is_empty() && more == 0 {
                continue;
            }
            let mut f = Finding::new(self.check, Some(self.table.to_string()), message);
            for row in rows {
                let (b, a) = if before { (Some(row.row), None) } else { (None, Some(row.row)) };
                f.record(Example::new(row.key, b, a));
            }
            f.count += more;
            findings.push(f);
        }
        findings
    }
}

/// Pairs rows only before with rows only after whose non-key columns are all the same
/// (in before-key order); returns the pairs and the rows left on each side. A table whose
/// key is every column has nothing else to pair on.
fn pair_by_other_columns(key: &[usize], missing: Vec<SideRow>, extra: Vec<SideRow>) -> (Vec<(SideRow, SideRow)>, Vec<SideRow>, Vec<SideRow>) {
    let others = |row: &SideRow| -> Vec<String> {
        row.cols.iter().enumerate().filter(|(i, _)| !key.contains(i)).map(|(_, v)| v.clone()).collect()
    };
    if missing.first().is_some_and(|row| others(row).is_empty()) {
        return (Vec::new(), missing, extra);
    }
    let mut by_others: HashMap<Vec<String>, Vec<SideRow>> = HashMap::new();
    for row in extra {
        by_others.entry(others(&row)).or_default().push(row);
    }
    // Pop from the back, so rows with the same other columns pair in key order.
    by_others.values_mut().for_each(|rows| rows.reverse());
    let (mut pairs, mut lone_missing) = (Vec::new(), Vec::new());
    for row in missing {
        match by_others.get_mut(&others(&row)).and_then(Vec::pop) {
            Some(partner) => pairs.push((row, partner)),
            None => lone_missing.push(row),
        }
    }
    let mut lone_extra: Vec<SideRow> = by_others.into_values().flatten().collect();
    lone_extra.sort_by(|a, b| a.key.cmp(&b.key));
    (pairs, lone_missing, lone_extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, cols: &[&str]) -> SideRow {
        SideRow { key: key.into(), row: cols.join("|"), cols: cols.iter().map(|c| c.to_string()).collect(), cast_failed: false, is_quarantine: false }
    }

    #[test]
    fn says_how_a_value_changed() {
        assert_eq!(how_changed("'A0EE-BC'", "'a0ee-bc'"), "case changed");
        assert_eq!(how_changed("'a0eebc'", "'a0-ee-bc'"), "hyphens added");
        assert_eq!(how_changed("'{a0ee}'", "'a0ee'"), "braces removed");
        assert_eq!(how_changed("'{A0EEBC}'", "'a0-ee-bc'"), "reformatted (case, hyphens or braces)");
        assert_eq!(how_changed("' x '", "'x'"), "leading or trailing spaces changed");
        assert_eq!(how_changed("'abcdef'", "'abc'"), "truncated");
        assert_eq!(how_changed("'2024-01-01 10:00:00.123456+00'", "'2024-01-01 10:00:00+00'"), "fractional seconds lost");
        assert_eq!(how_changed("'x'", "NULL"), "became NULL");
        assert_eq!(how_changed("'1'", "'2'"), "value changed");
    }

    #[test]
    fn a_changed_key_pairs_a_missing_row_with_an_extra_one() {
        let columns: Vec<String> = ["id", "email"].iter().map(|c| c.to_string()).collect();
        let key = vec!["id".to_string()];
        let table = TableName::new("public", "users");
        let texts = RowTexts { differ: "differ from the original", missing: "missing", extra: "extra" };
        let mut rows = RowCollector::new(CheckKind::RollbackIdentity, &table, &texts, &columns, &key);
        rows.push(RowDifference::Missing { before: row("'AB'", &["'AB'", "'a@x'"]) });
        rows.push(RowDifference::Missing { before: row("'CD'", &["'CD'", "'c@x'"]) });
        rows.push(RowDifference::Extra { after: row("'ab'", &["'ab'", "'a@x'"]) });
        rows.push(RowDifference::Extra { after: row("'zz'", &["'zz'", "'z@x'"]) });
        let findings = rows.findings();
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["users.id values differ from the original: case changed", "missing", "extra"]);
        assert_eq!(findings[0].examples, [Example::column("'AB'", "id", Some("'AB'".into()), Some("'ab'".into()))]);
        assert_eq!((findings[1].count, findings[2].count), (1, 1));
    }
}
