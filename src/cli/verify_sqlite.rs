//! `pgrehearse verify-sqlite`: recompute both sides of an export and compare; exit 0 when
//! everything holds, 1 on any difference, with examples (table, key, Postgres value beside
//! SQLite value); `--format json` prints the report model, `--report-dir` writes all four.

use super::exit::{CliError, ExitCode};
use super::sqlite_args::VerifySqliteArgs;
use super::sqlite_connect::{connect, display_url, export_error};
use crate::export::{self, Progress, SqliteVerification};
use crate::report::{self, Backend, Report, Timing};

pub async fn run(args: VerifySqliteArgs, progress: Progress) -> Result<ExitCode, CliError> {
    let mut conn = connect(&args.database_url).await?;
    let verification = export::verify_sqlite(&mut conn, &args.database, progress).await.map_err(export_error)?;
    let report = to_report(&verification, &args.database_url, &args.database.display().to_string());
    if args.output.is_json() {
        print!("{}", report::json::render(&report));
    } else {
        print_human(&verification);
    }
    if let Some(dir) = &args.report_dir {
        report::write_reports(&report, dir).map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
    }
    Ok(if verification.holds() { ExitCode::Success } else { ExitCode::Findings })
}

/// The verification as the one report model, with its one check, `sqlite-export`.
pub fn to_report(verification: &SqliteVerification, url: &str, file: &str) -> Report {
    let backend = Backend {
        kind: "existing".into(),
        server_version: verification.server_version.clone(),
        pgrehearse_version: env!("CARGO_PKG_VERSION").into(),
        database: display_url(url),
        migration: format!("export-sqlite to {file}"),
    };
    let mut report = Report::new("verify-sqlite", backend, vec![verification.check_result()]);
    report.tables = verification.counts();
    report.timings = vec![Timing { phase: "verify-sqlite".into(), duration: verification.duration }];
    report
}

fn print_human(verification: &SqliteVerification) {
    for t in &verification.tables {
        let same = if t.postgres == t.sqlite { "same" } else { "DIFFERENT" };
        println!("{:<28} postgres {:>9} rows  sqlite {:>9} rows  sha256 {same}", t.table, t.postgres.0, t.sqlite.0);
    }
    for f in &verification.findings {
        println!("\n{}: {} ({} in all)", f.table.as_deref().unwrap_or("database"), f.message, f.count);
        for e in &f.examples {
            println!("  {}  postgres: {}  sqlite: {}", e.key, e.before.as_deref().unwrap_or("(none)"), e.after.as_deref().unwrap_or("(none)"));
        }
    }
    let verdict = if verification.holds() { "holds" } else { "FAILS" };
    println!("\nverify-sqlite {verdict}: {} tables in {:.2} s", verification.tables.len(), verification.duration.as_secs_f64());
}
