//! `pgrehearse init --from-database URL | --from-schema FILE --out DIR`: draft a scenario
//! from the user's own schema and say what it found.

use std::path::PathBuf;

use clap::Args;

use super::args::BackendArgs;
use super::exit::{CliError, ExitCode};
use crate::init::{self, InitError, InitRequest, InitSource, MigrationStub, Scale};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["from_database", "from_schema"])))]
pub struct InitArgs {
    /// The database to read: its catalog and the planner's row estimates, never its rows.
    #[arg(long = "from-database", value_name = "URL", hide_env_values = true)]
    pub from_database: Option<String>,
    /// A `pg_dump --schema-only` file (or any DDL) instead of a live database.
    #[arg(long = "from-schema", value_name = "FILE")]
    pub from_schema: Option<PathBuf>,
    /// The directory that receives scenario.toml and schema.sql.
    #[arg(long)]
    pub out: PathBuf,
    /// Rehearsal rows per production row (the planner's estimate).
    #[arg(long, default_value_t = 0.01)]
    pub scale: f64,
    /// No table gets fewer rows than this.
    #[arg(long = "min-rows", default_value_t = 100)]
    pub min_rows: u64,
    /// Your sqlx-style migrations directory (NNNN_name.up.sql / .down.sql).
    #[arg(long)]
    pub migrations: Option<PathBuf>,
    /// The scenario's name (default: the database's or the schema file's).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub backend: BackendArgs,
    #[command(flatten)]
    pub output: super::format::FormatArgs,
}

pub async fn run(args: InitArgs) -> Result<ExitCode, CliError> {
    if !(args.scale > 0.0 && args.scale.is_finite()) {
        return Err(CliError::Usage(format!("use --scale {}: give a factor above 0, e.g. 0.01", args.scale)));
    }
    let source = match (args.from_database, args.from_schema) {
        (Some(url), None) => InitSource::Database { url },
        (None, Some(path)) => InitSource::SchemaFile { path },
        _ => return Err(CliError::Usage("give exactly one of --from-database URL or --from-schema FILE".into())),
    };
    let request = InitRequest {
        source,
        out: args.out,
        scale: Scale { factor: args.scale, min_rows: args.min_rows },
        migrations: args.migrations,
        name: args.name,
        provision: args.backend.provision_options(),
    };
    let json = args.output.is_json();
    let initialized = init::init(&request).await.map_err(|err| match err {
        err if err.is_bad_input() => CliError::Usage(err.to_string()),
        InitError::Provision { source, .. } => CliError::Provision(source),
        InitError::Connect { .. } | InitError::NoPgDump(_) => CliError::Usage(err.to_string()),
        err => CliError::Other(anyhow::Error::new(err)),
    })?;
    let draft = &initialized.draft;
    if json {
        let relations: Vec<String> = draft.relations.iter().map(|(from, to)| format!("{from}={to}")).collect();
        super::format::print_json(&serde_json::json!({
            "scenario": initialized.scenario,
            "schema": initialized.schema,
            "tables": draft.rows.len(),
            "relations": relations,
            "anomalies_suggested": draft.anomalies.len(),
            "notes": initialized.notes,
        }))?;
        return Ok(ExitCode::Success);
    }
    for note in &initialized.notes {
        println!("note: {note}");
    }
    println!("wrote {} and {}", initialized.scenario.display(), initialized.schema.display());
    println!("  {} tables with row counts, {} unenforced reference(s) declared, {} anomalies suggested", draft.rows.len(), draft.relations.len(), draft.anomalies.len());
    for (from, to) in &draft.relations {
        println!("  relation {from} -> {to}");
    }
    match &draft.migration {
        MigrationStub::Directory(dir) => println!("  rehearses your migrations in {dir}"),
        MigrationStub::Engine { root } => println!("  rehearses the built-in uuid engine from {root} (or point --migrations at your own)"),
        MigrationStub::None => println!("  no uuid-looking text key found: seed-only until you add a [migration]"),
    }
    println!("next: pgrehearse run {}", initialized.scenario.display());
    Ok(ExitCode::Success)
}
