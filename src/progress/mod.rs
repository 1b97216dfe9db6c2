//! Progress for people, on stderr, so stdout stays the result: on a terminal an indicatif
//! bar (rows/s, ETA) or spinner per long step; in a log (piped, CI) one line as each step
//! starts and ends, with rows, rows/s and elapsed time, and a line every 10 s while it
//! runs; nothing with `--quiet`. Steps are labelled with their phase (seed, up, verify,
//! down, rerun). One [`Progress`] serves seed, the rehearsal phases, the engine and
//! export-sqlite.

mod color;
mod heartbeat;
pub mod line;
mod seed;
mod terminal;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressState, ProgressStyle};

pub use color::{paint, ColorChoice, Paint};
pub use seed::SeedProgress;
pub use terminal::LogWriter;

/// How often a long step prints a line when stderr is not a terminal.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bars and spinners, redrawn in place (stderr is a terminal).
    Bars,
    /// Plain lines: start, end, and a heartbeat on long steps.
    Lines,
    /// Nothing (`--quiet`, tests).
    Hidden,
}

struct Output {
    mode: Mode,
    color: bool,
    multi: Option<MultiProgress>,
    sink: Mutex<Box<dyn Write + Send>>,
    heartbeat: Duration,
}

impl Output {
    /// Writes one finished line: above the bars on a terminal, appended to the log otherwise.
    fn line(&self, text: &str) {
        match (self.mode, &self.multi) {
            (Mode::Hidden, _) => {}
            (Mode::Bars, Some(multi)) => {
                let _ = multi.println(text);
            }
            _ => {
                let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(sink, "{text}");
                let _ = sink.flush();
            }
        }
    }
}

/// A handle on the process's progress output, labelled with the phase it reports for.
/// Cheap to clone; every clone writes to the same place.
#[derive(Clone)]
pub struct Progress {
    out: Arc<Output>,
    /// What the phases belong to, when one output serves several (a scenario's name).
    scope: Option<Arc<str>>,
    phase: Option<Arc<str>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("mode", &self.out.mode).field("scope", &self.scope).field("phase", &self.phase).finish()
    }
}

impl Progress {
    /// Progress on stderr: bars on a terminal, lines otherwise, nothing when `quiet`.
    pub fn stderr(quiet: bool, color: ColorChoice) -> Progress {
        let mode = match (quiet, std::io::stderr().is_terminal()) {
            (true, _) => Mode::Hidden,
            (false, true) => Mode::Bars,
            (false, false) => Mode::Lines,
        };
        Progress::with(mode, color.for_stderr(), Box::new(std::io::stderr()), HEARTBEAT)
    }

    /// Progress on stderr as a terminal or a log shows it, colors by `NO_COLOR`.
    pub fn visible() -> Progress {
        Progress::stderr(false, ColorChoice::Auto)
    }

    /// Nothing shown.
    pub fn hidden() -> Progress {
        Progress::with(Mode::Hidden, false, Box::new(std::io::sink()), HEARTBEAT)
    }

    /// Lines into `sink`, a heartbeat every `heartbeat` (for tests and embedding).
    pub fn lines(sink: Box<dyn Write + Send>, heartbeat: Duration, color: bool) -> Progress {
        Progress::with(Mode::Lines, color, sink, heartbeat)
    }

    fn with(mode: Mode, color: bool, sink: Box<dyn Write + Send>, heartbeat: Duration) -> Progress {
        let multi = (mode == Mode::Bars).then(terminal::bars);
        Progress { out: Arc::new(Output { mode, color, multi, sink: Mutex::new(sink), heartbeat }), scope: None, phase: None }
    }

    pub fn mode(&self) -> Mode {
        self.out.mode
    }

    /// Whether anyone sees the progress (so counting rows for it is worth a query).
    pub fn is_visible(&self) -> bool {
        self.out.mode != Mode::Hidden
    }

    /// Whether stderr gets colors (`--color`, `NO_COLOR`).
    pub fn is_colored(&self) -> bool {
        self.out.color
    }

    /// The same output, its steps labelled with `phase` (seed, up, verify, down, rerun).
    pub fn phase(&self, phase: &str) -> Progress {
        Progress { out: Arc::clone(&self.out), scope: self.scope.clone(), phase: Some(phase.into()) }
    }

