//! The varieties of each anomaly kind, as scenarios name them (`varieties = [...]`) and
//! the ground truth records them. How each variety is rendered lives in
//! `dataset::anomaly::uuid_forms`.

use super::AnomalyKind;

/// Strings that Postgres's uuid input rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvalidVariety {
    /// One hex digit short (35 characters).
    TooShort,
    /// Three hex digits too many, without hyphens (35 characters).
    TooLong,
    /// A letter outside 0-9a-f.
    NonHex,
    /// The empty string. At most once in a unique column.
    Empty,
    /// Hex digits with a space on each side.
    WhitespacePadded,
    /// The string `null`. At most once in a unique column.
    NullString,
    /// Cut after the fourth group.
    Truncated,
}

/// Strings Postgres accepts as uuid whose text is not canonical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoncanonicalVariety {
    Uppercase,
    MixedCase,
    /// `{` + 32 hex digits + `}`: braces without hyphens, to fit `varchar(36)`.
    Braces,
    NoHyphens,
}

impl InvalidVariety {
    pub const ALL: [InvalidVariety; 7] = [
        InvalidVariety::TooShort,
        InvalidVariety::TooLong,
        InvalidVariety::NonHex,
        InvalidVariety::Empty,
        InvalidVariety::WhitespacePadded,
        InvalidVariety::NullString,
        InvalidVariety::Truncated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvalidVariety::TooShort => "too_short",
            InvalidVariety::TooLong => "too_long",
            InvalidVariety::NonHex => "non_hex",
            InvalidVariety::Empty => "empty",
            InvalidVariety::WhitespacePadded => "whitespace_padded",
            InvalidVariety::NullString => "null_string",
            InvalidVariety::Truncated => "truncated",
        }
    }
}

impl NoncanonicalVariety {
    pub const ALL: [NoncanonicalVariety; 4] =
        [NoncanonicalVariety::Uppercase, NoncanonicalVariety::MixedCase, NoncanonicalVariety::Braces, NoncanonicalVariety::NoHyphens];

    pub fn as_str(self) -> &'static str {
        match self {
            NoncanonicalVariety::Uppercase => "uppercase",
            NoncanonicalVariety::MixedCase => "mixed_case",
            NoncanonicalVariety::Braces => "braces",
            NoncanonicalVariety::NoHyphens => "no_hyphens",
        }
    }
}

/// Every variety of `kind`; empty for kinds that have none.
pub fn varieties(kind: AnomalyKind) -> Vec<&'static str> {
    match kind {
        AnomalyKind::InvalidUuid => InvalidVariety::ALL.iter().map(|v| v.as_str()).collect(),
        AnomalyKind::NoncanonicalUuid => NoncanonicalVariety::ALL.iter().map(|v| v.as_str()).collect(),
        AnomalyKind::CaseCollision => vec!["uppercase", "mixed_case"],
        AnomalyKind::Duplicate => vec!["exact", "case", "whitespace"],
        AnomalyKind::Orphan | AnomalyKind::Null | AnomalyKind::Dependent => Vec::new(),
    }
}
