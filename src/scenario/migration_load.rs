//! Validates `[migration]`: either the built-in engine with its policies, or `up`/`down`
//! files, or a directory of sqlx-style `NNNN_name.up.sql` / `.down.sql` files.

use toml::Spanned;

use super::error::ScenarioError;
use super::file::MigrationSection;
use super::load::Source;
use super::migration::{BuiltinMigration, CollisionPolicy, Engine, InvalidPolicy, Migration, OrphanPolicy, SqlMigration};
use crate::migration::MigrationSet;

const DEFAULT_BATCH_SIZE: u64 = 1000;

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

fn policy<T>(source: &Source<'_>, key: &str, value: &Option<Spanned<String>>, default: T, parse: fn(&str) -> Option<T>, allowed: &str) -> Result<T, ScenarioError> {
    match value {
        None => Ok(default),
        Some(value) => parse(value.get_ref()).ok_or_else(|| {
            source.invalid(source.at(value), format!("`{key} = \"{}\"` is not a policy: use one of {allowed}", value.get_ref()))
        }),
    }
}

fn validate_builtin(source: &Source<'_>, m: &MigrationSection, engine: &Spanned<String>) -> Result<Migration, ScenarioError> {
    let engine_kind = Engine::parse(engine.get_ref())
        .ok_or_else(|| source.invalid(source.at(engine), format!("unknown engine `{}`: the built-in engine is `uuid`", engine.get_ref())))?;
    let root = m.root.as_ref().ok_or_else(|| source.invalid(source.at(engine), "the uuid engine needs `root = \"table.column\"`, e.g. `root = \"users.id\"`"))?;
    if m.quarantine.is_some() {
        return Err(source.invalid(source.at(engine), "`quarantine` is for your own SQL migration; the built-in engine keeps its own"));
    }
    let batch_size = m.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
    if batch_size == 0 {
        return Err(source.invalid(source.at(engine), "`batch_size` must be at least 1"));
    }
    Ok(Migration::Builtin(BuiltinMigration {
        engine: engine_kind,
        root: source.column_name(root)?,
        batch_size,
        on_invalid: policy(source, "on_invalid", &m.on_invalid, InvalidPolicy::Fail, InvalidPolicy::parse, "fail, quarantine")?,
        on_orphan: policy(source, "on_orphan", &m.on_orphan, OrphanPolicy::Fail, OrphanPolicy::parse, "fail, quarantine, nullify")?,
        on_collision: policy(source, "on_collision", &m.on_collision, CollisionPolicy::Fail, CollisionPolicy::parse, "fail, quarantine")?,
        keep_bookkeeping: m.keep_bookkeeping,
    }))
}

fn validate_sql(source: &Source<'_>, m: &MigrationSection, at: super::location::Location) -> Result<Migration, ScenarioError> {
    for (key, value) in [("root", &m.root), ("on_invalid", &m.on_invalid), ("on_orphan", &m.on_orphan), ("on_collision", &m.on_collision)] {
        if let Some(value) = value {
            return Err(source.invalid(source.at(value), format!("`{key}` is an option of the built-in engine; your own SQL decides for itself")));
        }
    }
    let set = match (&m.up, &m.down, &m.migrations) {
        (Some(up), down, None) => {
            let down = down.as_ref().ok_or_else(|| source.invalid(source.at(up), "`up` needs a `down` file: pgrehearse rehearses the rollback too"))?;
            let (up_path, down_path) = (source.existing_file("migration.up", up)?, source.existing_file("migration.down", down)?);
            MigrationSet::from_pair(&up_path, Some(&down_path)).map_err(|err| source.invalid(source.at(up), err.to_string()))?
        }
        (None, None, Some(dir)) => directory_set(source, dir)?,
        _ => return Err(source.invalid(at, "[migration] takes either `up` + `down` or `migrations = \"dir\"`, not both")),
    };
    Ok(Migration::Sql(SqlMigration { set, quarantine: m.quarantine.clone().unwrap_or_default(), keep_bookkeeping: m.keep_bookkeeping }))
}

/// Reads a sqlx-style directory through the same listing the runner uses: a file whose
/// name is not `NNNN_name.up.sql` / `.down.sql` is refused here, not after seeding.
fn directory_set(source: &Source<'_>, dir: &Spanned<String>) -> Result<MigrationSet, ScenarioError> {
    let path = source.existing_file("migration.migrations", dir)?;
    let set = MigrationSet::from_dir(&path).map_err(|err| source.invalid(source.at(dir), err.to_string()))?;
    if set.rehearsed.down.is_none() {
        let last = &set.rehearsed.name;
        return Err(source.invalid(source.at(dir), format!("the rehearsed migration `{last}` has no `{last}.down.sql`: pgrehearse rehearses the rollback too")));
    }
    Ok(set)
}
