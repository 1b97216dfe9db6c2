//! What differs between the state a fault's clone reached and the state it should have
//! reached (an uninterrupted run, or the original), in words for a fault's detail.

use crate::verify::schema_diff::diff;
use crate::verify::state::DatabaseState;

/// How many differences a detail lists before it says how many more there are.
const SHOWN: usize = 5;

/// Every difference of schema and of table data from `expected` to `actual`.
pub fn differences(expected: &DatabaseState, actual: &DatabaseState) -> Vec<String> {
    let mut found: Vec<String> = diff(&expected.schema, &actual.schema).into_iter().map(|c| format!("{} {}", c.object, c.change)).collect();
    let tables: std::collections::BTreeSet<_> = expected.fingerprints.keys().chain(actual.fingerprints.keys()).collect();
    for table in tables {
        match (expected.fingerprints.get(table), actual.fingerprints.get(table)) {
            (Some(e), Some(a)) if e != a => found.push(format!("{table}: {} rows expected, {} found{}", e.rows, a.rows, if e.rows == a.rows { " (contents differ)" } else { "" })),
            (Some(e), None) => found.push(format!("{table}: {} rows expected, table missing", e.rows)),
            (None, Some(a)) => found.push(format!("{table}: not expected, {} rows found", a.rows)),
            _ => {}
        }
    }
    found
}

/// The first few differences, and how many there are in all.
pub fn summarize(differences: &[String]) -> String {
    let shown: Vec<&str> = differences.iter().take(SHOWN).map(String::as_str).collect();
    let more = differences.len().saturating_sub(SHOWN);
    let tail = if more > 0 { format!("; and {more} more") } else { String::new() };
    format!("{} differences: {}{tail}", differences.len(), shown.join("; "))
}
