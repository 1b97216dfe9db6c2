//! Finding the PostgreSQL server binaries (`initdb`, `postgres`) and their version.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::ProvisionError;

/// Environment variable naming the directory that holds `initdb` and `postgres`.
pub const BINDIR_ENV: &str = "PGREHEARSE_PG_BINDIR";
/// The oldest major version pgrehearse runs on (`DROP DATABASE ... WITH (FORCE)` is 13+).
pub const OLDEST_MAJOR: u32 = 13;
/// Where Debian and Ubuntu install each major version side by side.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

#[derive(Debug, Clone)]
pub struct PgBinaries {
    pub bindir: PathBuf,
    /// As `postgres --version` prints it, e.g. `15.18`.
    pub version: String,
}

/// Where to look, in order. Split from [`PgBinaries::locate`] so tests can point every
/// place at directories of their own.
#[derive(Debug, Default)]
pub(crate) struct Search {
    /// `--pg-bindir` or `$PGREHEARSE_PG_BINDIR`: when given, it must hold the binaries.
    pub explicit: Option<PathBuf>,
    /// What `pg_config --bindir` printed, if it ran.
    pub pg_config: Option<PathBuf>,
    /// The directory holding `<major>/bin`, Debian's layout.
    pub debian_root: PathBuf,
    /// The directories of `PATH`.
    pub path: Vec<PathBuf>,
}

impl PgBinaries {
    /// Looks, in order, at: the explicit directory (else `$PGREHEARSE_PG_BINDIR`), which
    /// is an error when it holds no usable server; then `pg_config --bindir`, Debian's
    /// `/usr/lib/postgresql/<major>/bin` (newest first) and `PATH`, where the first
    /// directory holding `initdb` and `postgres` of major [`OLDEST_MAJOR`] or newer wins.
    pub fn locate(explicit: Option<&Path>) -> Result<PgBinaries, ProvisionError> {
        let explicit = explicit.map(Path::to_path_buf).or_else(|| std::env::var_os(BINDIR_ENV).map(PathBuf::from));
        Search {
            explicit,
            pg_config: pg_config_bindir(),
            debian_root: PathBuf::from(DEBIAN_ROOT),
            path: std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect(),
        }
        .run()
    }

