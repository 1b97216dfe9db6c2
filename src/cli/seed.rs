//! `pgrehearse seed SCENARIO`: seed an existing database (`--database-url`) or a disposable
//! one, with progress per table in rows/s, and end with a summary of the anomalies injected.
//! With `--keep`, a disposable server stays up in the foreground until Ctrl-C.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use super::args::SeedArgs;
use super::exit::{CliError, ExitCode};
use super::format::print_json;
use crate::dataset::{self, SchemaSetup, SeedError, SeedSummary};
use crate::progress::{Progress, SeedProgress};
use crate::provision::{self, BackendKind, Database, PgPassFile, Server};
use crate::scenario::Scenario;

pub async fn run(args: SeedArgs, progress: Progress) -> Result<ExitCode, CliError> {
    let scenario = Scenario::load(&args.scenario).map_err(|err| CliError::Usage(err.to_string()))?;
    let progress = SeedProgress::new(progress.phase("seed"));
    let (summary, disposable) = match &args.database_url {
        Some(url) => {
            if args.keep {
                eprintln!("pgrehearse: --keep has no effect with --database-url: that database is yours and stays");
            }
            let options = PgConnectOptions::from_str(url)
                .map_err(|err| CliError::Usage(format!("parse --database-url: {}", provision::existing::explain_url_error("--database-url", &err.to_string()))))?;
            let mut conn = connect_quietly(options.clone()).await.map_err(|err| CliError::Usage(format!("connect to --database-url: {err}")))?;
            let streams = dataset::default_streams();
            (dataset::seed_parallel(&mut conn, &options, streams, &scenario, SchemaSetup::Create, &progress).await.map_err(seed_error)?, None)
        }
        None => {
            let server = provision::provision(&args.backend.provision_options()).await?;
            let database = server.create_database().await?;
            let mut conn = connect_quietly(database.connect_options()).await.map_err(anyhow::Error::from)?;
            let streams = dataset::default_streams();
            let summary = dataset::seed_parallel(&mut conn, &database.connect_options(), streams, &scenario, SchemaSetup::Create, &progress).await.map_err(seed_error)?;
            conn.close().await.ok();
            (summary, Some((server, database)))
        }
    };
    if let Some(path) = &args.manifest {
        std::fs::write(path, summary.truth.to_manifest_json()).map_err(|err| CliError::Usage(format!("write manifest {}: {err}", path.display())))?;
    }
    if args.output.is_json() {
        print_json(&SeedReport::new(&scenario, &summary))?;
    } else {
        print_summary(&scenario, &summary);
    }
    match disposable {
        Some((server, database)) if args.keep => keep(&server, &database).await,
        Some((_, database)) => {
            eprintln!("seeded {} (disposable: dropped on exit; --keep serves it until Ctrl-C)", database.display_url());
            Ok(ExitCode::Success)
        }
        None => Ok(ExitCode::Success),
    }
}

/// `--keep`: a database on someone else's server is simply left there. A server of our own
/// (native cluster, container) lives only as long as this process, so it serves in the
/// foreground until Ctrl-C, whose handler tears it down and exits with 130. The password
/// goes to a 0600 `.pgpass` file, never to the terminal.
async fn keep(server: &Server, database: &Database) -> Result<ExitCode, CliError> {
    if server.kind() == BackendKind::Existing {
        database.keep();
        return Ok(ExitCode::Success);
    }
    let pgpass = PgPassFile::write(database)?;
    eprintln!("pgrehearse: serving {} until Ctrl-C (then the server and its data are removed)", database.display_url());
    eprintln!("  connect with: {}", pgpass.psql_command());
    eprintln!("  the password is in {} (mode 0600, readable only by you)", pgpass.path().display());
    std::future::pending::<()>().await;
    unreachable!("the signal handler exits the process")
}

/// Index builds and ANALYZE on millions of rows are slow by nature; sqlx would print a
/// warning for each statement over a second, so statement logging is off for seeding.
async fn connect_quietly(options: PgConnectOptions) -> Result<PgConnection, sqlx::Error> {
    PgConnection::connect_with(&options.disable_statement_logging()).await
}

fn seed_error(err: SeedError) -> CliError {
    if err.is_bad_scenario() {
        CliError::Usage(err.to_string())
    } else {
        CliError::Other(anyhow::Error::new(err))
    }
}

/// Prints rows per table, timings, and anomalies per (table, kind). A reader that stops
/// early (`pgrehearse seed … | head`) is not an error: the seed is done, so the rest of the
/// summary is dropped quietly instead of panicking on the broken pipe.
fn print_summary(scenario: &Scenario, summary: &SeedSummary) {
    let text = summary_text(scenario, summary);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => eprintln!("pgrehearse: could not print the summary: {err}"),
        _ => {}
    }
}

fn summary_text(scenario: &Scenario, summary: &SeedSummary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let secs = summary.load_time.as_secs_f64().max(1e-9);
    let _ = writeln!(out, "seeded `{}` (seed {}): {} rows", scenario.name, scenario.seed, summary.total_rows);
    let _ = writeln!(
        out,
        "  plan {:.2?}, COPY {:.2?} ({:.0} rows/s), keys and indexes {:.2?}",
        summary.plan_time,
        summary.load_time,
        summary.total_rows as f64 / secs,
        summary.keys_time
    );
    let _ = writeln!(out, "\n  {:<28} {:>10}", "table", "rows");
    for (table, rows) in &summary.truth.row_counts {
        let _ = writeln!(out, "  {table:<28} {rows:>10}");
    }
    let counts = summary.truth.counts();
    let _ = writeln!(out, "\n  {:<28} {:<20} {:>6}", "table", "anomaly", "rows");
    if counts.is_empty() {
        let _ = writeln!(out, "  (no anomalies requested)");
    }
    for ((table, kind), rows) in &counts {
        let _ = writeln!(out, "  {table:<28} {:<20} {rows:>6}", kind.as_str());
    }
    out
}

/// `seed --format json`: what the text summary prints, as data.
#[derive(Debug, Serialize)]
struct SeedReport<'a> {
    scenario: &'a str,
    seed: u64,
    total_rows: u64,
    plan_ms: u64,
    copy_ms: u64,
    keys_ms: u64,
    tables: &'a BTreeMap<String, u64>,
    anomalies: Vec<AnomalyCount>,
}

#[derive(Debug, Serialize)]
struct AnomalyCount {
    table: String,
    kind: &'static str,
    rows: u64,
}

impl<'a> SeedReport<'a> {
    fn new(scenario: &'a Scenario, summary: &'a SeedSummary) -> SeedReport<'a> {
        let anomalies = summary.truth.counts().into_iter().map(|((table, kind), rows)| AnomalyCount { table, kind: kind.as_str(), rows }).collect();
        SeedReport {
            scenario: &scenario.name,
            seed: scenario.seed,
            total_rows: summary.total_rows,
            plan_ms: summary.plan_time.as_millis() as u64,
            copy_ms: summary.load_time.as_millis() as u64,
            keys_ms: summary.keys_time.as_millis() as u64,
            tables: &summary.truth.row_counts,
            anomalies,
        }
    }
}
