//! Splits a migration file into statements without parsing SQL: a small lexer that knows
//! only where a `;` cannot end a statement (strings, quoted identifiers, dollar-quoted
//! bodies, comments) and records the line each statement starts on.
//!
//! The pieces cover the whole file: joining every [`Segment::text`] gives the file back
//! byte for byte, so a line number or an offset always points into the real file.

/// One piece of a file: a statement with its trailing `;`, or trailing text (whitespace
/// and comments) that holds no statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The exact bytes of the file, leading whitespace and comments included.
    pub text: &'a str,
    /// Byte offset of `text` in the file.
    pub offset: usize,
    /// 1-based line of the first character that is neither whitespace nor comment; the
    /// line a person looks for. For a segment without a statement, the line it starts on.
    pub line: usize,
    /// False when the segment holds only whitespace and comments.
    pub is_statement: bool,
}

/// Where the lexer is while scanning; only `Code` lets a `;` end a statement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    SingleQuoted { backslash_escapes: bool },
    DoubleQuoted,
    LineComment,
    BlockComment { depth: usize },
}

/// Splits `sql` into segments. Unterminated strings or comments run to the end of the
/// file and become part of the last segment; Postgres then reports the real error.
pub fn split(sql: &str) -> Vec<Segment<'_>> {
    let bytes = sql.as_bytes();
    let mut segments = Vec::new();
    let mut state = State::Code;
    let mut start = 0;
    let mut first_token: Option<usize> = None;
    let mut body = AtomicBody::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            State::Code => {
                let significant = !b.is_ascii_whitespace() && !is_comment_start(b, next);
                if significant && first_token.is_none() {
                    first_token = Some(i);
                }
                match b {
                    b';' if body.depth == 0 => {
                        segments.push(segment(sql, start, i + 1, first_token));
                        start = i + 1;
                        first_token = None;
                        body = AtomicBody::default();
                    }
                    b'(' => body.parens += 1,
                    b')' => body.parens = body.parens.saturating_sub(1),
                    b if (b.is_ascii_alphabetic() || b == b'_') && (i == 0 || !is_ident_byte(bytes[i - 1])) => {
                        // A whole word at once; an `E'...'` prefix is a word too, and the quote
                        // after it is handled next, looking back at the `E`.
                        let end = i + bytes[i..].iter().take_while(|&&c| is_ident_byte(c)).count();
                        body.word(&sql[i..end]);
                        i = end;
                        continue;
                    }
                    b'\'' => {
                        let escapes =
                            i > 0 && matches!(bytes[i - 1], b'E' | b'e') && !is_ident_byte_at(bytes, i.wrapping_sub(2));
                        state = State::SingleQuoted { backslash_escapes: escapes };
                    }
                    b'"' => state = State::DoubleQuoted,
                    b'-' if next == Some(b'-') => {
                        state = State::LineComment;
                        i += 1;
                    }
                    b'/' if next == Some(b'*') => {
                        state = State::BlockComment { depth: 1 };
                        i += 1;
                    }
                    b'$' if i == 0 || !is_ident_byte(bytes[i - 1]) => {
                        if let Some(tag_len) = dollar_tag_len(&bytes[i..]) {
                            let tag = &bytes[i..i + tag_len];
                            let body_start = i + tag_len;
                            i = match find(&bytes[body_start..], tag) {
                                Some(pos) => body_start + pos + tag_len,
                                None => bytes.len(),
                            };
                            continue;
                        }
                    }
                    _ => {}
                }
            }
            State::SingleQuoted { backslash_escapes } => match b {
                b'\\' if backslash_escapes => i += 1,
                b'\'' if next == Some(b'\'') => i += 1,
                b'\'' => state = State::Code,
                _ => {}
            },
            State::DoubleQuoted => match b {
                b'"' if next == Some(b'"') => i += 1,
                b'"' => state = State::Code,
                _ => {}
            },
            State::LineComment => {
                if b == b'\n' {
                    state = State::Code;
                }
            }
            State::BlockComment { depth } => {
                if b == b'/' && next == Some(b'*') {
                    state = State::BlockComment { depth: depth + 1 };
                    i += 1;
                } else if b == b'*' && next == Some(b'/') {
                    state = if depth == 1 { State::Code } else { State::BlockComment { depth: depth - 1 } };
                    i += 1;
                }
            }
        }
        i += 1;
    }
    if start < bytes.len() {
        segments.push(segment(sql, start, bytes.len(), first_token));
    }
    segments
}

