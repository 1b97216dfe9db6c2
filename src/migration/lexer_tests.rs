//! Tests for the statement splitter: tricky quoting cases, and properties over random
//! files built from the same pieces.

use proptest::prelude::*;

use super::lexer::{split, statements};
use super::transaction::{is_outside_transaction, transaction_mode, TransactionMode};

fn texts(sql: &str) -> Vec<String> {
    statements(sql).iter().map(|s| s.text.trim().to_string()).collect()
}

#[test]
fn splits_on_semicolons_and_keeps_them() {
    let sql = "create table a (x int);\ninsert into a values (1);\n";
    assert_eq!(texts(sql), vec!["create table a (x int);", "insert into a values (1);"]);
}

#[test]
fn semicolons_inside_quotes_and_comments_do_not_split() {
    let sql = "select 'a;b', \"we;ird\" from t; -- c;d\n/* e; /* nested; */ still; */ select 2;";
    let got = texts(sql);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("select 'a;b'"));
    assert!(got[1].ends_with("select 2;"));
}

#[test]
fn escape_strings_honour_backslash_quotes() {
    let sql = r"select E'it\'s; fine'; select 'plain\'; select 3;";
    // In a standard string a backslash is ordinary, so the second string ends at `\'`.
    assert_eq!(texts(sql), vec![r"select E'it\'s; fine';", r"select 'plain\';", "select 3;"]);
}

#[test]
fn an_identifier_ending_in_e_does_not_start_an_escape_string() {
    let sql = r"select some_e'\'; select 2;";
    assert_eq!(texts(sql).len(), 2);
}

#[test]
fn dollar_quoted_bodies_are_one_statement() {
    let sql = "create function f() returns int as $body$ begin return 1; end $body$ language plpgsql;\n\
               do $$ begin perform 1; end $$;\nselect $1;";
    let got = texts(sql);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].ends_with("language plpgsql;"));
    assert!(got[1].starts_with("do $$"));
}

#[test]
fn begin_atomic_bodies_are_one_statement() {
    let sql = "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\n\
               BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT x;\nEND;\n\
               CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
               BEGIN; SELECT 1; END;";
    let got = texts(sql);
    assert_eq!(got.len(), 5, "{got:#?}");
    assert!(got[0].ends_with("SELECT x;\nEND;"));
    assert!(got[1].starts_with("CREATE PROCEDURE") && got[1].ends_with("END;"));
    assert_eq!(&got[2..], ["BEGIN;", "SELECT 1;", "END;"]);
}

#[test]
fn a_dollar_inside_an_identifier_is_not_a_quote() {
    let sql = "select a$b$ from t; select 2;";
    assert_eq!(texts(sql).len(), 2);
}

#[test]
fn lines_point_at_the_first_token_after_comments() {
    let sql = "-- header\n\nselect 1;\n/* c */\n  select\n 2;\n";
    let got = statements(sql);
    assert_eq!(got.iter().map(|s| s.line).collect::<Vec<_>>(), vec![3, 5]);
}

#[test]
fn trailing_comments_and_empty_statements_are_not_statements() {
    let sql = "select 1;;  \n-- done\n";
    let all = split(sql);
    assert_eq!(all.iter().filter(|s| s.is_statement).count(), 1);
    assert_eq!(all.iter().map(|s| s.text).collect::<String>(), sql);
}

#[test]
fn unterminated_quote_runs_to_the_end() {
    let sql = "select 1; select 'oops; select 3;";
    assert_eq!(texts(sql).len(), 2);
}

#[test]
fn concurrently_forces_autocommit() {
    assert!(is_outside_transaction("create index concurrently i on t (x);"));
    assert!(is_outside_transaction("-- why\nCREATE UNIQUE INDEX CONCURRENTLY i ON t (x)"));
    assert!(is_outside_transaction("VACUUM;"));
    assert!(!is_outside_transaction("create index i on t (x);"));
    let sql = "alter table t add column y int;\ncreate index concurrently i on t (y);";
    assert_eq!(transaction_mode(sql, &statements(sql)), TransactionMode::None);
    let plain = "alter table t add column y int;";
    assert_eq!(transaction_mode(plain, &statements(plain)), TransactionMode::Single);
    let marked = "-- no-transaction\nalter table t add column y int;";
    assert_eq!(transaction_mode(marked, &statements(marked)), TransactionMode::None);
}

/// Pieces a migration file is made of, including every kind of quoting the lexer knows.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("select 1".to_string()),
        Just(";".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        "[a-z_;$' \\\\\"]{0,8}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        "[a-z;' \\\\]{0,8}".prop_map(|s| format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))),
        "[a-z; ']{0,8}".prop_map(|s| format!("\"{}\"", s)),
        "[a-z; '\"]{0,8}".prop_map(|s| format!("$t${s}$t$")),
        "[a-z; '\"]{0,8}".prop_map(|s| format!("-- {s}\n")),
        "[a-z; '\"]{0,8}".prop_map(|s| format!("/* {s} /* {s} */ */")),
    ]
}

proptest! {
    #[test]
    fn splitting_then_joining_gives_the_text_back(sql in "\\PC{0,200}") {
        let joined: String = split(&sql).iter().map(|s| s.text).collect();
        prop_assert_eq!(joined, sql);
    }

    #[test]
    fn statement_count_equals_semicolons_outside_quotes(pieces in proptest::collection::vec(piece(), 0..40)) {
        let sql: String = pieces.join(" ");
        let segments = split(&sql);
        let joined: String = segments.iter().map(|s| s.text).collect();
        prop_assert_eq!(&joined, &sql);
        // Only the bare ";" pieces end a statement; every other piece hides its semicolons.
        let bare = pieces.iter().filter(|p| p.as_str() == ";").count();
        let ended = segments.iter().filter(|s| s.text.ends_with(';')).count();
        prop_assert_eq!(ended, bare);
        for s in &segments {
            prop_assert_eq!(&sql[s.offset..s.offset + s.text.len()], s.text);
        }
    }
}
