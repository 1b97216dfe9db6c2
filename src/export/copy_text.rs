//! Splits the text format of `COPY ... TO STDOUT` into rows and fields, undoing its
//! escapes (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2).

/// Feeds on COPY data in whatever chunks it arrives and yields complete lines.
#[derive(Debug, Default)]
pub struct LineBuffer {
    carry: Vec<u8>,
}

impl LineBuffer {
    /// Calls `line` for each complete line in `carry + chunk`, keeping the rest.
    pub fn feed<E>(&mut self, chunk: &[u8], mut line: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        let mut start = 0;
        if !self.carry.is_empty() {
            let Some(end) = chunk.iter().position(|&b| b == b'\n') else {
                self.carry.extend_from_slice(chunk);
                return Ok(());
            };
            self.carry.extend_from_slice(&chunk[..end]);
            let carried = std::mem::take(&mut self.carry);
            line(&carried)?;
            start = end + 1;
        }
        let rest = &chunk[start..];
        let mut from = 0;
        for (i, &b) in rest.iter().enumerate() {
            if b == b'\n' {
                line(&rest[from..i])?;
                from = i + 1;
            }
        }
        self.carry.extend_from_slice(&rest[from..]);
        Ok(())
    }

    /// True when no partial line is left over (the stream ended on a line boundary).
    pub fn is_empty(&self) -> bool {
        self.carry.is_empty()
    }
}

/// The fields of one line: `None` for `\N`, else the unescaped text.
pub fn split_fields(line: &[u8]) -> Vec<Option<String>> {
    line.split(|&b| b == b'\t').map(|field| if field == b"\\N" { None } else { Some(unescape(field)) }).collect()
}

fn unescape(field: &[u8]) -> String {
    if !field.contains(&b'\\') {
        return String::from_utf8_lossy(field).into_owned();
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        if b != b'\\' || i + 1 == field.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let next = field[i + 1];
        i += 2;
        match next {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut value = (next - b'0') as u32;
                for _ in 0..2 {
                    match field.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(value as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_unescaped_and_null_is_none() {
        assert_eq!(split_fields(b"1\t\\N\ta\\tb\\\\c\\nd"), vec![Some("1".into()), None, Some("a\tb\\c\nd".into())]);
        assert_eq!(split_fields(b"\\\\N"), vec![Some("\\N".into())]);
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let mut buffer = LineBuffer::default();
        let mut lines = Vec::new();
        for chunk in [&b"ab"[..], b"c\nde", b"f\n", b"g\nh\n"] {
            buffer.feed::<()>(chunk, |l| {
                lines.push(String::from_utf8(l.to_vec()).unwrap());
                Ok(())
            }).unwrap();
        }
        assert_eq!(lines, ["abc", "def", "g", "h"]);
        assert!(buffer.is_empty());
    }
}
