//! Realistic column values from `fake`'s English word lists: emails, names, sentences,
//! hashes, colours, and dates spread over a decade. The kind is inferred once per column
//! from its type and name; writing a value is allocation-free.

use fake::locales::{Data, EN};

use super::rng::CellRng;
use super::text_out::{push_date, push_timestamp, push_u64};
use super::uuid_text::{canonical_bytes, push_canonical};
use crate::dataset::model::{BaseType, ColumnModel};

/// 2015-01-01 and 2025-12-31 as days since 1970: dates spread over eleven years.
const FIRST_DAY: i64 = 16_436;
const LAST_DAY: i64 = 20_453;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Email,
    PersonName,
    /// A few words, as for a tag or a label.
    Words,
    /// A sentence without its full stop, as for a title.
    Title,
    /// One to three sentences.
    Paragraph,
    /// A bcrypt-shaped hash.
    Hash,
    /// `#rrggbb`.
    Color,
    /// A canonical UUID string, for uuid-like text that is not a key.
    UuidText,
    Bool { true_per_mille: u64 },
    Integer { low: u64, high: u64 },
    /// `low..=high` before the decimal point, and two decimals.
    Numeric { low: u64, high: u64 },
    Date,
    Timestamp { with_zone: bool },
    Json,
    Bytea,
}

impl ValueKind {
    /// Chooses a kind from the column's type and name; `None` for types it cannot fill.
    pub fn infer(column: &ColumnModel) -> Option<ValueKind> {
        let name = column.name.to_ascii_lowercase();
        let has = |part: &str| name.contains(part);
        Some(match &column.base {
            BaseType::Text if name == "id" || name.ends_with("_id") || name.ends_with("uuid") => ValueKind::UuidText,
            BaseType::Text if has("email") => ValueKind::Email,
            BaseType::Text if has("hash") || has("password") || has("token") => ValueKind::Hash,
            BaseType::Text if has("colo") => ValueKind::Color,
            BaseType::Text if name == "display_name" || name == "full_name" || has("first") || has("last") || has("author") => ValueKind::PersonName,
            BaseType::Text if has("title") || has("subject") || has("summary") => ValueKind::Title,
            BaseType::Text if has("content") || has("body") || has("message") || has("description") || has("note") || has("text") => ValueKind::Paragraph,
            BaseType::Text => ValueKind::Words,
            BaseType::Bool if name.starts_with("is_active") || has("enabled") => ValueKind::Bool { true_per_mille: 900 },
            BaseType::Bool if has("done") || has("deleted") => ValueKind::Bool { true_per_mille: 300 },
            BaseType::Bool => ValueKind::Bool { true_per_mille: 500 },
            BaseType::Int2 if has("mood") || has("rating") || has("score") => ValueKind::Integer { low: 1, high: 5 },
            BaseType::Int2 => ValueKind::Integer { low: 0, high: 100 },
            BaseType::Int4 | BaseType::Int8 if has("qty") || has("quantity") || has("count") => ValueKind::Integer { low: 1, high: 20 },
            BaseType::Int4 | BaseType::Int8 => ValueKind::Integer { low: 0, high: 100_000 },
            BaseType::Numeric | BaseType::Float => ValueKind::Numeric { low: 1, high: 499 },
            BaseType::Date => ValueKind::Date,
            BaseType::Timestamp => ValueKind::Timestamp { with_zone: false },
            BaseType::Timestamptz => ValueKind::Timestamp { with_zone: true },
            BaseType::Uuid => ValueKind::UuidText,
            BaseType::Json => ValueKind::Json,
            BaseType::Bytea => ValueKind::Bytea,
            BaseType::Other(_) => return None,
        })
    }

    /// Writes one value. With `unique_row`, text kinds embed the row number so that the
    /// column satisfies any unique constraint it takes part in.
    pub fn write(self, rng: &mut CellRng, unique_row: Option<u64>, out: &mut Vec<u8>) {
        match self {
            ValueKind::Email => write_email(rng, unique_row, out),
            ValueKind::PersonName => {
                write_word(out, rng.pick(EN::NAME_FIRST_NAME));
                out.push(b' ');
                write_word(out, rng.pick(EN::NAME_LAST_NAME));
            }
            ValueKind::Words => {
                let count = 1 + rng.below(2) as usize;
                write_words(rng, count, out)
            }
            ValueKind::Title => {
                let count = 3 + rng.below(5) as usize;
                write_sentence(rng, count, false, out)
            }
            ValueKind::Paragraph => {
                for i in 0..1 + rng.below(3) {
                    if i > 0 {
                        out.push(b' ');
                    }
                    let count = 4 + rng.below(10) as usize;
                    write_sentence(rng, count, true, out);
                }
            }
            ValueKind::Hash => write_hash(rng, out),
            ValueKind::Color => write_color(rng, out),
            ValueKind::UuidText => push_canonical(out, &canonical_bytes(rng.next_u64_pub(), 0)),
            ValueKind::Bool { true_per_mille } => out.push(if rng.below(1000) < true_per_mille { b't' } else { b'f' }),
            ValueKind::Integer { low, high } => push_u64(out, low + rng.below(high - low + 1)),
            ValueKind::Numeric { low, high } => {
                push_u64(out, low + rng.below(high - low + 1));
                out.push(b'.');
                let cents = rng.below(100);
                out.push(b'0' + (cents / 10) as u8);
                out.push(b'0' + (cents % 10) as u8);
            }
            ValueKind::Date => push_date(out, FIRST_DAY + rng.below((LAST_DAY - FIRST_DAY) as u64) as i64),
            ValueKind::Timestamp { with_zone } => {
                let span = ((LAST_DAY - FIRST_DAY) * 86_400) as u64;
                push_timestamp(out, FIRST_DAY * 86_400 + rng.below(span) as i64, with_zone);
            }
            ValueKind::Json => {
                out.extend_from_slice(b"{\"source\": \"legacy\", \"version\": ");
                push_u64(out, 1 + rng.below(9));
                out.push(b'}');
            }
            ValueKind::Bytea => {
                out.extend_from_slice(b"\\\\x");
                write_hex(rng, 16, out);
            }
        }
        self.write_row_suffix(unique_row, out);
    }

