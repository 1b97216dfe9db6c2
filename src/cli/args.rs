//! Argument definitions (clap derive). Kebab-case names live here and nowhere else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::provision::{BackendChoice, ProvisionOptions};

#[derive(Debug, Parser)]
#[command(name = "pgrehearse", version, about = "Rehearse PostgreSQL data migrations on disposable databases")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report which Postgres backends are available here, and why the others are not.
    Doctor(DoctorArgs),
    /// Start a disposable Postgres, clone a template from it, report the timings, and clean up.
    Provision(ProvisionArgs),
    /// Rehearse scenarios end to end: seed, migrate, verify, roll back, verify, report.
    Run(RunArgs),
    /// Seed a database with a scenario's dataset, its anomalies and their ground truth.
    Seed(SeedArgs),
    /// Run a step of the built-in migration engine against a database.
    Migrate(super::migrate_args::MigrateArgs),
    /// Export a Postgres database to a SQLite file with a manifest of counts and checksums.
    ExportSqlite(super::sqlite_args::ExportSqliteArgs),
    /// Compare a SQLite export with its Postgres source: exit 0 if identical under the mapping, 1 if not.
    VerifySqlite(super::sqlite_args::VerifySqliteArgs),
}

/// Where disposable databases come from; shared by every command that needs one.
#[derive(Debug, Clone, Args)]
pub struct BackendArgs {
    /// Backend: auto picks an existing server if a URL is given, else native, else a container.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto, env = "PGREHEARSE_BACKEND")]
    pub backend: BackendChoice,
    /// An existing server on which to create (and drop) throwaway databases.
    #[arg(long = "server-url", env = "PGREHEARSE_DATABASE_URL", hide_env_values = true)]
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
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
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
    #[arg(long = "database-url", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Also write the ground truth as a JSON manifest to this file.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Keep the disposable database (and its server's data directory) and print where.
    #[arg(long)]
    pub keep: bool,
    #[command(flatten)]
    pub backend: BackendArgs,
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
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub backend: BackendArgs,
}
