//! A fresh data directory, fast: `initdb` takes about 0.6 s, copying a pristine cluster it
//! made earlier takes a fraction of that. The cache is keyed by server version and owner,
//! filled atomically (staging directory, then rename), and never shared between versions.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::binaries::PgBinaries;
use super::cleanup::DIRECTORY_PREFIX;
use super::error::ProvisionError;
use super::os_user::RunAs;

/// Name of the cache directory under the temporary directory; the stale sweep skips it.
pub const CACHE_DIR_NAME: &str = "pgrehearse-initdb-cache";

/// Fills `data_dir` with a new, empty cluster owned by `run_as` (or by us).
pub fn prepare_data_dir(
    binaries: &PgBinaries,
    run_as: Option<&RunAs>,
    data_dir: &Path,
    use_cache: bool,
) -> Result<(), ProvisionError> {
    let cached = cache_path(binaries, run_as);
    if use_cache && cached.join("PG_VERSION").is_file() {
        return copy_tree(&cached, data_dir);
    }
    run_initdb(binaries, run_as, data_dir)?;
    if use_cache {
        if let Err(err) = fill_cache(data_dir, &cached) {
            tracing::warn!("could not cache the initdb result: {err}");
        }
    }
    Ok(())
}

pub fn cache_path(binaries: &PgBinaries, run_as: Option<&RunAs>) -> PathBuf {
    // SAFETY: geteuid has no preconditions.
    let uid = run_as.map(|a| a.uid).unwrap_or_else(|| unsafe { libc::geteuid() });
    crate::provision::native::temp_root()
        .join(CACHE_DIR_NAME)
        .join(format!("{}-uid{uid}", binaries.version))
}

fn run_initdb(binaries: &PgBinaries, run_as: Option<&RunAs>, data_dir: &Path) -> Result<(), ProvisionError> {
    let mut command = Command::new(binaries.initdb());
    command
        .arg("--pgdata")
        .arg(data_dir)
        .args(["--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"])
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

fn fill_cache(data_dir: &Path, cached: &Path) -> Result<(), ProvisionError> {
    let parent = cached.parent().expect("cache path has a parent");
    std::fs::create_dir_all(parent).map_err(ProvisionError::io(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!("{DIRECTORY_PREFIX}staging-"))
        .tempdir_in(parent)
        .map_err(ProvisionError::io(parent))?;
    let staged = staging.path().join("data");
    copy_tree(data_dir, &staged)?;
    // rename is atomic: a concurrent reader sees no cache or a whole one. If another
    // process won the race, its copy is as good as ours.
    match std::fs::rename(&staged, cached) {
        Ok(()) => Ok(()),
        Err(_) if cached.join("PG_VERSION").is_file() => Ok(()),
        Err(err) => Err(ProvisionError::Io { path: cached.to_path_buf(), source: err }),
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
