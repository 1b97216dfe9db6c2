//! The one set of bars on this process's terminal, and a stderr writer for log lines that
//! hides the bars while it writes, so a warning never lands in the middle of a bar.

use std::io::Write;
use std::sync::OnceLock;

use indicatif::{MultiProgress, ProgressDrawTarget};

static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// The bars every [`super::Progress`] on stderr draws into.
pub(super) fn bars() -> MultiProgress {
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())).clone()
}

/// Stderr for log lines (the tracing subscriber's writer).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match BARS.get() {
            Some(bars) => bars.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        LogWriter
    }
}
