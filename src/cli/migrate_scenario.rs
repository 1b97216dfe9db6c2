//! `migrate --scenario FILE`: the engine options a scenario's built-in `[migration]` asks
//! for, with its relations resolved against the schema of the database being migrated
//! (the same resolution `pgrehearse run` does on its seeded database).

use std::path::Path;

use sqlx::postgres::PgConnectOptions;
use sqlx::Connection;

use super::exit::CliError;
use crate::dataset::catalog::read_schema;
use crate::engine::EngineOptions;
use crate::provision::ProvisionError;
use crate::scenario::{Migration, Scenario};

/// Loads the scenario (errors name the file and line), reads the database's schema, and
/// maps the scenario's policies, root, batch size and relations to engine options.
pub async fn read(path: &Path, connect: &PgConnectOptions) -> Result<EngineOptions, CliError> {
    let scenario = Scenario::load(path).map_err(|e| CliError::Usage(e.to_string()))?;
    let builtin = match &scenario.migration {
        Some(Migration::Builtin(builtin)) => builtin,
        Some(Migration::Sql(_)) => {
            return Err(CliError::Usage(format!(
                "use scenario {}: its [migration] runs your own up/down SQL; `pgrehearse migrate` runs the built-in engine (use `pgrehearse run` for user SQL)",
                path.display()
            )))
        }
        None => return Err(CliError::Usage(format!("use scenario {}: it has no [migration] section naming the built-in engine", path.display()))),
    };
    let mut conn = sqlx::PgConnection::connect_with(connect).await.map_err(|source| {
        CliError::Provision(ProvisionError::Connect { endpoint: crate::engine::endpoint(connect), source })
    })?;
    let model = read_schema(&mut conn).await.map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
    let _ = conn.close().await;
    scenario.resolve_column(&model, &builtin.root).map_err(|e| CliError::Usage(e.to_string()))?;
    let relations = scenario.declared_relations(&model).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(builtin.engine_options(relations))
}
