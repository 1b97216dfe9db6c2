//! The varieties of bad and non-canonical UUID text, each derived from a row's canonical
//! key so that keys stay unique. Every form is at most 36 characters, so it fits the
//! `varchar(36)` columns legacy schemas use.

use crate::dataset::generate::uuid_text::{has_letter, hex32, mixed_case};
use crate::vocabulary::{InvalidVariety, NoncanonicalVariety};

impl InvalidVariety {
    /// Whether every row gets a different string (so the variety may repeat in a unique
    /// column).
    pub fn is_row_specific(self) -> bool {
        !matches!(self, InvalidVariety::Empty | InvalidVariety::NullString)
    }

    /// The invalid text derived from a canonical key.
    pub fn apply(self, canonical: &str) -> String {
        match self {
            InvalidVariety::TooShort => canonical[1..].to_string(),
            InvalidVariety::TooLong => format!("{}{}", hex32(canonical), &canonical[..3]),
            InvalidVariety::NonHex => format!("g{}", &canonical[1..]),
            InvalidVariety::Empty => String::new(),
            InvalidVariety::WhitespacePadded => format!(" {} ", hex32(canonical)),
            InvalidVariety::NullString => "null".to_string(),
            InvalidVariety::Truncated => canonical[..23].to_string(),
        }
    }
}

impl NoncanonicalVariety {
    /// The variety actually usable for this key: a key without hex letters cannot change
    /// case, so it gets braces instead.
    pub fn usable_for(self, canonical: &str) -> NoncanonicalVariety {
        match self {
            NoncanonicalVariety::Uppercase | NoncanonicalVariety::MixedCase if !has_letter(canonical) => NoncanonicalVariety::Braces,
            other => other,
        }
    }

    pub fn apply(self, canonical: &str) -> String {
        match self.usable_for(canonical) {
            NoncanonicalVariety::Uppercase => canonical.to_ascii_uppercase(),
            NoncanonicalVariety::MixedCase => mixed_case(canonical),
            NoncanonicalVariety::Braces => format!("{{{}}}", hex32(canonical)),
            NoncanonicalVariety::NoHyphens => hex32(canonical),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::generate::uuid_text::canonical;

    #[test]
    fn every_form_fits_varchar_36_and_invalid_forms_do_not_parse() {
        let key = canonical(9, 9);
        for variety in InvalidVariety::ALL {
            let text = variety.apply(&key);
            assert!(text.len() <= 36, "{variety:?} is {} chars", text.len());
            assert!(uuid::Uuid::try_parse(&text).is_err() || variety == InvalidVariety::WhitespacePadded, "{variety:?}: {text}");
        }
        for variety in NoncanonicalVariety::ALL {
            let text = variety.apply(&key);
            assert!(text.len() <= 36);
            assert_ne!(text, key);
            assert_eq!(text.to_lowercase().replace(['{', '}', '-'], ""), key.replace('-', ""), "{variety:?}: {text}");
        }
    }
}
