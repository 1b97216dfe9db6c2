//! `pgrehearse export-sqlite`: connect, export, print what was written and what the
//! schema could not carry over.

use super::exit::{CliError, ExitCode};
use super::format::print_json;
use super::sqlite_args::ExportSqliteArgs;
use super::sqlite_connect::connect;
use crate::export::{self, ExportOptions, NumericMode, Progress};

pub async fn run(args: ExportSqliteArgs, progress: Progress) -> Result<ExitCode, CliError> {
    let options = ExportOptions {
        schemas: args.schemas,
        only_rows_of: args.only_rows_of,
        exclude_columns: args.exclude_columns,
        numeric: args.numeric,
        relations: args.relations,
    };
    let mut conn = connect(&args.database_url).await?;
    let summary = export::export_sqlite(&mut conn, &args.out, &options, args.force, progress).await.map_err(super::sqlite_connect::export_error)?;
    let secs = summary.duration.as_secs_f64().max(1e-9);
    if args.output.is_json() {
        print_json(&serde_json::json!({
            "path": summary.path,
            "manifest_path": summary.manifest_path,
            "tables": summary.manifest.tables.len(),
            "total_rows": summary.total_rows,
            "duration_ms": summary.duration.as_millis() as u64,
            "numeric": if options.numeric == NumericMode::Real { "real" } else { "text" },
            "untranslated": summary.schema.untranslated.iter().map(|item| item.to_string()).collect::<Vec<_>>(),
        }))?;
        return Ok(ExitCode::Success);
    }
    println!(
        "exported {} tables, {} rows to {} in {:.2} s ({:.0} rows/s); manifest {}",
        summary.manifest.tables.len(),
        summary.total_rows,
        summary.path.display(),
        secs,
        summary.total_rows as f64 / secs,
        summary.manifest_path.display()
    );
    if options.numeric == NumericMode::Real {
        println!("numeric columns are stored as REAL: lossy beyond 15-17 significant digits");
    }
    if !summary.schema.untranslated.is_empty() {
        println!("not carried over to SQLite (no translation with the same meaning):");
        for item in &summary.schema.untranslated {
            println!("  {item}");
        }
    }
    Ok(ExitCode::Success)
}
