//! `initdb` refuses to run as root, and CI runs as root: then the native cluster runs as an
//! unprivileged system account (Debian's packages create `postgres`).

use std::ffi::CString;
use std::path::Path;

use super::error::ProvisionError;

/// Environment variable naming the account to run the native cluster as, when root.
pub const ACCOUNT_ENV: &str = "PGREHEARSE_PG_USER";
const DEFAULT_ACCOUNT: &str = "postgres";

/// The account a child process switches to.
#[derive(Debug, Clone)]
pub struct RunAs {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// None when this process is not root (the server runs as us); otherwise the account to
/// switch to, or an error that says how to provide one.
pub fn resolve(requested: Option<&str>) -> Result<Option<RunAs>, ProvisionError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let env = std::env::var(ACCOUNT_ENV).ok();
    let name = requested.map(str::to_string).or(env).unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
    lookup(&name).map(Some).ok_or(ProvisionError::NoUnprivilegedAccount { account: name })
}

/// The name of the account this process runs as, e.g. `root`.
pub fn current_name() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy out at once.
    let entry = unsafe { libc::getpwuid(libc::geteuid()) };
    if entry.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr((*entry).pw_name) };
    name.to_str().ok().map(str::to_string)
}

fn lookup(name: &str) -> Option<RunAs> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer into static storage or null; we copy out at once.
    let entry = unsafe { libc::getpwnam(c_name.as_ptr()) };
    if entry.is_null() {
        return None;
    }
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    (uid != 0).then(|| RunAs { name: name.to_string(), uid, gid })
}

/// Hands a directory tree to the account, so the server can own its data directory.
pub fn chown_tree(path: &Path, account: &RunAs) -> Result<(), ProvisionError> {
    let status = std::process::Command::new("chown")
        .arg("-R")
        .arg(format!("{}:{}", account.uid, account.gid))
        .arg(path)
        .status()
        .map_err(ProvisionError::io(path))?;
    if status.success() {
        Ok(())
    } else {
        Err(ProvisionError::Command { command: format!("chown -R {} {}", account.name, path.display()), message: status.to_string() })
    }
}
