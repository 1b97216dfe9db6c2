//! A tablespace too small for the backup: a tmpfs of a given size mounted on this machine,
//! owned by the server's account, registered with `CREATE TABLESPACE`. Only a server whose
//! files are on this machine (the native cluster) can use it, and only root can mount; when
//! either is not so, the reason is returned and the fault is reported as not run.

use std::path::PathBuf;
use std::process::Command;

use sqlx::Executor;

use super::error::FaultError;
use crate::provision::{os_user, BackendKind, Server};
use crate::quote::{quote_ident, quote_literal};

pub struct SmallTablespace {
    pub name: String,
    dir: PathBuf,
}

/// Mounts a tmpfs of `bytes` and makes it a tablespace; `Ok(Err(why))` when it cannot be.
pub async fn create(server: &Server, bytes: u64) -> Result<Result<SmallTablespace, String>, FaultError> {
    if server.kind() != BackendKind::Native {
        return Ok(Err(format!("the {} backend's files are not on this machine, so no tmpfs can be mounted under them; use the native backend", server.kind())));
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(Err("mounting a tmpfs needs root; run as root, or leave disk_full_during_backup out".into()));
    }
    let account = os_user::resolve(None)?;
    let dir = tempfile::Builder::new().prefix("pgrehearse-tmpfs-").tempdir_in(crate::provision::temp_root()).map_err(FaultError::io("create a mount point"))?.keep();
    let (uid, gid) = account.as_ref().map_or((0, 0), |a| (a.uid, a.gid));
    let size = bytes.div_ceil(4096) * 4096;
    let output = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700,uid={uid},gid={gid}"), "tmpfs"])
        .arg(&dir)
        .output();
    match output {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            let _ = std::fs::remove_dir(&dir);
            return Ok(Err(format!("`mount -t tmpfs` failed here: {}", String::from_utf8_lossy(&out.stderr).trim())));
        }
        Err(e) => {
            let _ = std::fs::remove_dir(&dir);
            return Ok(Err(format!("`mount` could not be run: {e}")));
        }
    }
    let name = format!("pgrehearse_small_{:08x}", rand::random::<u32>());
    let create = format!("CREATE TABLESPACE {} LOCATION {}", quote_ident(&name), quote_literal(&dir.display().to_string()));
    let mut conn = server.admin_connection().await?;
    if let Err(e) = conn.execute(create.as_str()).await {
        unmount(&dir);
        return Err(FaultError::Query { context: format!("run `{create}`"), source: e });
    }
    Ok(Ok(SmallTablespace { name, dir }))
}

impl SmallTablespace {
    /// Drops the tablespace (every database using it must be dropped first) and unmounts.
    pub async fn remove(self, server: &Server) -> Result<(), FaultError> {
        let drop = format!("DROP TABLESPACE IF EXISTS {}", quote_ident(&self.name));
        let mut conn = server.admin_connection().await?;
        let dropped = conn.execute(drop.as_str()).await;
        unmount(&self.dir);
        dropped.map_err(FaultError::query(format!("run `{drop}`")))?;
        Ok(())
    }
}

fn unmount(dir: &std::path::Path) {
    let _ = Command::new("umount").arg(dir).output();
    let _ = std::fs::remove_dir(dir);
}
