//! `init` end to end: get the schema and the estimates from the source, draft the
//! scenario, write `schema.sql` and `scenario.toml`, and load the result back to prove it
//! is a valid scenario for that schema. On an error nothing is left half-written.

use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use super::dump::{dump_schema, locate_pg_dump};
use super::error::InitError;
use super::inspect::{inspect, Inspected};
use super::render::{render, Origin};
use super::request::{InitRequest, InitSource};
use super::suggest::{draft, Draft};
use crate::dataset::seed::create_schema;
use crate::provision;
use crate::scenario::Scenario;

/// Same default as the shipped scenarios' habit: any fixed seed gives a reproducible dataset.
const SEED: u64 = 1;

/// What `init` wrote.
#[derive(Debug)]
pub struct Initialized {
    pub scenario: PathBuf,
    pub schema: PathBuf,
    pub draft: Draft,
    /// What the schema loader skipped (roles that do not exist, psql meta-commands).
    pub notes: Vec<String>,
}

/// The schema text, what the catalog says, a description of the source and a name.
struct Source {
    ddl: String,
    inspected: Inspected,
    shown: String,
    name: String,
    notes: Vec<String>,
}

pub async fn init(request: &InitRequest) -> Result<Initialized, InitError> {
    let scenario_path = request.out.join("scenario.toml");
    let schema_path = request.out.join("schema.sql");
    for path in [&scenario_path, &schema_path] {
        if path.exists() {
            return Err(InitError::Exists { path: path.clone() });
        }
    }
    if let Some(dir) = &request.migrations {
        if !dir.is_dir() {
            return Err(InitError::NotADirectory { path: dir.clone() });
        }
    }
    let source = match &request.source {
        InitSource::Database { url } => from_database(url).await?,
        InitSource::SchemaFile { path } => from_schema_file(path, request).await?,
    };
    let created_out = !request.out.exists();
    std::fs::create_dir_all(&request.out).map_err(|source| InitError::Write { path: request.out.clone(), source })?;
    let migrations = request.migrations.as_deref().map(|dir| relative_to(dir, &request.out));
    let draft = draft(&source.inspected.model, &source.inspected.estimates, request.scale, migrations);
    let name = request.name.clone().unwrap_or(source.name);
    let text = render(&draft, &Origin { name: &name, source: &source.shown, scale: request.scale, seed: SEED });
    let written = write_and_check(&schema_path, &source.ddl, &scenario_path, &text, &source.inspected);
    if let Err(err) = written {
        let _ = std::fs::remove_file(&scenario_path);
        let _ = std::fs::remove_file(&schema_path);
        if created_out {
            let _ = std::fs::remove_dir(&request.out);
        }
        return Err(err);
    }
    Ok(Initialized { scenario: scenario_path, schema: schema_path, draft, notes: source.notes })
}

fn write_and_check(schema_path: &Path, ddl: &str, scenario_path: &Path, text: &str, inspected: &Inspected) -> Result<(), InitError> {
    std::fs::write(schema_path, ddl).map_err(|source| InitError::Write { path: schema_path.to_path_buf(), source })?;
    std::fs::write(scenario_path, text).map_err(|source| InitError::Write { path: scenario_path.to_path_buf(), source })?;
    let written = |source| InitError::Written { path: scenario_path.to_path_buf(), source };
    let scenario = Scenario::load(scenario_path).map_err(written)?;
    scenario.check_against(&inspected.model).map_err(written)
}

async fn from_database(url: &str) -> Result<Source, InitError> {
    let options = PgConnectOptions::from_str(url).map_err(|err| InitError::BadUrl(err.to_string()))?;
    let shown = redacted(url);
    let mut conn = PgConnection::connect_with(&options.clone().disable_statement_logging())
        .await
        .map_err(|source| InitError::Connect { database: shown.clone(), source })?;
    let inspected = inspect(&mut conn).await.map_err(|source| InitError::Catalog { database: shown.clone(), source })?;
    let _ = conn.close().await;
    let ddl = dump_schema(&locate_pg_dump()?, url, &shown).await?;
    let name = options.get_database().unwrap_or("database").to_string();
    Ok(Source { ddl, inspected, shown: format!("database {shown}"), name, notes: Vec::new() })
}

/// Loads the file on a disposable server with the seeder's own loader, so what `init`
/// reads back is what a rehearsal will see.
async fn from_schema_file(path: &Path, request: &InitRequest) -> Result<Source, InitError> {
    let ddl = std::fs::read_to_string(path).map_err(|source| InitError::ReadSchema { path: path.to_path_buf(), source })?;
    let provision_error = |source| InitError::Provision { path: path.to_path_buf(), source };
    let server = provision::provision(&request.provision).await.map_err(provision_error)?;
    let database = server.create_database().await.map_err(provision_error)?;
    let mut conn = database.connect().await.map_err(provision_error)?;
    let notes = create_schema(&mut conn, &ddl, path).await.map_err(|source| InitError::LoadSchema { path: path.to_path_buf(), source })?;
    let mut inspected = inspect(&mut conn).await.map_err(|source| InitError::Catalog { database: database.display_url(), source })?;
    // A file has no rows: the estimates of its freshly created tables say nothing.
    inspected.estimates = vec![None; inspected.model.tables.len()];
    drop(conn);
    server.drop_database(database).await.map_err(provision_error)?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("schema").to_string();
    Ok(Source { ddl, inspected, shown: format!("schema file {}", path.display()), name, notes })
}

/// The URL as logs may show it: the password replaced.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unparsable URL)".into(),
    }
}

/// `target` as a path relative to `base` (both made absolute), so the scenario keeps
/// working when the directory is moved along with it.
fn relative_to(target: &Path, base: &Path) -> String {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (target, base) = (absolute(target), absolute(base));
    let target: Vec<Component> = target.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    for part in &target[common..] {
        relative.push(part);
    }
    relative.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_of_the_scenario_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (out, migrations) = (dir.path().join("out/scenario"), dir.path().join("db/migrations"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&migrations).unwrap();
        assert_eq!(relative_to(&migrations, &out), "../../db/migrations");
        assert_eq!(redacted("postgres://u:secret@localhost:5432/app"), "postgres://u:***@localhost:5432/app");
    }
}
