//! Values from the edges of each type's domain, which real data has and tidy generated
//! data lacks: microseconds, other time zones, DST transitions, far past and future; text
//! at its length limit, multi-byte, combining marks, emoji, padding, empty; numerics at
//! full precision and scale; deep, unicode and large JSON; v1, v7, nil and max UUIDs.
//! They are valid values, not anomalies: the ground truth does not record them.

use fake::locales::{Data, EN};

use super::rng::CellRng;
use super::text_out::{push_escaped, push_timestamp};
use super::uuid_text::push_canonical;

/// Which family of edge values a column takes, decided once per column at plan time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EdgeKind {
    /// Free text. `max_chars` is what the value may use (the column's limit, less room for
    /// a uniqueness suffix); `allow_empty` is false under `<> ''` checks.
    Text { max_chars: Option<usize>, allow_empty: bool },
    Timestamp { with_zone: bool },
    Date,
    /// Both ends of the type's range (or of its CHECK bounds), and 0, -1 when they fit.
    Integer { min: i64, max: i64 },
    /// `numeric(p, s)` when known; `bounds` from CHECK constraints.
    Numeric { precision_scale: Option<(u32, u32)>, bounds: (Option<f64>, Option<f64>) },
    Float { is_real: bool },
    Json,
    Uuid,
    Bytea,
}

/// Text longer than this is unusual in a column without a limit; 8 KB also crosses the
/// 2 KB TOAST threshold, so compression and out-of-line storage are exercised.
const LONG_TEXT: usize = 8192;

impl EdgeKind {
    /// Writes one edge value in COPY text form (already escaped).
    pub fn write(self, rng: &mut CellRng, out: &mut Vec<u8>) {
        match self {
            EdgeKind::Text { max_chars, allow_empty } => write_text(rng, max_chars, allow_empty, out),
            EdgeKind::Timestamp { with_zone } => write_timestamp(rng, with_zone, out),
            EdgeKind::Date => out.extend_from_slice(pick(rng, &["0001-01-01", "9999-12-31", "2000-02-29", "1970-01-01", "1899-12-31", "2038-01-19"]).as_bytes()),
            EdgeKind::Integer { min, max } => write_integer(rng, min, max, out),
            EdgeKind::Numeric { precision_scale, bounds } => write_numeric(rng, precision_scale, bounds, out),
            EdgeKind::Float { is_real } => {
                let values: &[&str] = if is_real {
                    &["3.4028235e+38", "-3.4028235e+38", "1.1754944e-38", "-0", "0.1", "16777217"]
                } else {
                    &["1.7976931348623157e+308", "-1.7976931348623157e+308", "2.2250738585072014e-308", "-0", "0.1", "9007199254740993"]
                };
                out.extend_from_slice(pick(rng, values).as_bytes());
            }
            EdgeKind::Json => write_json(rng, out),
            EdgeKind::Uuid => write_uuid(rng, out),
            EdgeKind::Bytea => match rng.below(3) {
                0 => out.extend_from_slice(b"\\\\x"),
                1 => out.extend_from_slice(b"\\\\x00ff00ff"),
                _ => {
                    out.extend_from_slice(b"\\\\x");
                    for _ in 0..4096 {
                        push_hex_byte(out, rng.below(256) as u8);
                    }
                }
            },
        }
    }
}

fn pick<'a>(rng: &mut CellRng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// The named edge kinds of text, each mixed with a random word so rows differ.
const MULTI_BYTE: &[&str] = &["Zürich", "東京都", "Ελληνικά", "Москва", "Kraków", "São Paulo", "서울", "مرحبا"];
const COMBINING: &[&str] = &["Cafe\u{301}", "Ame\u{301}lie", "n\u{303}andu\u{301}", "Ko\u{308}ln", "A\u{30a}ngstro\u{308}m"];
const EMOJI: &[&str] = &["🎉", "👩‍💻", "🇯🇵", "👍🏽", "🧑‍🤝‍🧑", "❤️"];