    /// The binaries in exactly this directory, or why they are not usable.
    pub fn in_dir(dir: &Path) -> Result<PgBinaries, String> {
        for program in ["initdb", "postgres"] {
            if !dir.join(program).is_file() {
                return Err(format!("it has no `{program}`"));
            }
        }
        let output = version_output(&dir.join("postgres")).map_err(|err| format!("`postgres --version` did not run: {err}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        let version = text
            .split_whitespace()
            .nth(2)
            .filter(|_| output.status.success())
            .ok_or_else(|| format!("`postgres --version` printed {:?}", text.trim()))?
            .to_string();
        let found = PgBinaries { bindir: dir.to_path_buf(), version };
        if found.major() < OLDEST_MAJOR {
            return Err(format!("it holds PostgreSQL {}, older than {OLDEST_MAJOR}, the oldest pgrehearse supports", found.version));
        }
        Ok(found)
    }

    pub fn initdb(&self) -> PathBuf {
        self.bindir.join("initdb")
    }

    pub fn postgres(&self) -> PathBuf {
        self.bindir.join("postgres")
    }

    pub fn major(&self) -> u32 {
        self.version.split(['.', 'b', 'r', 'd']).next().and_then(|m| m.parse().ok()).unwrap_or(0)
    }
}

impl Search {
    pub(crate) fn run(self) -> Result<PgBinaries, ProvisionError> {
        if let Some(dir) = self.explicit {
            return PgBinaries::in_dir(&dir).map_err(|why| ProvisionError::BadBindir { path: dir, why });
        }
        let mut searched = Vec::new();
        let mut candidates: Vec<(String, PathBuf)> = Vec::new();
        if let Some(dir) = self.pg_config {
            candidates.push((format!("pg_config --bindir ({})", dir.display()), dir));
        }
        candidates.extend(debian_bindirs(&self.debian_root).into_iter().map(|dir| (dir.display().to_string(), dir)));
        for (shown, dir) in candidates {
            match PgBinaries::in_dir(&dir) {
                Ok(found) => return Ok(found),
                Err(why) => searched.push(format!("{shown}: {why}")),
            }
        }
        if let Some(found) = self.path.iter().find_map(|dir| PgBinaries::in_dir(dir).ok()) {
            return Ok(found);
        }
        searched.push("PATH: no initdb and postgres of a supported version".to_string());
        Err(ProvisionError::BinariesNotFound { searched: format!("looked in {}", searched.join("; ")) })
    }
}

/// `postgres --version`, retried while the file is busy: a program written a moment ago
/// can still be open for writing in a child that another thread forked (ETXTBSY).
fn version_output(postgres: &Path) -> std::io::Result<std::process::Output> {
    let mut attempts = 0;
    loop {
        match Command::new(postgres).arg("--version").output() {
            Err(err) if err.raw_os_error() == Some(libc::ETXTBSY) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    output.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// Debian installs each major version side by side; prefer the newest.
fn debian_bindirs(root: &Path) -> Vec<PathBuf> {
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A directory with stand-in `initdb` and `postgres` that print `version`.
    fn fake_bindir(root: &Path, name: &str, version: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for program in ["initdb", "postgres"] {
            let path = dir.join(program);
            std::fs::write(&path, format!("#!/bin/sh\necho 'postgres (PostgreSQL) {version}'\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    fn search(root: &Path) -> Search {
        Search { debian_root: root.join("debian"), ..Search::default() }
    }

    #[test]
    fn an_explicit_directory_without_a_server_is_an_error_naming_it() {
        let root = tempfile::tempdir().unwrap();
        let given = root.path().join("nonexistent");
        let err = Search { explicit: Some(given.clone()), ..search(root.path()) }.run().unwrap_err();
        assert!(matches!(&err, ProvisionError::BadBindir { path, .. } if *path == given), "{err:?}");
        assert!(err.to_string().contains(&given.display().to_string()), "{err}");
        assert!(err.is_bad_input());

        // Even when another good installation would have been found.
        fake_bindir(&root.path().join("debian"), "16/bin", "16.4");
        let old = fake_bindir(root.path(), "old", "12.9");
        let err = Search { explicit: Some(old), ..search(root.path()) }.run().unwrap_err();
        assert!(err.to_string().contains("older than 13"), "{err}");
    }

    #[test]
    fn debian_layout_gives_the_newest_major_of_13_or_later() {
        let root = tempfile::tempdir().unwrap();
        let debian = root.path().join("debian");
        fake_bindir(&debian, "12/bin", "12.20");
        fake_bindir(&debian, "13/bin", "13.16");
        fake_bindir(&debian, "16/bin", "16.4");
        let found = search(root.path()).run().unwrap();
        assert_eq!((found.major(), found.bindir), (16, debian.join("16/bin")));

        std::fs::remove_dir_all(debian.join("16")).unwrap();
        assert_eq!(search(root.path()).run().unwrap().major(), 13);

        std::fs::remove_dir_all(debian.join("13")).unwrap();
        let err = search(root.path()).run().unwrap_err();
        assert!(matches!(err, ProvisionError::BinariesNotFound { .. }), "PostgreSQL 12 alone must not be used: {err}");
    }

    #[test]
    fn pg_config_comes_before_debian_and_path_comes_last() {
        let root = tempfile::tempdir().unwrap();
        fake_bindir(&root.path().join("debian"), "15/bin", "15.8");
        let runner = fake_bindir(root.path(), "runner", "16.6");
        let on_path = fake_bindir(root.path(), "path", "17.2");
        let with_pg_config = Search { pg_config: Some(runner.clone()), path: vec![on_path.clone()], ..search(root.path()) };
        assert_eq!(with_pg_config.run().unwrap().bindir, runner);
        let only_path = Search { path: vec![on_path.clone()], debian_root: root.path().join("none"), ..Search::default() };
        assert_eq!(only_path.run().unwrap().bindir, on_path);
    }

    #[test]
    fn majors_parse_from_release_and_prerelease_versions() {
        let major = |v: &str| PgBinaries { bindir: PathBuf::new(), version: v.into() }.major();
        assert_eq!((major("15.18"), major("18beta1"), major("17rc1"), major("16devel")), (15, 18, 17, 16));
    }
}