/// Tracks `BEGIN ATOMIC ... END` bodies of SQL-standard functions (PostgreSQL 14+), whose
/// semicolons do not end the statement. The same heuristic as psql's lexer: inside a
/// statement starting `CREATE [OR REPLACE] {FUNCTION|PROCEDURE}`, outside parentheses,
/// `BEGIN` opens a block, `CASE` opens one when already inside, `END` closes one.
/// <https://github.com/postgres/postgres/blob/REL_15_STABLE/src/fe_utils/psqlscan.l>
#[derive(Debug, Default)]
struct AtomicBody {
    /// The first letters of the leading CREATE/OR/REPLACE/FUNCTION/PROCEDURE words.
    lead: [u8; 4],
    words: usize,
    parens: usize,
    depth: usize,
}

impl AtomicBody {
    fn word(&mut self, word: &str) {
        let lower = word.to_ascii_lowercase();
        if matches!(lower.as_str(), "create" | "function" | "procedure" | "or" | "replace")
            && self.words < self.lead.len()
        {
            self.lead[self.words] = lower.as_bytes()[0];
        }
        self.words += 1;
        let l = self.lead;
        let is_routine = l[0] == b'c'
            && (l[1] == b'f' || l[1] == b'p' || (l[1] == b'o' && l[2] == b'r' && (l[3] == b'f' || l[3] == b'p')));
        if !is_routine || self.parens > 0 {
            return;
        }
        match lower.as_str() {
            "begin" => self.depth += 1,
            "case" if self.depth >= 1 => self.depth += 1,
            "end" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// The statements only, in file order.
pub fn statements(sql: &str) -> Vec<Segment<'_>> {
    split(sql).into_iter().filter(|s| s.is_statement).collect()
}

fn segment(sql: &str, start: usize, end: usize, first_token: Option<usize>) -> Segment<'_> {
    let anchor = first_token.unwrap_or(start);
    Segment {
        text: &sql[start..end],
        offset: start,
        line: line_at(sql, anchor),
        is_statement: first_token.is_some_and(|t| sql.as_bytes()[t] != b';'),
    }
}

/// 1-based line number of a byte offset.
pub fn line_at(sql: &str, offset: usize) -> usize {
    1 + sql.as_bytes()[..offset.min(sql.len())].iter().filter(|&&b| b == b'\n').count()
}

fn is_comment_start(b: u8, next: Option<u8>) -> bool {
    (b == b'-' && next == Some(b'-')) || (b == b'/' && next == Some(b'*'))
}

/// Identifier characters, including `$` (allowed after the first character) and any
/// non-ASCII byte, so `a$b$` is an identifier and not a dollar quote.
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_ident_byte_at(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_some_and(|&b| is_ident_byte(b))
}

/// Length of a dollar-quote tag (`$$` or `$tag$`) at the start of `bytes`, if it is one.
/// A tag cannot start with a digit, which keeps `$1` a parameter.
/// <https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-DOLLAR-QUOTING>
fn dollar_tag_len(bytes: &[u8]) -> Option<usize> {
    let mut j = 1;
    while j < bytes.len() {
        let b = bytes[j];
        if b == b'$' {
            return Some(j + 1);
        }
        let allowed = b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 || (j > 1 && b.is_ascii_digit());
        if !allowed {
            return None;
        }
        j += 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
