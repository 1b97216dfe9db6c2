//! Makes a schema file as people have it runnable on a disposable server: real
//! `pg_dump --schema-only` output carries psql meta-commands (`\restrict`, since 15.14),
//! and `OWNER TO` / `GRANT` / `REVOKE` naming roles that exist only in production.
//! Those statements are skipped with one note; ownership and privileges do not change
//! what a data migration does to the rows. `SET` and `set_config` lines run as written
//! (the seeder resets the session after the schema, see [`super::seed`]).

use std::collections::BTreeSet;

use crate::migration::lexer;

/// The schema SQL to execute, and what was left out of it and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSchema {
    pub sql: String,
    /// One line per kind of thing skipped, for the person who gave the file.
    pub notes: Vec<String>,
}

/// Role names a statement may name without the role existing.
const ROLE_KEYWORDS: &[&str] = &["public", "current_user", "session_user", "current_role", "group"];

/// Drops psql meta-commands and statements that name a role not in `roles`.
pub fn prepare(ddl: &str, roles: &BTreeSet<String>) -> PreparedSchema {
    let mut sql = String::with_capacity(ddl.len());
    let mut meta_commands = 0;
    let mut skipped = 0;
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for segment in lexer::split(ddl) {
        let mut text = segment.text;
        // A meta-command runs to the end of its line and only ever stands where a
        // statement would start.
        while let Some(start) = statement_start(text).filter(|&s| text[s..].starts_with('\\')) {
            let end = text[start..].find('\n').map_or(text.len(), |n| start + n + 1);
            meta_commands += 1;
            sql.push_str(&text[..start]);
            // Blank lines in place of what is skipped, so the server's error positions
            // still map to the file's lines.
            sql.push_str(&"\n".repeat(text[start..end].matches('\n').count()));
            text = &text[end..];
        }
        let absent: Vec<String> = named_roles(text).into_iter().filter(|role| !roles.contains(role)).collect();
        if absent.is_empty() {
            sql.push_str(text);
        } else {
            skipped += 1;
            missing.extend(absent);
            sql.push_str(&"\n".repeat(text.matches('\n').count()));
        }
    }
    let mut notes = Vec::new();
    if skipped > 0 {
        let names: Vec<&str> = missing.iter().map(String::as_str).collect();
        notes.push(format!(
            "skipped {skipped} OWNER TO / GRANT / REVOKE statement(s) naming roles this server does not have ({}): ownership and privileges do not change the data a migration rewrites",
            names.join(", ")
        ));
    }
    if meta_commands > 0 {
        notes.push(format!("skipped {meta_commands} psql meta-command line(s) such as `\\restrict`"));
    }
    PreparedSchema { sql, notes }
}

/// Byte offset of the first character that is neither whitespace nor a comment.
fn statement_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b if b.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n + 1),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = text[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2),
            _ => return Some(i),
        }
    }
    None
}

/// The roles an `ALTER … OWNER TO r`, `GRANT … TO r, …`, `REVOKE … FROM r, …` or
/// `ALTER DEFAULT PRIVILEGES FOR ROLE r …` statement names, as Postgres folds them.
fn named_roles(text: &str) -> Vec<String> {
    let Some(start) = statement_start(text) else { return Vec::new() };
    let words = words(&text[start..]);
    let is = |i: usize, word: &str| words.get(i).is_some_and(|w| w.eq_ignore_ascii_case(word) && !w.starts_with('"'));
    let mut roles = Vec::new();
    let take_list = |from: usize| -> Vec<String> {
        let is_end = |w: &String| !w.starts_with('"') && matches!(w.to_ascii_lowercase().as_str(), "with" | "granted" | "cascade" | "restrict" | ";" | "in");
        words[from..].iter().take_while(|w| !is_end(w)).filter(|w| *w != ",").cloned().collect()
    };
    if is(0, "alter") && is(1, "default") && is(2, "privileges") {
        if let Some(i) = (0..words.len()).find(|&i| is(i, "role") || is(i, "user")) {
            roles.extend(words.get(i + 1).cloned());
        }
        // The grantee list of the GRANT/REVOKE inside.
        let grant = (0..words.len()).find(|&i| is(i, "grant") || is(i, "revoke"));
        if let Some(to) = grant.and_then(|g| (g..words.len()).rev().find(|&i| is(i, "to") || is(i, "from"))) {
            roles.extend(take_list(to + 1));
        }
    } else if is(0, "alter") {
        if let Some(i) = (0..words.len()).find(|&i| is(i, "owner") && is(i + 1, "to")) {
            roles.extend(words.get(i + 2).cloned());
        }
    } else if is(0, "grant") || is(0, "revoke") {
        let keyword = if is(0, "grant") { "to" } else { "from" };
        if let Some(i) = (0..words.len()).rev().find(|&i| is(i, keyword)) {
            roles.extend(take_list(i + 1));
        }
    }
    roles.into_iter().filter_map(|role| fold_role(&role)).collect()
}

