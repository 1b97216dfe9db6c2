//! Validates `[migration]`: either the built-in engine with its policies, or `up`/`down`
//! files (the down may be left out: an up-only migration), or a directory of sqlx-style
//! `NNNN_name.up.sql` / `.down.sql` files.

use toml::Spanned;

use super::error::ScenarioError;
use super::file::MigrationSection;
use super::load::Source;
use super::migration::{BuiltinEngine, BuiltinMigration, Migration, SqlMigration};
use crate::engine::ConvertChoice;
use crate::migration::MigrationSet;
use crate::vocabulary::{BatchSize, Policies, Policy, PolicyTarget};

pub(super) fn validate_migration(source: &Source<'_>, section: &Spanned<MigrationSection>) -> Result<Migration, ScenarioError> {
    let at = source.at(section);
    let m = section.get_ref();
    let has_sql = m.up.is_some() || m.down.is_some() || m.migrations.is_some();
    match (&m.engine, has_sql) {
        (Some(engine), false) => validate_builtin(source, m, engine),
        (None, true) => validate_sql(source, m, at),
        (Some(_), true) => Err(source.invalid(at, "[migration] names both `engine` and SQL files: choose one")),
        (None, false) => Err(source.invalid(at, "[migration] needs `engine = \"uuid\"`, `up`/`down` files, or `migrations = \"dir\"`")),
    }
}

/// `on_<anomaly> = "<policy>"`: a policy that anomaly takes, by the names clap derives.
fn policies(source: &Source<'_>, m: &MigrationSection) -> Result<Policies, ScenarioError> {
    let mut policies = Policies::default();
    for (target, value) in [(PolicyTarget::Invalid, &m.on_invalid), (PolicyTarget::Orphan, &m.on_orphan), (PolicyTarget::Collision, &m.on_collision)] {
        let Some(value) = value else { continue };
        let policy = Policy::parse(value.get_ref()).filter(|p| target.allows(*p)).ok_or_else(|| {
            let key = format!("on_{}", target.name());
            source.invalid(source.at(value), format!("`{key} = \"{}\"` is not a policy: use one of {}", value.get_ref(), target.allowed_names().join(", ")))
        })?;
        policies.set(target, policy);
    }
    Ok(policies)
}

fn validate_builtin(source: &Source<'_>, m: &MigrationSection, engine: &Spanned<String>) -> Result<Migration, ScenarioError> {
    let engine_kind = <BuiltinEngine as clap::ValueEnum>::from_str(engine.get_ref(), false)
        .ok()
        .ok_or_else(|| source.invalid(source.at(engine), format!("unknown engine `{}`: the built-in engine is `uuid`", engine.get_ref())))?;
    let root = m.root.as_ref().ok_or_else(|| source.invalid(source.at(engine), "the uuid engine needs `root = \"table.column\"`, e.g. `root = \"users.id\"`"))?;
    if m.quarantine.is_some() {
        return Err(source.invalid(source.at(engine), "`quarantine` is for your own SQL migration; the built-in engine keeps its own"));
    }
    let batch_size = match m.batch_size {
        None => BatchSize::DEFAULT,
        Some(rows) => BatchSize::new(rows).map_err(|err| source.invalid(source.at(engine), format!("`batch_size` {err}")))?,
    };
    let convert = match &m.convert {
        None => ConvertChoice::default(),
        Some(value) => <ConvertChoice as clap::ValueEnum>::from_str(value.get_ref(), false).map_err(|_| {
            source.invalid(source.at(value), format!("`convert = \"{}\"` is not a convert method: use \"auto\", \"rebuild\" or \"in-place\"", value.get_ref()))
        })?,
    };
    Ok(Migration::Builtin(BuiltinMigration {
        engine: engine_kind,
        root: source.column_name(root)?,
        batch_size,
        policies: policies(source, m)?,
        convert,
        keep_bookkeeping: m.keep_bookkeeping,
    }))
}

fn validate_sql(source: &Source<'_>, m: &MigrationSection, at: super::location::Location) -> Result<Migration, ScenarioError> {
    for (key, value) in [("root", &m.root), ("convert", &m.convert), ("on_invalid", &m.on_invalid), ("on_orphan", &m.on_orphan), ("on_collision", &m.on_collision)] {
        if let Some(value) = value {
            return Err(source.invalid(source.at(value), format!("`{key}` is an option of the built-in engine; your own SQL decides for itself")));
        }
    }
    let set = match (&m.up, &m.down, &m.migrations) {
        // Without a down the migration is up-only: the rollback is reported as skipped.
        (Some(up), down, None) => {
            let up_path = source.existing_file("migration.up", up)?;
            let down_path = down.as_ref().map(|down| source.existing_file("migration.down", down)).transpose()?;
            MigrationSet::from_pair(&up_path, down_path.as_deref()).map_err(|err| source.invalid(source.at(up), err.to_string()))?
        }
        (None, None, Some(dir)) => directory_set(source, dir)?,
        _ => return Err(source.invalid(at, "[migration] takes either `up` + `down` or `migrations = \"dir\"`, not both")),
    };
    Ok(Migration::Sql(SqlMigration { set, quarantine: m.quarantine.clone().unwrap_or_default(), keep_bookkeeping: m.keep_bookkeeping }))
}

/// Reads a sqlx-style directory through the same listing the runner uses: a file whose
/// name is not `NNNN_name.up.sql` / `.down.sql` is refused here, not after seeding. A last
/// migration without `.down.sql` is up-only.
fn directory_set(source: &Source<'_>, dir: &Spanned<String>) -> Result<MigrationSet, ScenarioError> {
    let path = source.existing_file("migration.migrations", dir)?;
    MigrationSet::from_dir(&path).map_err(|err| source.invalid(source.at(dir), err.to_string()))
}
