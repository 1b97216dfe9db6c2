//! Argument definitions (clap derive). Kebab-case names live here and nowhere else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::format::FormatArgs;
use crate::progress::{ColorChoice, Progress};
use crate::provision::{BackendChoice, ProvisionOptions};

/// The exit codes every subcommand shares (README, "Exit codes"), defined with the codes.
use super::exit::EXIT_CODES_HELP as EXIT_CODES;

#[derive(Debug, Parser)]
#[command(
    name = "pgrehearse",
    version,
    about = "Rehearse PostgreSQL data migrations on disposable databases",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes, before or after its name.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// No progress on stderr (errors and warnings still go there; the result still goes to stdout).
    #[arg(long, global = true)]
    pub quiet: bool,
    /// Colors on stderr: auto (when it is a terminal and NO_COLOR is unset), always or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl GlobalArgs {
    /// The progress these flags ask for, on stderr.
    pub fn progress(&self) -> Progress {
        Progress::stderr(self.quiet, self.color)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report which Postgres backends are available here, and why the others are not.
    #[command(after_help = EXIT_CODES)]
    Doctor(DoctorArgs),
    /// Start a disposable Postgres, clone a template from it, report the timings, and clean up.
    #[command(after_help = EXIT_CODES)]
    Provision(ProvisionArgs),
    /// Rehearse scenarios end to end: seed, migrate, verify, roll back, verify, report.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Seed a database with a scenario's dataset, its anomalies and their ground truth.
    #[command(after_help = EXIT_CODES)]
    Seed(SeedArgs),
    /// Run a step of the built-in migration engine against a database.
    #[command(after_help = EXIT_CODES)]
    Migrate(super::migrate_args::MigrateArgs),
    /// Measure the built-in engine at several batch sizes against the one-shot ALTER, with
    /// an application workload running, and recommend a size.
    #[command(after_help = EXIT_CODES)]
    Bench(BenchArgs),
    /// Export a Postgres database to a SQLite file with a manifest of counts and checksums.
    #[command(after_help = EXIT_CODES)]
    ExportSqlite(super::sqlite_args::ExportSqliteArgs),
    /// Compare a SQLite export with its Postgres source: exit 0 if identical under the mapping, 1 if not.
    #[command(after_help = EXIT_CODES)]
    VerifySqlite(super::sqlite_args::VerifySqliteArgs),
    /// Write a scenario from your own database (read-only) or from a pg_dump --schema-only file.
    #[command(after_help = EXIT_CODES)]
    Init(super::init::InitArgs),
}

/// Where disposable databases come from; shared by every command that needs one.
#[derive(Debug, Clone, Args)]
pub struct BackendArgs {
    /// Backend: auto picks an existing server if a URL is given, else native, else a container.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto, env = "PGREHEARSE_BACKEND")]
    pub backend: BackendChoice,
    /// An existing server on which to create (and drop) throwaway databases; any database
    /// of it will do, pgrehearse only connects there to create its own.
    #[arg(long = "server-url", env = "PGREHEARSE_SERVER_URL", hide_env_values = true)]
    pub server_url: Option<String>,
    /// Directory holding initdb and postgres, for the native backend.
    #[arg(long, env = "PGREHEARSE_PG_BINDIR")]
    pub pg_bindir: Option<PathBuf>,
    /// Container image for the container backend (default: the official postgres:15).
    #[arg(long, env = "PGREHEARSE_IMAGE")]
    pub image: Option<String>,
}

impl BackendArgs {
    pub fn provision_options(&self) -> ProvisionOptions {
        ProvisionOptions {
            backend: self.backend,
            database_url: self.server_url.clone(),
            pg_bindir: self.pg_bindir.clone(),
            image: self.image.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub backend: BackendArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    #[command(flatten)]
    pub backend: BackendArgs,
    /// How many template clones to make.
    #[arg(long, default_value_t = 3)]
    pub clones: u32,
    /// How to end once everything is up (used by the cleanup tests): `exit` normally,
    /// return an `error`, `panic`, or `wait` for a signal.
    #[arg(long, value_enum, default_value_t = DemoEnding::Exit, hide = true)]
    pub then: DemoEnding,
    #[command(flatten)]
    pub output: FormatArgs,
}

/// How `pgrehearse provision` ends, so tests can prove cleanup on every path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoEnding {
    Exit,
    Error,
    Panic,
    Wait,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Seed this existing, empty database instead of a disposable one.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Also write the ground truth as a JSON manifest to this file.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Serve the disposable database in the foreground until Ctrl-C, with a psql line that reaches it.
    #[arg(long)]
    pub keep: bool,
    #[command(flatten)]
    pub backend: BackendArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files (TOML), or directories of them.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Where reports go: one directory per scenario.
    #[arg(long, default_value = "target/pgrehearse")]
    pub out: PathBuf,
    /// Run only this machine's share of the scenarios, as K/N (for example 2/4).
    #[arg(long)]
    pub shard: Option<String>,
    /// How long one statement of your migration SQL may run before the server cancels it
    /// (the up-runs check then names it), e.g. `30s`, `10m`.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    pub statement_timeout: std::time::Duration,
    #[command(flatten)]
    pub backend: BackendArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The scenario file (TOML); its migration must be the built-in engine.
    pub scenario: PathBuf,
    /// Fixed batch sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "500,1000,5000,20000")]
    pub batch_sizes: Vec<u64>,
    /// Application transactions per second during every run.
    #[arg(long, default_value_t = 50)]
    pub workload_rate: u32,
    /// Also measure an adaptive batch size that holds batches near this duration.
    #[arg(long)]
    pub target_batch_ms: Option<u64>,
    /// The recommendation keeps batch p99, the longest lock and the workload p99 within this.
    #[arg(long, default_value_t = 200)]
    pub budget_ms: u64,
    /// How every run's `convert` rewrites the tables: `auto`, `rebuild` or `in-place`
    /// [default: the scenario's, else auto].
    #[arg(long = "convert", value_enum)]
    pub convert: Option<crate::engine::ConvertChoice>,
    /// Where bench.json, bench.svg and bench.html go.
    #[arg(long, default_value = "target/pgrehearse/bench")]
    pub out: PathBuf,
    #[command(flatten)]
    pub backend: BackendArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}
