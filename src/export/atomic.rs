//! The all-or-nothing write of the SQLite file: everything goes to a temporary file beside
//! the target, renamed over it only at the end. An error, a panic or Ctrl-C removes the
//! temporary files and leaves nothing at the target path.

use std::path::{Path, PathBuf};

use super::error::ExportError;
use super::manifest::manifest_path;
use crate::provision::cleanup;

pub struct AtomicTarget {
    target: PathBuf,
    temp: PathBuf,
    /// Removes the temporary files on drop and from the signal handler.
    _guard: cleanup::Guard,
}

/// SQLite's companions of a database file in WAL mode.
fn companions(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut name = path.as_os_str().to_os_string();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

fn remove_quietly(path: &Path) {
    let _ = std::fs::remove_file(path);
}

impl AtomicTarget {
    /// Refuses an existing target (without `force`) and a missing directory, then picks
    /// the temporary path.
    pub fn prepare(target: &Path, force: bool) -> Result<AtomicTarget, ExportError> {
        if target.is_dir() {
            return Err(ExportError::BadOption { option: "--out", given: target.display().to_string(), reason: "is a directory; name the SQLite file".into() });
        }
        if target.exists() && !force {
            return Err(ExportError::TargetExists { path: target.to_path_buf() });
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(ExportError::NoDirectory { path: target.to_path_buf(), dir });
        }
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
        let temp = dir.join(format!(".{name}.pgrehearse-{}-{}.tmp", std::process::id(), uuid::Uuid::new_v4().simple()));
        let doomed: Vec<PathBuf> = std::iter::once(temp.clone()).chain(companions(&temp)).chain(std::iter::once(manifest_path(&temp))).collect();
        let guard = cleanup::register(format!("temporary export {}", temp.display()), move || doomed.iter().for_each(|p| remove_quietly(p)));
        Ok(AtomicTarget { target: target.to_path_buf(), temp, _guard: guard })
    }

    /// Where the export writes until it commits.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Writes the manifest beside the temporary file, then renames both into place. The
    /// database is closed by now; a replaced target's stale WAL files are removed first
    /// so SQLite cannot replay them into the new file.
    pub fn commit(self, manifest: &str) -> Result<(), ExportError> {
        let temp_manifest = manifest_path(&self.temp);
        std::fs::write(&temp_manifest, manifest).map_err(|source| ExportError::Io { action: "write", path: temp_manifest.clone(), source })?;
        for stale in companions(&self.target) {
            remove_quietly(&stale);
        }
        std::fs::rename(&self.temp, &self.target).map_err(|source| ExportError::Io { action: "rename into place", path: self.target.clone(), source })?;
        let final_manifest = manifest_path(&self.target);
        std::fs::rename(&temp_manifest, &final_manifest).map_err(|source| ExportError::Io { action: "rename into place", path: final_manifest, source })?;
        Ok(())
    }
}
