//! `--color auto|always|never` and `NO_COLOR`: whether stderr gets ANSI colors.

use std::io::IsTerminal;

/// The `--color` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colors when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color stderr, given the environment (`NO_COLOR`, `TERM`) and whether
    /// stderr is a terminal. An explicit `always` or `never` wins over the environment.
    pub fn resolve(self, no_color: Option<&str>, term: Option<&str>, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            // https://no-color.org: any non-empty value turns colors off.
            ColorChoice::Auto => is_terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
        }
    }

    /// [`ColorChoice::resolve`] for this process's stderr.
    pub fn for_stderr(self) -> bool {
        let no_color = std::env::var("NO_COLOR").ok();
        let term = std::env::var("TERM").ok();
        self.resolve(no_color.as_deref(), term.as_deref(), std::io::stderr().is_terminal())
    }
}

/// What a piece of progress text is, and so its color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// The phase label (seed, up, verify, down, rerun).
    Phase,
    /// A step that ended well.
    Done,
    /// A step that stopped with an error.
    Stopped,
}

/// `text` in the ANSI color of `paint` when `color` is on, else as it is.
pub fn paint(text: &str, paint: Paint, color: bool) -> String {
    if !color || text.is_empty() {
        return text.to_string();
    }
    let code = match paint {
        Paint::Phase => "1;36",
        Paint::Done => "32",
        Paint::Stopped => "31",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_terminal_no_color_and_term() {
        assert!(ColorChoice::Auto.resolve(None, Some("xterm"), true));
        assert!(!ColorChoice::Auto.resolve(None, Some("xterm"), false), "piped: no color");
        assert!(!ColorChoice::Auto.resolve(Some("1"), Some("xterm"), true), "NO_COLOR set");
        assert!(ColorChoice::Auto.resolve(Some(""), Some("xterm"), true), "an empty NO_COLOR does not count");
        assert!(!ColorChoice::Auto.resolve(None, Some("dumb"), true));
    }

    #[test]
    fn an_explicit_choice_wins() {
        assert!(ColorChoice::Always.resolve(Some("1"), Some("dumb"), false));
        assert!(!ColorChoice::Never.resolve(None, Some("xterm"), true));
    }

    #[test]
    fn paint_adds_escapes_only_with_color() {
        assert_eq!(paint("up", Paint::Phase, false), "up");
        assert_eq!(paint("up", Paint::Phase, true), "\x1b[1;36mup\x1b[0m");
    }
}
