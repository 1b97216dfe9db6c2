//! `[expect]`: how a rehearsal should go. A scenario whose up is meant to fail, or whose
//! migration is irreversible (its down must fail), says so.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expectation {
    pub up: ExpectedOutcome,
    pub down: ExpectedOutcome,
}

/// `pass` or `fail`, the names clap derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ExpectedOutcome {
    #[default]
    Pass,
    Fail,
}

impl ExpectedOutcome {
    pub fn parse(name: &str) -> Option<ExpectedOutcome> {
        ExpectedOutcome::from_str(name, false).ok()
    }

    pub fn names() -> Vec<String> {
        ExpectedOutcome::value_variants().iter().filter_map(|v| v.to_possible_value()).map(|v| v.get_name().to_string()).collect()
    }
}
