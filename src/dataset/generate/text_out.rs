//! Writing values in COPY text format: numbers and dates without allocation, text escaped
//! only where COPY needs it, and truncation that respects `varchar(n)`.

/// COPY's NULL marker.
pub const NULL: &[u8] = b"\\N";

/// Appends text, escaping the characters COPY text format treats specially.
pub fn push_escaped(out: &mut Vec<u8>, text: &str) {
    for &byte in text.as_bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(byte),
        }
    }
}

pub fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_2(out: &mut Vec<u8>, value: u32) {
    out.push(b'0' + (value / 10) as u8);
    out.push(b'0' + (value % 10) as u8);
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DD`.
pub fn push_date(out: &mut Vec<u8>, days: i64) {
    let (year, month, day) = civil_from_days(days);
    push_u64(out, year as u64);
    out.push(b'-');
    push_2(out, month);
    out.push(b'-');
    push_2(out, day);
}

/// `YYYY-MM-DD HH:MM:SS`, plus `+00` when `with_zone`.
pub fn push_timestamp(out: &mut Vec<u8>, seconds: i64, with_zone: bool) {
    push_date(out, seconds.div_euclid(86_400));
    let secs = seconds.rem_euclid(86_400) as u32;
    out.push(b' ');
    push_2(out, secs / 3600);
    out.push(b':');
    push_2(out, secs / 60 % 60);
    out.push(b':');
    push_2(out, secs % 60);
    if with_zone {
        out.extend_from_slice(b"+00");
    }
}

/// Cuts what was written since `start` to at most `max_chars` characters.
pub fn truncate_from(out: &mut Vec<u8>, start: usize, max_chars: Option<usize>) {
    let Some(max_chars) = max_chars else { return };
    let written = &out[start..];
    if written.len() <= max_chars {
        return;
    }
    let text = std::str::from_utf8(written).unwrap_or("");
    let cut = text.char_indices().nth(max_chars).map_or(written.len(), |(index, _)| index);
    out.truncate(start + cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_chrono() {
        for days in [0i64, 16_436, 18_321, 20_453, -1] {
            let mut out = Vec::new();
            push_date(&mut out, days);
            let expected = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(days);
            assert_eq!(String::from_utf8(out).unwrap(), expected.format("%Y-%m-%d").to_string());
        }
        let mut out = Vec::new();
        push_timestamp(&mut out, 1_600_000_000, true);
        assert_eq!(out, b"2020-09-13 12:26:40+00");
    }

    #[test]
    fn escapes_and_truncates() {
        let mut out = Vec::new();
        push_escaped(&mut out, "a\tb\\c\n");
        assert_eq!(out, b"a\\tb\\\\c\\n");
        let mut out = b"xx".to_vec();
        out.extend_from_slice("héllo".as_bytes());
        truncate_from(&mut out, 2, Some(2));
        assert_eq!(out, "xxhé".as_bytes());
        let mut out = Vec::new();
        push_u64(&mut out, 1_234_567);
        assert_eq!(out, b"1234567");
    }
}
