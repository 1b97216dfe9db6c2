//! The engine as a child process, `pgrehearse migrate STEP --scenario FILE`, on one clone,
//! so it can be killed like a real deployment's: the binary is this one when it is
//! `pgrehearse`, else `$PGREHEARSE_BIN`. The database URL (with its password) goes in the
//! child's environment, never on a command line other users can read; stderr goes to a
//! file, read back for the outcome's detail.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

use super::error::FaultError;
use crate::provision::Database;

/// How to run the engine against one database.
#[derive(Debug, Clone)]
pub struct EngineCommand {
    binary: PathBuf,
    url: String,
    scenario: PathBuf,
    /// Extra flags, e.g. a short `--lock-timeout-ms`.
    flags: Vec<String>,
    /// Where each run's stderr goes.
    log_dir: PathBuf,
}

/// What a run of the engine ended with.
#[derive(Debug, Clone)]
pub struct Finished {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stderr: String,
}

impl Finished {
    pub fn succeeded(&self) -> bool {
        self.code == Some(0)
    }

    /// The exit and the last line the engine wrote, for a detail.
    pub fn describe(&self) -> String {
        let code = self.code.map(|c| format!("exit {c}")).unwrap_or_else(|| "killed by a signal".into());
        match self.stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            Some(last) => format!("{code}: {}", last.trim()),
            None => code,
        }
    }
}

/// The pgrehearse binary to run the engine with.
pub fn binary() -> Result<PathBuf, FaultError> {
    if let Some(path) = std::env::var_os("PGREHEARSE_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(FaultError::io("find the running executable"))?;
    if exe.file_stem().is_some_and(|stem| stem == "pgrehearse") {
        return Ok(exe);
    }
    Err(FaultError::Harness(format!(
        "find the pgrehearse binary to run the engine in: this process is {}; set PGREHEARSE_BIN to the pgrehearse executable",
        exe.display()
    )))
}

impl EngineCommand {
    pub fn new(db: &Database, scenario: &Path, log_dir: &Path) -> Result<EngineCommand, FaultError> {
        Ok(EngineCommand { binary: binary()?, url: db.url(), scenario: scenario.to_path_buf(), flags: Vec::new(), log_dir: log_dir.to_path_buf() })
    }

    pub fn with_flags(mut self, flags: &[&str]) -> EngineCommand {
        self.flags.extend(flags.iter().map(|f| f.to_string()));
        self
    }

    /// Starts `migrate STEP`.
    pub fn spawn(&self, step: &str) -> Result<Running, FaultError> {
        let log = tempfile::NamedTempFile::new_in(&self.log_dir).map_err(FaultError::io("create a file for the engine's stderr"))?;
        let stderr = log.reopen().map_err(FaultError::io("open the engine's stderr file"))?;
        let child = Command::new(&self.binary)
            .args(["migrate", step, "--scenario"])
            .arg(&self.scenario)
            .args(["--format", "json"])
            // The fault points land on the in-place convert's log writes; a scenario with
            // faults asks for no other method (`faults_load`), so `auto` is settled here.
            .args(["--convert", "in-place"])
            .args(&self.flags)
            .env("DATABASE_URL", &self.url)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .map_err(FaultError::io(format!("start {} migrate {step}", self.binary.display())))?;
        Ok(Running { child, log })
    }

    /// Runs `migrate STEP` to its end.
    pub async fn run(&self, step: &str) -> Result<Finished, FaultError> {
        self.spawn(step)?.wait().await
    }
}

/// A running engine.
pub struct Running {
    pub child: Child,
    log: tempfile::NamedTempFile,
}

impl Running {
    /// Whether it has exited (without waiting).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// SIGKILL, and wait for it to be gone.
    pub async fn kill(mut self) -> Result<Finished, FaultError> {
        self.child.start_kill().map_err(FaultError::io("SIGKILL the engine"))?;
        self.wait().await
    }

    pub async fn wait(mut self) -> Result<Finished, FaultError> {
        let status = self.child.wait().await.map_err(FaultError::io("wait for the engine"))?;
        let stderr = std::fs::read_to_string(self.log.path()).unwrap_or_default();
        Ok(Finished { code: status.code(), stderr })
    }
}
