//! Where a user's migration comes from: one `up`/`down` file pair, or a directory of
//! sqlx-style `NNNN_name.up.sql` / `NNNN_name.down.sql` files in which the earlier
//! migrations are setup and the last one is the one rehearsed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::UserSqlError;

/// One migration file, read into memory (migration files are small; data never is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFile {
    /// As given by the user, so errors name the file they wrote.
    pub path: PathBuf,
    pub sql: String,
}

impl SqlFile {
    pub fn read(path: &Path) -> Result<SqlFile, UserSqlError> {
        if !path.exists() {
            return Err(UserSqlError::NotFound { path: path.to_path_buf() });
        }
        let sql =
            std::fs::read_to_string(path).map_err(|source| UserSqlError::Read { path: path.to_path_buf(), source })?;
        Ok(SqlFile { path: path.to_path_buf(), sql })
    }
}

/// An up file and, when there is one, its down file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationPair {
    /// The sqlx version number; 0 for a pair named explicitly.
    pub version: u64,
    /// `0007_uuid` for `0007_uuid.up.sql`; the file stem for a pair named explicitly.
    pub name: String,
    pub up: SqlFile,
    pub down: Option<SqlFile>,
}

/// What a rehearsal runs: setup migrations first, then the rehearsed one up and down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSet {
    /// Earlier migrations, in version order: applied before the rehearsal starts.
    pub setup: Vec<MigrationPair>,
    /// The last migration: the one whose up, down and re-run are verified.
    pub rehearsed: MigrationPair,
}

impl MigrationSet {
    /// Every pair in the order they run: the setup migrations, then the rehearsed one.
    pub fn pairs(&self) -> impl Iterator<Item = &MigrationPair> {
        self.setup.iter().chain(std::iter::once(&self.rehearsed))
    }

    /// An explicit `up`/`down` pair, as a scenario's `[migration] up = ... down = ...`.
    pub fn from_pair(up: &Path, down: Option<&Path>) -> Result<MigrationSet, UserSqlError> {
        let down = down.map(SqlFile::read).transpose()?;
        let rehearsed = MigrationPair { version: 0, name: stem(up).to_string(), up: SqlFile::read(up)?, down };
        Ok(MigrationSet { setup: Vec::new(), rehearsed })
    }

    /// A directory of sqlx-style files. Files not ending in `.up.sql`/`.down.sql` are
    /// ignored, as sqlx ignores them; a down without an up is an error.
    pub fn from_dir(dir: &Path) -> Result<MigrationSet, UserSqlError> {
        if !dir.is_dir() {
            return Err(UserSqlError::NotFound { path: dir.to_path_buf() });
        }
        let entries =
            std::fs::read_dir(dir).map_err(|source| UserSqlError::Read { path: dir.to_path_buf(), source })?;
        let mut found: BTreeMap<u64, (Option<PathBuf>, Option<PathBuf>)> = BTreeMap::new();
        for entry in entries {
            let path = entry.map_err(|source| UserSqlError::Read { path: dir.to_path_buf(), source })?.path();
            let Some((version, is_up)) = classify(&path)? else { continue };
            let slot = found.entry(version).or_default();
            let target = if is_up { &mut slot.0 } else { &mut slot.1 };
            if target.is_some() {
                return Err(UserSqlError::DuplicateVersion { path, dir: dir.to_path_buf(), version });
            }
            *target = Some(path);
        }
        let mut pairs = Vec::with_capacity(found.len());
        for (version, (up, down)) in found {
            let up = up.ok_or_else(|| UserSqlError::BadName { path: down.clone().unwrap_or_default() })?;
            let down = down.as_deref().map(SqlFile::read).transpose()?;
            pairs.push(MigrationPair { version, name: stem(&up).to_string(), up: SqlFile::read(&up)?, down });
        }
        let rehearsed = pairs.pop().ok_or_else(|| UserSqlError::EmptyDirectory { dir: dir.to_path_buf() })?;
        Ok(MigrationSet { setup: pairs, rehearsed })
    }
}

/// The file name without `.up.sql` / `.down.sql` / `.sql`.
fn stem(path: &Path) -> &str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("up");
    name.trim_end_matches(".sql").trim_end_matches(".up").trim_end_matches(".down")
}

/// `Some((version, is_up))` for a migration file name, `None` for an unrelated file.
pub fn classify(path: &Path) -> Result<Option<(u64, bool)>, UserSqlError> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return Ok(None) };
    let (stem, is_up) = if let Some(stem) = name.strip_suffix(".up.sql") {
        (stem, true)
    } else if let Some(stem) = name.strip_suffix(".down.sql") {
        (stem, false)
    } else {
        return Ok(None);
    };
    let digits: String = stem.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = &stem[digits.len()..];
    match digits.parse::<u64>() {
        Ok(version) if rest.starts_with('_') && rest.len() > 1 => Ok(Some((version, is_up))),
        _ => Err(UserSqlError::BadName { path: path.to_path_buf() }),
    }
}
