//! Conversion kinds: how a column's values become the target type. One file per kind.

mod kind;
mod text_to_timestamptz;
mod text_to_uuid;

pub use kind::Conversion;
pub use text_to_timestamptz::{TextToTimestamptz, TimestampFormat};
pub use text_to_uuid::{TextToUuid, UUID_INPUT_PATTERN};