/// Postgres folds an unquoted name to lower case; keywords such as PUBLIC are no role.
fn fold_role(word: &str) -> Option<String> {
    if let Some(inner) = word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        return Some(inner.replace("\"\"", "\""));
    }
    let lower = word.to_ascii_lowercase();
    (!ROLE_KEYWORDS.contains(&lower.as_str()) && lower != ";").then_some(lower)
}

/// Words, quoted identifiers, commas and `;` of one statement (its text holds no strings
/// that matter here: role lists are identifiers).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            ',' | ';' => out.push(c.to_string()),
            '"' => {
                let mut end = text.len();
                while let Some((j, d)) = chars.next() {
                    if d == '"' {
                        if chars.peek().is_some_and(|&(_, e)| e == '"') {
                            chars.next();
                            continue;
                        }
                        end = j + 1;
                        break;
                    }
                }
                out.push(text[i..end].to_string());
            }
            _ => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || matches!(d, ',' | ';' | '"') {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                out.push(text[i..end].to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    const DUMP: &str = "\\restrict AbC123\n\nSET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
        CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;\n\
        CREATE TABLE public.users (id character varying(36) NOT NULL);\n\
        ALTER TABLE public.users OWNER TO app_owner;\n\
        ALTER TABLE public.other OWNER TO postgres;\n\
        GRANT SELECT ON TABLE public.users TO readonly, \"Reporting\";\n\
        GRANT ALL ON TABLE public.users TO postgres;\n\
        REVOKE ALL ON SCHEMA public FROM PUBLIC;\n\
        ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public GRANT SELECT ON TABLES TO readonly;\n\
        \n\\unrestrict AbC123\n";

    #[test]
    fn statements_naming_missing_roles_and_meta_commands_are_skipped_with_notes() {
        let prepared = prepare(DUMP, &roles(&["postgres"]));
        assert!(!prepared.sql.contains('\\'), "{}", prepared.sql);
        for kept in ["SET statement_timeout", "set_config", "CREATE EXTENSION", "CREATE TABLE", "OWNER TO postgres", "TO postgres;", "FROM PUBLIC"] {
            assert!(prepared.sql.contains(kept), "{kept} kept: {}", prepared.sql);
        }
        for gone in ["app_owner", "readonly", "Reporting"] {
            assert!(!prepared.sql.contains(gone), "{gone} skipped: {}", prepared.sql);
        }
        assert_eq!(prepared.notes.len(), 2, "{:?}", prepared.notes);
        assert!(prepared.notes[0].starts_with("skipped 3 "), "{}", prepared.notes[0]);
        assert!(prepared.notes[0].contains("(Reporting, app_owner, readonly)"), "{}", prepared.notes[0]);
    }

    #[test]
    fn skipped_statements_keep_the_line_numbers() {
        let prepared = prepare(DUMP, &roles(&["postgres"]));
        assert_eq!(prepared.sql.lines().count(), DUMP.lines().count(), "{}", prepared.sql);
        let line_of = |text: &str, needle: &str| text.lines().position(|l| l.contains(needle));
        assert!(line_of(DUMP, "CREATE TABLE").is_some());
        assert_eq!(line_of(&prepared.sql, "CREATE TABLE"), line_of(DUMP, "CREATE TABLE"));
    }

    #[test]
    fn a_file_whose_roles_all_exist_is_left_byte_for_byte() {
        let prepared = prepare(DUMP.replace("\\restrict AbC123\n", "").replace("\\unrestrict AbC123\n", "").as_str(), &roles(&["postgres", "app_owner", "readonly", "Reporting"]));
        assert!(prepared.notes.is_empty(), "{:?}", prepared.notes);
        assert_eq!(prepared.sql, DUMP.replace("\\restrict AbC123\n", "").replace("\\unrestrict AbC123\n", ""));
    }

    #[test]
    fn role_names_fold_like_postgres() {
        assert_eq!(named_roles("ALTER SEQUENCE s OWNER TO App;"), vec!["app"]);
        assert_eq!(named_roles("GRANT USAGE ON SCHEMA s TO \"App\" WITH GRANT OPTION;"), vec!["App"]);
        assert_eq!(named_roles("GRANT a TO b GRANTED BY c;"), vec!["b"]);
        assert!(named_roles("CREATE TABLE owner_to (x int);").is_empty());
    }
}
