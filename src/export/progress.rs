//! Progress per table in rows/s: a bar on a terminal, one line per table otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Draw bars (stderr is a terminal) or print a line per table.
    is_terminal: bool,
    /// Print nothing at all.
    is_quiet: bool,
}

impl Progress {
    pub fn new(is_quiet: bool) -> Progress {
        Progress { is_terminal: std::io::stderr().is_terminal(), is_quiet }
    }

    pub fn quiet() -> Progress {
        Progress { is_terminal: false, is_quiet: true }
    }

    /// Starts one table's progress; `verb` is "export" or "verify".
    pub fn table(&self, verb: &'static str, name: &str) -> TableProgress {
        let bar = (self.is_terminal && !self.is_quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} {msg:<28} {human_pos} rows, {per_sec}").expect("valid template"));
            bar.set_message(format!("{verb} {name}"));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        TableProgress { bar, start: Instant::now(), name: name.to_string(), verb, is_quiet: self.is_quiet }
    }
}

pub struct TableProgress {
    bar: Option<ProgressBar>,
    start: Instant,
    name: String,
    verb: &'static str,
    is_quiet: bool,
}

impl TableProgress {
    pub fn inc(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    pub fn finish(&self, rows: u64) {
        let secs = self.start.elapsed().as_secs_f64();
        let line = format!("{} {}: {rows} rows in {secs:.2} s ({:.0} rows/s)", self.verb, self.name, rows as f64 / secs.max(1e-9));
        match &self.bar {
            Some(bar) => bar.finish_with_message(line),
            None if !self.is_quiet => eprintln!("{line}"),
            None => {}
        }
    }
}
