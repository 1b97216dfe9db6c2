//! Decides whether a file can run inside one transaction. Some statements refuse a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...), and a file that manages
//! its own transactions (`BEGIN`/`COMMIT`) must not be wrapped in another one.
//!
//! <https://www.postgresql.org/docs/15/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY>

use super::lexer::Segment;

/// How a file's statements are executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    /// All statements in one transaction: a failure leaves nothing behind.
    Single,
    /// Statement by statement in autocommit, because at least one statement cannot run in
    /// a transaction block or the file controls transactions itself. A failure leaves the
    /// statements before it applied, as it would in production.
    None,
}

/// The file opts out with sqlx's marker, as sqlx does, so files written for sqlx behave
/// the same here.
const NO_TRANSACTION_MARKER: &str = "-- no-transaction";

/// Leading words of statements that cannot run inside a transaction block.
const OUTSIDE_TRANSACTION: &[&[&str]] = &[
    &["CREATE", "INDEX", "CONCURRENTLY"],
    &["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"],
    &["DROP", "INDEX", "CONCURRENTLY"],
    &["REINDEX", "*", "CONCURRENTLY"],
    &["ALTER", "TABLE", "*", "DETACH", "PARTITION", "*", "CONCURRENTLY"],
    &["VACUUM"],
    &["CREATE", "DATABASE"],
    &["DROP", "DATABASE"],
    &["CREATE", "TABLESPACE"],
    &["DROP", "TABLESPACE"],
    &["ALTER", "SYSTEM"],
    &["CLUSTER"],
    &["BEGIN"],
    &["START", "TRANSACTION"],
    &["COMMIT"],
    &["END"],
    &["ROLLBACK"],
];

/// Picks the mode for a file from its text and its statements.
pub fn transaction_mode(sql: &str, statements: &[Segment<'_>]) -> TransactionMode {
    let marked = sql.lines().next().is_some_and(|l| l.trim().eq_ignore_ascii_case(NO_TRANSACTION_MARKER));
    if marked || statements.iter().any(|s| is_outside_transaction(s.text)) {
        TransactionMode::None
    } else {
        TransactionMode::Single
    }
}

/// True when the statement cannot run inside a transaction block (or controls one).
pub fn is_outside_transaction(statement: &str) -> bool {
    let words = leading_words(statement, 8);
    OUTSIDE_TRANSACTION.iter().any(|pattern| matches_words(pattern, &words))
}

/// Positional match: `*` stands for exactly one word (a table name, REINDEX's target kind).
fn matches_words(pattern: &[&str], words: &[String]) -> bool {
    pattern.len() <= words.len() && pattern.iter().zip(words).all(|(part, word)| *part == "*" || part == word)
}

/// The first `n` whitespace-separated words in upper case, after leading comments.
fn leading_words(statement: &str, n: usize) -> Vec<String> {
    strip_comments(statement).split_whitespace().take(n).map(|w| w.trim_end_matches(';').to_ascii_uppercase()).collect()
}

fn strip_comments(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut rest = statement.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if rest.starts_with("/*") {
            rest = rest.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            out.push_str(rest);
            return out;
        }
    }
}