fn write_text(rng: &mut CellRng, max_chars: Option<usize>, allow_empty: bool, out: &mut Vec<u8>) {
    let word = rng.pick(EN::LOREM_WORD);
    let mut text = match rng.below(8) {
        0 | 1 => {
            // A long tail of lengths: a quarter exactly at the limit, the rest spread below it.
            let cap = max_chars.unwrap_or(LONG_TEXT);
            let length = if rng.below(4) == 0 { cap } else { ((cap as f64 * rng.unit().powi(2)).ceil() as usize).max(1) };
            let mut text = String::with_capacity(length + 16);
            while text.len() < length {
                text.push_str(rng.pick(EN::LOREM_WORD));
                text.push(' ');
            }
            text.truncate(length);
            if text.ends_with(' ') {
                text.pop();
                text.push('x');
            }
            text
        }
        2 => format!("{} {word}", pick(rng, MULTI_BYTE)),
        3 => format!("{} {word}", pick(rng, COMBINING)),
        4 => format!("{word} {}", pick(rng, EMOJI)),
        5 => format!("  {word}  "),
        6 if allow_empty => String::new(),
        _ => format!("{word}\r\nsecond line\tand a tab"),
    };
    // Cut by characters before escaping, so no escape sequence is split.
    if let Some((index, _)) = max_chars.and_then(|max| text.char_indices().nth(max)) {
        text.truncate(index);
    }
    push_escaped(out, &text);
}

/// Instants real timestamps have and round generated ones do not: sub-second precision,
/// offsets other than UTC, DST transitions, and the far ends of the range.
fn write_timestamp(rng: &mut CellRng, with_zone: bool, out: &mut Vec<u8>) {
    // 2015-01-01 .. 2026-01-01, as in the regular values.
    let base = 1_420_070_400 + rng.below(11 * 365 * 86_400) as i64;
    match rng.below(5) {
        0 | 1 => {
            push_timestamp(out, base, false);
            out.push(b'.');
            let micros = 1 + rng.below(999_999);
            let digits = micros.to_string();
            out.extend(std::iter::repeat_n(b'0', 6 - digits.len()));
            out.extend_from_slice(digits.as_bytes());
            if with_zone {
                out.extend_from_slice(b"+00");
            }
        }
        2 => {
            push_timestamp(out, base, false);
            if with_zone {
                out.extend_from_slice(pick(rng, &["+05:30", "-08", "+13:45", "-03:30", "+14", "-11"]).as_bytes());
            }
        }
        3 => {
            // The hour clocks skip or repeat: US and EU spring forward and fall back.
            let (zoned, local) = [
                ("2024-03-10 07:00:00+00", "2024-03-10 02:30:00"),
                ("2024-11-03 05:59:59.999999+00", "2024-11-03 01:30:00"),
                ("2024-03-31 01:00:00+00", "2024-03-31 02:30:00"),
                ("2024-10-27 00:59:59.999999+00", "2024-10-27 02:30:00"),
            ][rng.below(4) as usize];
            out.extend_from_slice(if with_zone { zoned } else { local }.as_bytes());
        }
        _ => {
            let (zoned, local) = [
                ("0001-01-01 12:00:00+00", "0001-01-01 00:00:00"),
                ("1900-01-01 00:00:00+00", "1900-01-01 00:00:00"),
                ("1901-12-13 20:45:52+00", "1901-12-13 20:45:52"),
                ("2038-01-19 03:14:08+00", "2038-01-19 03:14:08"),
                ("9999-12-31 11:59:59.999999+00", "9999-12-31 23:59:59.999999"),
            ][rng.below(5) as usize];
            out.extend_from_slice(if with_zone { zoned } else { local }.as_bytes());
        }
    }
}

fn write_integer(rng: &mut CellRng, min: i64, max: i64, out: &mut Vec<u8>) {
    let candidates = [min, max, 0, -1, 1];
    let fitting: Vec<i64> = candidates.into_iter().filter(|v| (min..=max).contains(v)).collect();
    out.extend_from_slice(fitting[rng.below(fitting.len() as u64) as usize].to_string().as_bytes());
}

fn write_numeric(rng: &mut CellRng, precision_scale: Option<(u32, u32)>, bounds: (Option<f64>, Option<f64>), out: &mut Vec<u8>) {
    if let (Some(min), Some(max)) = bounds {
        let value = if rng.below(2) == 0 { min } else { max };
        out.extend_from_slice(value.to_string().as_bytes());
        return;
    }
    let negative = bounds.0.is_none_or(|min| min < 0.0) && rng.below(2) == 0;
    if negative {
        out.push(b'-');
    }
    match precision_scale {
        // All digits used: the largest value, or the smallest step.
        Some((precision, scale)) => {
            let integer_digits = precision.saturating_sub(scale) as usize;
            if rng.below(2) == 0 || integer_digits == 0 {
                out.extend(std::iter::repeat_n(b'9', integer_digits.max(1)));
                if integer_digits == 0 {
                    out.truncate(out.len() - 1);
                    out.push(b'0');
                }
                if scale > 0 {
                    out.push(b'.');
                    out.extend(std::iter::repeat_n(b'9', scale as usize));
                }
            } else if scale > 0 {
                out.extend_from_slice(b"0.");
                out.extend(std::iter::repeat_n(b'0', scale as usize - 1));
                out.push(b'1');
            } else {
                out.push(b'1');
            }
        }
        // Unconstrained numeric: more digits than any float holds.
        None => {
            for _ in 0..30 {
                out.push(b'0' + rng.below(10) as u8);
            }
            out.push(b'.');
            for _ in 0..30 {
                out.push(b'0' + rng.below(10) as u8);
            }
            out.push(b'1');
        }
    }
}