    /// With `unique_row`, appends `-row` to text kinds so the value is unique.
    pub fn write_row_suffix(self, unique_row: Option<u64>, out: &mut Vec<u8>) {
        if let (Some(row), true) = (unique_row, self.takes_row_suffix()) {
            out.push(b'-');
            push_u64(out, row);
        }
    }

    /// Whether unique values of this kind carry the row number (edge values may then
    /// repeat across rows without breaking a unique constraint).
    pub fn takes_row_suffix(self) -> bool {
        matches!(self, ValueKind::PersonName | ValueKind::Words | ValueKind::Title | ValueKind::Paragraph | ValueKind::Hash)
    }

    /// Whether the kind produces text a duplicate can vary in case or whitespace.
    pub fn is_text(self) -> bool {
        !matches!(self, ValueKind::Bool { .. } | ValueKind::Integer { .. } | ValueKind::Numeric { .. } | ValueKind::Date | ValueKind::Timestamp { .. } | ValueKind::Json | ValueKind::Bytea)
    }
}

impl CellRng {
    /// A raw 64-bit draw, named apart from `RngCore` so call sites need no trait import.
    pub fn next_u64_pub(&mut self) -> u64 {
        rand::RngCore::next_u64(self)
    }
}

fn write_word(out: &mut Vec<u8>, word: &str) {
    out.extend_from_slice(word.as_bytes());
}

fn write_lower(out: &mut Vec<u8>, word: &str) {
    out.extend(word.bytes().filter(|b| b.is_ascii_alphanumeric()).map(|b| b.to_ascii_lowercase()));
}

fn write_email(rng: &mut CellRng, unique_row: Option<u64>, out: &mut Vec<u8>) {
    write_lower(out, rng.pick(EN::NAME_FIRST_NAME));
    out.push(b'.');
    write_lower(out, rng.pick(EN::NAME_LAST_NAME));
    if let Some(row) = unique_row {
        push_u64(out, row);
    }
    out.push(b'@');
    out.extend_from_slice(rng.pick(EN::INTERNET_FREE_EMAIL_PROVIDER).as_bytes());
}

fn write_words(rng: &mut CellRng, count: usize, out: &mut Vec<u8>) {
    for i in 0..count {
        if i > 0 {
            out.push(b' ');
        }
        write_word(out, rng.pick(EN::LOREM_WORD));
    }
}

fn write_sentence(rng: &mut CellRng, words: usize, full_stop: bool, out: &mut Vec<u8>) {
    let start = out.len();
    write_words(rng, words, out);
    out[start] = out[start].to_ascii_uppercase();
    if full_stop {
        out.push(b'.');
    }
}

fn write_hex(rng: &mut CellRng, bytes: usize, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..bytes {
        let byte = rng.below(256) as usize;
        out.push(HEX[byte >> 4]);
        out.push(HEX[byte & 15]);
    }
}

fn write_hash(rng: &mut CellRng, out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    out.extend_from_slice(b"$2b$12$");
    for _ in 0..53 {
        out.push(ALPHABET[rng.below(64) as usize]);
    }
}

fn write_color(rng: &mut CellRng, out: &mut Vec<u8>) {
    out.push(b'#');
    write_hex(rng, 3, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, base: BaseType) -> ColumnModel {
        ColumnModel { name: name.into(), base, not_null: true, ..ColumnModel::default() }
    }

    #[test]
    fn infers_kinds_from_names_and_types() {
        assert_eq!(ValueKind::infer(&column("email", BaseType::Text)), Some(ValueKind::Email));
        assert_eq!(ValueKind::infer(&column("user_id", BaseType::Text)), Some(ValueKind::UuidText));
        assert_eq!(ValueKind::infer(&column("color", BaseType::Text)), Some(ValueKind::Color));
        assert_eq!(ValueKind::infer(&column("x", BaseType::Other("tsvector".into()))), None);
    }

    #[test]
    fn emails_with_a_row_are_lowercase_and_distinct() {
        let write = |row: u64| {
            let mut out = Vec::new();
            ValueKind::Email.write(&mut CellRng::new(1, row, 0), Some(row), &mut out);
            String::from_utf8(out).unwrap()
        };
        let (a, b) = (write(1), write(2));
        assert_ne!(a, b);
        assert_eq!(a, a.to_lowercase());
        assert!(a.contains('@'));
    }
}
