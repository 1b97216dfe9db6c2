//! Progress per table in rows/s: the one [`crate::progress::Progress`] (a spinner on a
//! terminal, a line as each table starts and ends otherwise).

pub use crate::progress::{Progress, Step as TableProgress};
