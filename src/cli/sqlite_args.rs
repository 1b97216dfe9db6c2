//! Arguments of `pgrehearse export-sqlite` and `pgrehearse verify-sqlite` (clap derive).

use std::path::PathBuf;

use clap::Args;

use super::format::FormatArgs;
use crate::export::NumericMode;

#[derive(Debug, Args)]
pub struct ExportSqliteArgs {
    /// The Postgres database to export.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The SQLite file to write (its manifest goes beside it, as FILE.manifest.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Export the tables of this schema (repeatable).
    #[arg(long = "schema", default_value = "public")]
    pub schemas: Vec<String>,
    /// Export only the rows reachable from the rows where T.col = value, through foreign
    /// keys and --relation references (e.g. users.email=alice@example.com).
    #[arg(long = "only-rows-of")]
    pub only_rows_of: Option<String>,
    /// Columns to leave out, as table.column, comma-separated (repeatable).
    #[arg(long = "exclude-columns")]
    pub exclude_columns: Vec<String>,
    /// A reference the database does not enforce, child.column=parent.column, followed by
    /// --only-rows-of like a foreign key (repeatable).
    #[arg(long = "relation")]
    pub relations: Vec<String>,
    /// How numeric is stored: exact digits as TEXT, or REAL (lossy).
    #[arg(long, value_enum, default_value_t = NumericMode::Text)]
    pub numeric: NumericMode,
    /// Replace the SQLite file if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct VerifySqliteArgs {
    /// The Postgres database the file was exported from.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The SQLite file written by export-sqlite (its manifest must be beside it).
    pub database: PathBuf,
    #[command(flatten)]
    pub output: FormatArgs,
    /// Also write report.md, report.json, junit.xml and report.html to this directory.
    #[arg(long = "report-dir")]
    pub report_dir: Option<PathBuf>,
}
