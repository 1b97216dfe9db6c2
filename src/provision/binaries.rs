//! Finding the PostgreSQL server binaries (`initdb`, `postgres`) and their version.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::ProvisionError;

/// Environment variable naming the directory that holds `initdb` and `postgres`.
pub const BINDIR_ENV: &str = "PGREHEARSE_PG_BINDIR";

#[derive(Debug, Clone)]
pub struct PgBinaries {
    pub bindir: PathBuf,
    /// As `postgres --version` prints it, e.g. `15.18`.
    pub version: String,
}

impl PgBinaries {
    /// Looks, in order, at: the explicit directory, `$PGREHEARSE_PG_BINDIR`,
    /// `pg_config --bindir`, Debian's `/usr/lib/postgresql/<major>/bin` (newest first) and
    /// `PATH`. The first directory holding both `initdb` and `postgres` wins.
    pub fn locate(explicit: Option<&Path>) -> Result<PgBinaries, ProvisionError> {
        let mut searched = Vec::new();
        let env = std::env::var_os(BINDIR_ENV).map(PathBuf::from);
        for candidate in explicit.map(Path::to_path_buf).into_iter().chain(env) {
            searched.push(candidate.display().to_string());
            if let Some(found) = Self::try_dir(&candidate) {
                return Ok(found);
            }
        }
        if let Some(dir) = pg_config_bindir() {
            searched.push(format!("pg_config --bindir ({})", dir.display()));
            if let Some(found) = Self::try_dir(&dir) {
                return Ok(found);
            }
        }
        for dir in debian_bindirs() {
            searched.push(dir.display().to_string());
            if let Some(found) = Self::try_dir(&dir) {
                return Ok(found);
            }
        }
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            if let Some(found) = Self::try_dir(&dir) {
                return Ok(found);
            }
        }
        searched.push("PATH".to_string());
        Err(ProvisionError::BinariesNotFound { searched: format!("looked in {}", searched.join(", ")) })
    }

    fn try_dir(dir: &Path) -> Option<PgBinaries> {
        if !dir.join("initdb").is_file() || !dir.join("postgres").is_file() {
            return None;
        }
        let output = Command::new(dir.join("postgres")).arg("--version").output().ok()?;
        let text = String::from_utf8_lossy(&output.stdout);
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        let version = text.split_whitespace().nth(2)?.to_string();
        Some(PgBinaries { bindir: dir.to_path_buf(), version })
    }

    pub fn initdb(&self) -> PathBuf {
        self.bindir.join("initdb")
    }

    pub fn postgres(&self) -> PathBuf {
        self.bindir.join("postgres")
    }

    pub fn major(&self) -> u32 {
        self.version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0)
    }
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    output.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// Debian installs each major version side by side; prefer the newest.
fn debian_bindirs() -> Vec<PathBuf> {
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .collect();
    majors.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    majors.into_iter().map(|(_, dir)| dir).collect()
}
