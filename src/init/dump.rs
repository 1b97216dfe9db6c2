//! `pg_dump --schema-only` of the user's database, from the PostgreSQL binaries pgrehearse
//! finds for its own servers (or `PATH`). The password travels in `PGPASSWORD`, never on
//! the command line, where other users of the machine could read it.

use std::path::PathBuf;

use tokio::process::Command;

use super::error::InitError;
use crate::provision::PgBinaries;

/// Finds `pg_dump` beside the server binaries, else on `PATH`.
pub fn locate_pg_dump() -> Result<PathBuf, InitError> {
    let beside_server = PgBinaries::locate(None).ok().map(|b| b.bindir.join("pg_dump")).filter(|p| p.is_file());
    let on_path = || std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).map(|d| d.join("pg_dump")).find(|p| p.is_file());
    beside_server.or_else(on_path).ok_or_else(|| InitError::NoPgDump("not beside the server binaries nor on PATH".into()))
}

/// The schema of the database at `url`: no data, no owners or grants (production roles
/// mean nothing on a disposable server), and none of pgrehearse's own schemas.
pub async fn dump_schema(pg_dump: &std::path::Path, url: &str, shown: &str) -> Result<String, InitError> {
    let mut parsed = url::Url::parse(url).map_err(|err| InitError::BadUrl(err.to_string()))?;
    let password = parsed.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
    let _ = parsed.set_password(None);
    let mut command = Command::new(pg_dump);
    command.args(["--schema-only", "--no-owner", "--no-privileges", "--exclude-schema=pgrehearse_*", "--dbname"]).arg(parsed.as_str());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|err| InitError::Dump { database: shown.into(), pg_dump: pg_dump.display().to_string(), message: err.to_string() })?;
    if !output.status.success() {
        return Err(InitError::Dump {
            database: shown.into(),
            pg_dump: pg_dump.display().to_string(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    String::from_utf8(output.stdout).map_err(|err| InitError::Dump { database: shown.into(), pg_dump: pg_dump.display().to_string(), message: err.to_string() })
}