    /// The same output, every line starting with `[scope]` (the scenario of a run of several).
    pub fn scope(&self, scope: &str) -> Progress {
        Progress { out: Arc::clone(&self.out), scope: Some(scope.into()), phase: None }
    }

    /// A step that takes time but counts no rows (an empty `what` is the phase itself).
    pub fn step(&self, what: &str) -> Step {
        self.start(what, false, None, 0)
    }

    /// A step over rows, `total` of them when known.
    pub fn rows(&self, what: &str, total: Option<u64>) -> Step {
        self.start(what, true, total, 0)
    }

    /// A step over `total` rows of which `done` were done before (a resumed run).
    pub fn bar(&self, what: &str, total: u64, done: u64) -> Step {
        self.start(what, true, Some(total), done)
    }

    /// One line for people, beside the steps.
    pub fn println(&self, text: &str) {
        self.out.line(&line::label(self.painted_phase().as_deref(), text));
    }

    /// `[scope] phase`, either, or neither; the phase in color when colors are on.
    fn painted_phase(&self) -> Option<String> {
        let phase = self.phase.as_deref().map(|p| paint(p, Paint::Phase, self.out.color));
        match (self.scope.as_deref(), phase) {
            (Some(scope), Some(phase)) => Some(format!("[{scope}] {phase}")),
            (Some(scope), None) => Some(format!("[{scope}]")),
            (None, phase) => phase,
        }
    }

    fn start(&self, what: &str, counts_rows: bool, total: Option<u64>, done: u64) -> Step {
        let state = Arc::new(StepState {
            label: line::label(self.painted_phase().as_deref(), what),
            counts_rows,
            rows: AtomicU64::new(done),
            resumed_at: done,
            total: AtomicU64::new(total.unwrap_or(UNKNOWN)),
            started: Instant::now(),
        });
        let mut step = Step { out: Arc::clone(&self.out), state, bar: None, heartbeat: None, finished: AtomicBool::new(false) };
        match self.out.mode {
            Mode::Hidden => {}
            Mode::Lines => {
                self.out.line(&line::started(&step.state.snapshot()));
                step.heartbeat = Some(heartbeat::Heartbeat::start(Arc::clone(&self.out), Arc::clone(&step.state)));
            }
            Mode::Bars => step.bar = self.out.multi.as_ref().map(|multi| new_bar(multi, &step.state, self.out.color)),
        }
        step
    }
}

const UNKNOWN: u64 = u64::MAX;

/// What a running step shares with its heartbeat.
struct StepState {
    label: String,
    counts_rows: bool,
    rows: AtomicU64,
    resumed_at: u64,
    total: AtomicU64,
    started: Instant,
}

impl StepState {
    fn snapshot(&self) -> line::Snapshot {
        let total = self.total.load(Ordering::Relaxed);
        line::Snapshot {
            label: self.label.clone(),
            counts_rows: self.counts_rows,
            rows: self.rows.load(Ordering::Relaxed),
            resumed_at: self.resumed_at,
            total: (total != UNKNOWN).then_some(total),
            elapsed: self.started.elapsed(),
        }
    }
}

fn new_bar(multi: &MultiProgress, state: &StepState, color: bool) -> ProgressBar {
    let snapshot = state.snapshot();
    let (bar, template) = match (snapshot.counts_rows, snapshot.total) {
        (true, Some(total)) => (
            ProgressBar::new(total),
            if color { "{prefix} [{bar:30.cyan/blue}] {human_pos}/{human_len} rows  {rate}  ETA {eta}" } else { "{prefix} [{bar:30}] {human_pos}/{human_len} rows  {rate}  ETA {eta}" },
        ),
        (true, None) => (ProgressBar::new_spinner(), "{spinner} {prefix} {human_pos} rows  {rate}  {elapsed}"),
        (false, _) => (ProgressBar::new_spinner(), "{spinner} {prefix}  {elapsed}"),
    };
    let bar = multi.add(bar);
    let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ");
    bar.set_style(style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{} rows/s", line::count(state.per_sec().round() as u64));
    }));
    bar.set_prefix(snapshot.label);
    bar.set_position(snapshot.rows);
    bar.reset_eta();
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// One step in progress. [`Step::finish`] reports it done; dropped unfinished (an error
/// stopped it), it reports where it stopped.
pub struct Step {
    out: Arc<Output>,
    state: Arc<StepState>,
    bar: Option<ProgressBar>,
    heartbeat: Option<heartbeat::Heartbeat>,
    finished: AtomicBool,
}

