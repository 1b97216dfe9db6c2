//! Progress bars (rows/s and ETA) on stderr for people; nothing for JSON output or tests.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars on stderr (indicatif hides them by itself when stderr is not a terminal).
    pub fn visible() -> Self {
        Progress { multi: Some(MultiProgress::with_draw_target(ProgressDrawTarget::stderr())) }
    }

    pub fn hidden() -> Self {
        Progress { multi: None }
    }

    /// Whether anyone sees the bars (so counting rows for them is worth a scan).
    pub fn is_visible(&self) -> bool {
        self.multi.is_some()
    }

    /// A bar for `label` with `total` rows, `done` of them already converted by an
    /// earlier (interrupted) run.
    pub fn bar(&self, label: &str, total: u64, done: u64) -> ProgressBar {
        let Some(multi) = &self.multi else { return ProgressBar::hidden() };
        let bar = multi.add(ProgressBar::new(total));
        let style = ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} rows  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        bar.set_position(done);
        bar.reset_eta();
        bar
    }
}
