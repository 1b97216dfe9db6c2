//! The draft as scenario TOML, with a comment on where each part came from. Strings are
//! written through the `toml` crate, so any table or column name comes out quoted right.

use std::fmt::Write;

use super::suggest::{Draft, MigrationStub, Suggestion};

/// What the header says about the source.
pub struct Origin<'a> {
    pub name: &'a str,
    /// `database …` or `schema file …`, as a person reads it (no password).
    pub source: &'a str,
    pub scale: super::suggest::Scale,
    pub seed: u64,
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

pub fn render(draft: &Draft, origin: &Origin<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `pgrehearse init` from {}.", origin.source);
    let _ = writeln!(out, "# Review the relations and anomalies; the format is in scenarios/README.md.");
    let _ = writeln!(out, "name = {}", quoted(origin.name));
    let _ = writeln!(out, "seed = {}\n", origin.seed);
    let _ = writeln!(out, "[schema]\nfile = \"schema.sql\"\n");
    out.push_str("[rows]\n");
    if draft.rows.is_empty() {
        out.push_str("# no planner estimates: each table gets 2 x its largest parent, or 1000 rows\n");
    } else {
        let _ = writeln!(out, "# the planner's estimates (reltuples) x {}, at least {} rows", origin.scale.factor, origin.scale.min_rows);
    }
    for (table, rows) in &draft.rows {
        let _ = writeln!(out, "{} = {rows}", quoted(table));
    }
    for (from, to) in &draft.relations {
        let _ = writeln!(out, "\n[[relation]]                   # a text *_id column of {to}'s type, no FK\nfrom = {}\nto = {}", quoted(from), quoted(to));
    }
    for suggestion in &draft.anomalies {
        out.push('\n');
        out.push_str(&anomaly(suggestion, ""));
    }
    if !draft.candidates.is_empty() {
        out.push_str("\n# Other uuid-looking text keys; the migration below does not convert them.\n");
        for suggestion in &draft.candidates {
            out.push_str(&anomaly(suggestion, "# "));
        }
    }
    out.push('\n');
    match &draft.migration {
        MigrationStub::Directory(dir) => {
            let _ = writeln!(out, "[migration]                    # your migrations; the last one is rehearsed\nmigrations = {}", quoted(dir));
        }
        MigrationStub::Engine { root } => {
            let _ = writeln!(
                out,
                "[migration]                    # the built-in engine; or: migrations = \"dir\" with your own SQL\nengine = \"uuid\"\nroot = {}\non_invalid = \"quarantine\"\non_orphan = \"quarantine\"\non_collision = \"quarantine\"",
                quoted(root)
            );
        }
        MigrationStub::None => {
            out.push_str("# No uuid-looking text key found: this scenario only seeds. To rehearse, add\n# [migration]\n# migrations = \"path/to/your/migrations\"\n");
        }
    }
    out
}

fn anomaly(suggestion: &Suggestion, prefix: &str) -> String {
    format!("{prefix}[[anomaly]]\n{prefix}kind = \"{}\"\n{prefix}column = {}\n{prefix}count = {}\n", suggestion.kind.as_str(), quoted(&suggestion.column), suggestion.count)
}
