//! A fresh data directory, fast: `initdb` takes about 0.6 s, copying a pristine cluster it
//! made earlier takes a fraction of that. The cache is one directory per account, keyed by
//! server version inside, filled atomically (staging directory, then rename), and used only
//! when the account that runs the cluster owns it and nobody else can write it: a cluster
//! copied from a cache another user planted would run that user's configuration.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::binaries::PgBinaries;
use super::cleanup::DIRECTORY_PREFIX;
use super::error::ProvisionError;
use super::os_user::RunAs;

/// Prefix of the per-account cache directories under the temporary directory; the stale
/// sweep skips them.
pub const CACHE_DIR_NAME: &str = "pgrehearse-initdb-cache";

/// Where one account's pristine clusters live, one per server version.
#[derive(Debug, Clone)]
pub struct InitdbCache {
    /// `<temp root>/pgrehearse-initdb-cache-uid<uid>`, mode 0700, owned by `uid`.
    root: PathBuf,
    /// The account that runs the cluster, and so must own the cache.
    uid: u32,
}

/// What the cache holds for one version.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A pristine cluster to copy.
    Hit(PathBuf),
    /// Nothing yet; fill it after initdb.
    Miss,
    /// Present but not safe to use (nor to fill), and why.
    Untrusted(String),
}

impl InitdbCache {
    /// The cache of the account that runs the cluster (`run_as`, else this process).
    pub fn for_account(temp_root: &Path, run_as: Option<&RunAs>) -> InitdbCache {
        // SAFETY: geteuid has no preconditions.
        let uid = run_as.map(|a| a.uid).unwrap_or_else(|| unsafe { libc::geteuid() });
        InitdbCache { root: temp_root.join(format!("{CACHE_DIR_NAME}-uid{uid}")), uid }
    }

    #[cfg(test)]
    fn root(&self) -> &Path {
        &self.root
    }

    pub fn entry(&self, binaries: &PgBinaries) -> PathBuf {
        self.root.join(&binaries.version)
    }

    /// Whether a pristine cluster for these binaries can be copied. Checks the temporary
    /// directory (others must not be able to swap our directories in it), the cache root
    /// and the entry: real directories, owned by the account, writable by nobody else.
    pub fn lookup(&self, binaries: &PgBinaries) -> Lookup {
        if let Some(parent) = self.root.parent() {
            if let Err(why) = check_parent(parent) {
                return Lookup::Untrusted(why);
            }
        }
        let entry = self.entry(binaries);
        for dir in [&self.root, &entry] {
            match std::fs::symlink_metadata(dir) {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
                Err(err) => return Lookup::Untrusted(format!("{}: {err}", dir.display())),
                Ok(meta) => {
                    if let Err(why) = check_owned(dir, &meta, self.uid) {
                        return Lookup::Untrusted(why);
                    }
                }
            }
        }
        if entry.join("PG_VERSION").is_file() {
            Lookup::Hit(entry)
        } else {
            Lookup::Miss
        }
    }