fn write_json(rng: &mut CellRng, out: &mut Vec<u8>) {
    let mut text = String::new();
    match rng.below(3) {
        0 => {
            let depth = 10 + rng.below(20);
            for level in 0..depth {
                text.push_str(&format!("{{\"level\": {level}, \"items\": [null, true, 1.5e10, "));
            }
            text.push_str("\"deep\"");
            for _ in 0..depth {
                text.push_str("]}");
            }
        }
        1 => text.push_str(&format!(
            "{{\"name\": \"Zoë {} 東京 🎉\", \"escaped\": \"\\u00e9\\n\\\"quoted\\\"\", \"empty\": {{}}, \"list\": []}}",
            rng.pick(EN::LOREM_WORD)
        )),
        _ => {
            text.push_str("{\"rows\": [");
            for i in 0..400 {
                if i > 0 {
                    text.push_str(", ");
                }
                text.push_str(&format!("{{\"id\": {i}, \"word\": \"{}\"}}", rng.pick(EN::LOREM_WORD)));
            }
            text.push_str("]}");
        }
    }
    push_escaped(out, &text);
}

fn write_uuid(rng: &mut CellRng, out: &mut Vec<u8>) {
    let mut bytes = [0u8; 16];
    match rng.below(4) {
        0 => {
            // v1: a 60-bit timestamp split across the fields, a clock sequence and a node.
            bytes[..8].copy_from_slice(&rng.next_u64_pub().to_be_bytes());
            bytes[8..].copy_from_slice(&rng.next_u64_pub().to_be_bytes());
            bytes[6] = (bytes[6] & 0x0f) | 0x10;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
        }
        1 => {
            // v7: 48 bits of Unix milliseconds first, so values sort by time.
            let millis = 1_700_000_000_000u64 + rng.below(100_000_000_000);
            bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
            bytes[6..14].copy_from_slice(&rng.next_u64_pub().to_be_bytes());
            bytes[14] = rng.below(256) as u8;
            bytes[15] = rng.below(256) as u8;
            bytes[6] = (bytes[6] & 0x0f) | 0x70;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
        }
        2 => {}
        _ => bytes = [0xff; 16],
    }
    push_canonical(out, &bytes);
}

fn push_hex_byte(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(HEX[(byte >> 4) as usize]);
    out.push(HEX[(byte & 15) as usize]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(kind: EdgeKind, rows: u64) -> Vec<String> {
        (0..rows)
            .map(|row| {
                let mut out = Vec::new();
                kind.write(&mut CellRng::new(3, row, 1), &mut out);
                String::from_utf8(out).unwrap()
            })
            .collect()
    }

    #[test]
    fn text_respects_its_limit_and_reaches_it() {
        let values = written(EdgeKind::Text { max_chars: Some(80), allow_empty: false }, 400);
        assert!(values.iter().all(|v| v.chars().count() <= 80));
        assert!(values.iter().any(|v| v.chars().count() == 80));
        assert!(values.iter().all(|v| !v.is_empty()));
        assert!(values.iter().any(|v| v.len() > v.chars().count()), "multi-byte text among them");
    }

    #[test]
    fn numerics_use_every_digit_and_uuids_are_valid() {
        let values = written(EdgeKind::Numeric { precision_scale: Some((6, 2)), bounds: (None, None) }, 50);
        assert!(values.iter().any(|v| v.trim_start_matches('-') == "9999.99"));
        assert!(values.iter().any(|v| v.trim_start_matches('-') == "0.01"));
        let uuids = written(EdgeKind::Uuid, 100);
        for version in ['1', '7'] {
            assert!(uuids.iter().any(|u| u.as_bytes()[14] == version as u8));
        }
        assert!(uuids.iter().all(|u| uuid::Uuid::parse_str(u).is_ok()));
        assert!(uuids.contains(&"00000000-0000-0000-0000-000000000000".to_string()));
    }
}
