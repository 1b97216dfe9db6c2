//! The engine's progress hook: the one [`crate::progress::Progress`] (a bar per table on a
//! terminal, start/end and heartbeat lines in a log, nothing when hidden).

pub use crate::progress::Progress;
