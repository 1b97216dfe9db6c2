//! UUID keys as text: canonical keys that are unique by construction, and the
//! non-canonical and invalid forms the anomalies use. Every form fits `varchar(36)`.

use super::rng::{mix, mix64};

/// The canonical (lowercase, hyphenated) v4 UUID of row `row` in a key space `salt`.
///
/// The last 48 bits are a bijection of the row number, so keys within one key space never
/// collide; the rest is hashed so keys look random.
pub fn canonical_bytes(salt: u64, row: u64) -> [u8; 16] {
    let hi = mix(&[salt, row]);
    let lo_low48 = permute48(row ^ (salt & MASK48), salt);
    let lo_high16 = mix64(hi ^ salt) as u16;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..10].copy_from_slice(&lo_high16.to_be_bytes());
    bytes[10..].copy_from_slice(&lo_low48.to_be_bytes()[2..]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

const MASK48: u64 = (1 << 48) - 1;

/// An invertible mix of 48-bit values (odd multiplier and xor-shifts, all mod 2^48).
fn permute48(mut x: u64, salt: u64) -> u64 {
    let multiplier = (mix64(salt) | 1) & MASK48;
    for _ in 0..2 {
        x = x.wrapping_mul(multiplier) & MASK48;
        x ^= x >> 24;
    }
    x
}

/// Writes the canonical text of `bytes` (36 characters).
pub fn push_canonical(out: &mut Vec<u8>, bytes: &[u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[(byte >> 4) as usize]);
        out.push(HEX[(byte & 0x0f) as usize]);
    }
}

pub fn canonical(salt: u64, row: u64) -> String {
    let mut out = Vec::with_capacity(36);
    push_canonical(&mut out, &canonical_bytes(salt, row));
    String::from_utf8(out).expect("hex is ascii")
}

/// The 32 hex digits without hyphens.
pub fn hex32(canonical: &str) -> String {
    canonical.replace('-', "")
}

/// Upper-cases every other hex letter, starting with the first; the result always has at
/// least one upper- and, when there are two letters, one lower-case letter.
pub fn mixed_case(canonical: &str) -> String {
    let mut upper = true;
    canonical
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphabetic() {
                let out = if upper { ch.to_ascii_uppercase() } else { ch };
                upper = !upper;
                out
            } else {
                ch
            }
        })
        .collect()
}

pub fn has_letter(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn canonical_keys_are_v4_shaped_and_unique() {
        let keys: BTreeSet<String> = (0..5000).map(|row| canonical(42, row)).collect();
        assert_eq!(keys.len(), 5000);
        let key = keys.iter().next().unwrap();
        assert_eq!(key.len(), 36);
        assert_eq!(&key[14..15], "4");
        assert!(uuid::Uuid::parse_str(key).is_ok());
        assert_eq!(uuid::Uuid::parse_str(key).unwrap().to_string(), *key);
    }

    #[test]
    fn mixed_case_differs_only_in_case() {
        let key = canonical(1, 1);
        let mixed = mixed_case(&key);
        assert_eq!(mixed.to_lowercase(), key);
        assert_ne!(mixed, key);
    }
}