    /// Copies a new cluster into the cache, atomically. Creates the root 0700 for the
    /// account if it does not exist yet.
    fn fill(&self, binaries: &PgBinaries, run_as: Option<&RunAs>, data_dir: &Path) -> Result<(), ProvisionError> {
        match std::fs::DirBuilder::new().mode(0o700).create(&self.root) {
            Ok(()) => {
                if let Some(account) = run_as {
                    std::os::unix::fs::chown(&self.root, Some(account.uid), Some(account.gid)).map_err(ProvisionError::io(&self.root))?;
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(ProvisionError::Io { path: self.root.clone(), source: err }),
        }
        // Someone may have made the root between our lookup and our create: look again.
        if let Lookup::Untrusted(why) = self.lookup(binaries) {
            tracing::warn!("not filling the initdb cache: {why}");
            return Ok(());
        }
        let staging = tempfile::Builder::new()
            .prefix(&format!("{DIRECTORY_PREFIX}staging-"))
            .tempdir_in(&self.root)
            .map_err(ProvisionError::io(&self.root))?;
        let staged = staging.path().join("data");
        copy_tree(data_dir, &staged)?;
        let cached = self.entry(binaries);
        // rename is atomic: a concurrent reader sees no cache or a whole one. If another
        // process won the race, its copy is as good as ours.
        match std::fs::rename(&staged, &cached) {
            Ok(()) => Ok(()),
            Err(_) if cached.join("PG_VERSION").is_file() => Ok(()),
            Err(err) => Err(ProvisionError::Io { path: cached, source: err }),
        }
    }
}

/// A directory that others can write into must have the sticky bit, or they could rename
/// our directories away and put theirs in place.
fn check_parent(dir: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let writable_by_others = meta.mode() & 0o022 != 0;
    let sticky = meta.mode() & 0o1000 != 0;
    if writable_by_others && !sticky {
        return Err(format!("{} is writable by others and not sticky (mode {:o})", dir.display(), meta.mode() & 0o7777));
    }
    Ok(())
}

fn check_owned(dir: &Path, meta: &std::fs::Metadata, uid: u32) -> Result<(), String> {
    if !meta.file_type().is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if meta.uid() != uid {
        return Err(format!("{} is owned by uid {}, not by the cluster's account (uid {uid})", dir.display(), meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!("{} is writable by others (mode {:o})", dir.display(), meta.mode() & 0o7777));
    }
    Ok(())
}

/// Fills `data_dir` with a new, empty cluster owned by `run_as` (or by us), from the cache
/// when one is given and can be trusted.
pub fn prepare_data_dir(
    binaries: &PgBinaries,
    run_as: Option<&RunAs>,
    data_dir: &Path,
    cache: Option<&InitdbCache>,
) -> Result<(), ProvisionError> {
    let fill = match cache.map(|cache| cache.lookup(binaries)) {
        None => false,
        Some(Lookup::Hit(cached)) => return copy_tree(&cached, data_dir),
        Some(Lookup::Miss) => true,
        Some(Lookup::Untrusted(why)) => {
            tracing::warn!("ignoring the initdb cache: {why}; running initdb");
            false
        }
    };
    run_initdb(binaries, run_as, data_dir)?;
    if let Some(cache) = cache.filter(|_| fill) {
        if let Err(err) = cache.fill(binaries, run_as, data_dir) {
            tracing::warn!("could not cache the initdb result: {err}");
        }
    }
    Ok(())
}

fn run_initdb(binaries: &PgBinaries, run_as: Option<&RunAs>, data_dir: &Path) -> Result<(), ProvisionError> {
    let mut command = Command::new(binaries.initdb());
    command
        .arg("--pgdata")
        .arg(data_dir)
        // Never `trust`: pgrehearse rewrites pg_hba.conf anyway (native_auth), and a cached
        // cluster must not admit anyone before it does.
        .args(["--username=postgres", "--auth-local=peer", "--auth-host=scram-sha-256"])
        .args(["--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"])
        .current_dir(data_dir.parent().unwrap_or(Path::new("/")));
    super::native::run_as_account(&mut command, run_as);
    let output = command.output().map_err(ProvisionError::io(binaries.initdb()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ProvisionError::Command {
            command: format!("{} --pgdata {}", binaries.initdb().display(), data_dir.display()),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

/// `cp -a`, which keeps owners and modes (the data directory must stay 0700).
fn copy_tree(from: &Path, to: &Path) -> Result<(), ProvisionError> {
    let output = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .map_err(ProvisionError::io(from))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ProvisionError::Command {
            command: format!("cp -a {} {}", from.display(), to.display()),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn binaries() -> PgBinaries {
        PgBinaries { bindir: PathBuf::from("/nonexistent"), version: "15.99".into() }
    }

    /// A cache of this process's own account, with a complete entry.
    fn filled(root: &Path) -> InitdbCache {
        let cache = InitdbCache::for_account(root, None);
        let entry = cache.entry(&binaries());
        std::fs::DirBuilder::new().mode(0o700).recursive(true).create(&entry).unwrap();
        std::fs::write(entry.join("PG_VERSION"), "15\n").unwrap();
        cache
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn an_own_cache_writable_by_nobody_else_is_used() {
        let temp = tempfile::tempdir().unwrap();
        let cache = InitdbCache::for_account(temp.path(), None);
        assert_eq!(cache.lookup(&binaries()), Lookup::Miss);
        let cache = filled(temp.path());
        assert_eq!(cache.lookup(&binaries()), Lookup::Hit(cache.entry(&binaries())));
    }

    #[test]
    fn a_cache_others_can_write_is_not_used() {
        let temp = tempfile::tempdir().unwrap();
        let cache = filled(temp.path());
        chmod(cache.root(), 0o777);
        assert!(matches!(cache.lookup(&binaries()), Lookup::Untrusted(why) if why.contains("writable by others")));
        chmod(cache.root(), 0o700);
        chmod(&cache.entry(&binaries()), 0o720);
        assert!(matches!(cache.lookup(&binaries()), Lookup::Untrusted(why) if why.contains("writable by others")));
    }

    #[test]
    fn a_cache_in_a_directory_anyone_can_rename_in_is_not_used() {
        let temp = tempfile::tempdir().unwrap();
        let cache = filled(temp.path());
        chmod(temp.path(), 0o777);
        assert!(matches!(cache.lookup(&binaries()), Lookup::Untrusted(why) if why.contains("not sticky")));
        chmod(temp.path(), 0o1777);
        assert!(matches!(cache.lookup(&binaries()), Lookup::Hit(_)), "a sticky directory like /tmp is fine");
        chmod(temp.path(), 0o700);
    }

    #[test]
    fn a_cache_planted_by_another_account_or_as_a_symlink_is_not_used() {
        let temp = tempfile::tempdir().unwrap();
        let cache = filled(temp.path());
        let entry = cache.entry(&binaries());
        // Seen from another account's side: this cache is not theirs.
        let other = InitdbCache { root: cache.root().to_path_buf(), uid: cache.uid + 1 };
        assert!(matches!(other.lookup(&binaries()), Lookup::Untrusted(why) if why.contains("owned by uid")));

        let elsewhere = temp.path().join("elsewhere");
        std::fs::rename(&entry, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &entry).unwrap();
        assert!(matches!(cache.lookup(&binaries()), Lookup::Untrusted(why) if why.contains("not a directory")));
    }
}
