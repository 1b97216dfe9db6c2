//! `--format text|json`: one flag, one default, flattened into every subcommand.

use clap::{Args, ValueEnum};
use serde::Serialize;

/// How a command prints its result on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document, for scripts.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    /// How to print the result on stdout (progress and errors go to stderr).
    #[arg(long, value_enum, default_value_t = Format::default())]
    pub format: Format,
}

impl FormatArgs {
    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> Result<(), super::CliError> {
    println!("{}", serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?);
    Ok(())
}
