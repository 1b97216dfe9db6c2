//! The SHA-256 of a table's canonical row stream: each row's values in their canonical
//! text (see [`SqlValue::write_canonical`]), tab-separated, each row ended by a newline,
//! rows in key order. Both sides compute it from mapped values, so equal means equal.

use sha2::{Digest, Sha256};

use super::value::SqlValue;

#[derive(Debug, Clone, Default)]
pub struct RowHasher {
    digest: Sha256,
    line: String,
    rows: u64,
}

impl RowHasher {
    pub fn add(&mut self, row: &[SqlValue]) {
        self.line.clear();
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                self.line.push('\t');
            }
            value.write_canonical(&mut self.line);
        }
        self.line.push('\n');
        self.digest.update(self.line.as_bytes());
        self.rows += 1;
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The row count and the lowercase hex digest.
    pub fn finish(self) -> (u64, String) {
        let digest = self.digest.finalize();
        (self.rows, digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_of_the_documented_text() {
        let mut hasher = RowHasher::default();
        hasher.add(&[SqlValue::Integer(1), SqlValue::Text("a".into())]);
        hasher.add(&[SqlValue::Integer(2), SqlValue::Null]);
        let expected: String = Sha256::digest(b"1\ta\n2\t\\N\n").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hasher.finish(), (2, expected));
    }
}