impl Step {
    pub fn inc(&self, rows: u64) {
        self.state.rows.fetch_add(rows, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    /// Sets the rows done (when a count is known exactly at the end).
    pub fn set_rows(&self, rows: u64) {
        self.state.rows.store(rows, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_position(rows);
        }
    }

    pub fn set_total(&self, total: u64) {
        self.state.total.store(total, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Rows done so far.
    pub fn rows(&self) -> u64 {
        self.state.rows.load(Ordering::Relaxed)
    }

    /// Reports the step done, with its rows, rate and time. Only the first call counts.
    pub fn finish(&self) {
        self.end_with(line::finished, Paint::Done);
    }

    /// Reports the step as skipped, saying why.
    pub fn skip(&self, why: &str) {
        let why = why.to_string();
        self.end_with(move |s| line::skipped(s, &why), Paint::Done);
    }

    fn end_with(&self, words: impl FnOnce(&line::Snapshot) -> String, paint_as: Paint) {
        if self.finished.swap(true, Ordering::SeqCst) || self.out.mode == Mode::Hidden {
            return;
        }
        if let Some(heartbeat) = &self.heartbeat {
            heartbeat.stop();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let text = words(&self.state.snapshot());
        let text = match self.out.mode {
            Mode::Bars => format!("{} {text}", paint(if paint_as == Paint::Done { "✓" } else { "✗" }, paint_as, self.out.color)),
            _ => text,
        };
        self.out.line(&text);
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        self.end_with(line::stopped, Paint::Stopped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink tests can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn lines(&self) -> Vec<String> {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap().lines().map(String::from).collect()
        }
    }

    #[test]
    fn a_step_prints_a_line_when_it_starts_and_when_it_ends() {
        let sink = Captured::default();
        let progress = Progress::lines(Box::new(sink.clone()), Duration::from_secs(3600), false);
        let up = progress.phase("up");
        let step = up.rows("public.users", Some(300));
        step.inc(100);
        step.inc(200);
        step.finish();
        step.finish();
        drop(step);
        let lines = sink.lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], "up: public.users: started, 300 rows");
        assert!(lines[1].starts_with("up: public.users: done in ") && lines[1].contains(", 300 rows, "), "{lines:?}");
    }

    #[test]
    fn a_step_dropped_unfinished_says_it_stopped() {
        let sink = Captured::default();
        let progress = Progress::lines(Box::new(sink.clone()), Duration::from_secs(3600), false);
        drop(progress.phase("verify").step(""));
        let lines = sink.lines();
        assert_eq!(lines[0], "verify: started");
        assert!(lines[1].starts_with("verify: stopped after "), "{lines:?}");
    }

    #[test]
    fn a_long_step_prints_heartbeat_lines_until_it_ends() {
        let sink = Captured::default();
        let progress = Progress::lines(Box::new(sink.clone()), Duration::from_millis(5), false);
        let step = progress.phase("down").rows("public.users", None);
        step.inc(7);
        // The heartbeat runs on its own thread: wait until it has spoken, however slow the machine.
        while sink.lines().len() < 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        step.finish();
        let lines = sink.lines();
        assert!(lines[1].starts_with("down: public.users: 7 rows, "), "{lines:?}");
        assert!(lines.last().unwrap().starts_with("down: public.users: done in "), "the end line comes last: {lines:?}");
        let count = lines.len();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(sink.lines().len(), count, "no heartbeat after the end");
    }

    #[test]
    fn hidden_prints_nothing_and_colors_only_when_asked() {
        let step = Progress::hidden().phase("seed").rows("users", Some(3));
        step.inc(3);
        step.finish();
        let sink = Captured::default();
        let progress = Progress::lines(Box::new(sink.clone()), Duration::from_secs(3600), true);
        progress.phase("seed").println("planned 3 rows");
        assert_eq!(sink.lines(), vec!["\x1b[1;36mseed\x1b[0m: planned 3 rows".to_string()]);
    }
}
