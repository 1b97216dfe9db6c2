//! The native backend: an ephemeral cluster from the installed PostgreSQL binaries, in a
//! temporary directory, on a free loopback port, tuned for throwaway data.

use std::fs::File;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::binaries::PgBinaries;
use super::cleanup::{self, DIRECTORY_PREFIX};
use super::error::ProvisionError;
use super::initdb_cache::{self, InitdbCache};
use super::native_auth;
use super::os_user::{self, RunAs};
use super::server::{BackendKind, Endpoint, Resource, Server};
use super::stale;

/// How to start a native cluster.
#[derive(Debug, Clone, Default)]
pub struct NativeOptions {
    /// Directory holding `initdb` and `postgres`; searched for when None.
    pub bindir: Option<PathBuf>,
    /// Account to run the server as when we are root; `postgres` when None.
    pub account: Option<String>,
    /// Run `initdb` afresh instead of copying a cached pristine cluster.
    pub skip_initdb_cache: bool,
    /// Where the cluster's directory and the initdb cache go; [`temp_root`] when None.
    pub temp_root: Option<PathBuf>,
}

/// Temporary directories go under `$PGREHEARSE_TMPDIR`, else the system's.
pub fn temp_root() -> PathBuf {
    std::env::var_os("PGREHEARSE_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir)
}

/// Makes a child process switch to the unprivileged account, when there is one.
pub(crate) fn run_as_account(command: &mut Command, run_as: Option<&RunAs>) {
    if let Some(account) = run_as {
        command.uid(account.uid).gid(account.gid).env("USER", &account.name).env_remove("HOME");
    }
}

pub async fn start(options: &NativeOptions) -> Result<Server, ProvisionError> {
    let binaries = PgBinaries::locate(options.bindir.as_deref())?;
    let run_as = os_user::resolve(options.account.as_deref())?;
    // SAFETY: geteuid has no preconditions.
    let own_uid = unsafe { libc::geteuid() };
    let root = options.temp_root.clone().unwrap_or_else(temp_root);
    stale::sweep_directories(&root, &[Some(own_uid), run_as.as_ref().map(|a| a.uid)].into_iter().flatten().collect::<Vec<_>>());

    let workdir = tempfile::Builder::new()
        .prefix(DIRECTORY_PREFIX)
        .tempdir_in(&root)
        .map_err(ProvisionError::io(&root))?
        .keep();
    // From here on the directory is ours to remove, whatever fails.
    let prepared = prepare(&binaries, run_as.as_ref(), &workdir, options);
    let (child, port) = match prepared {
        Ok(started) => started,
        Err(err) => {
            cleanup::remove_dir(&workdir);
            return Err(err);
        }
    };
    let stopped = Stopped { workdir: workdir.clone(), postgres: binaries.postgres(), port, account: run_as.as_ref().map(|a| a.name.clone()) };
    let password = native_auth::random_password();
    if let Err(err) = native_auth::set_password(&workdir.join("socket"), port, &password).await {
        stop(child, &stopped, false);
        return Err(err);
    }
    let endpoint = Endpoint::new("127.0.0.1", port, native_auth::SUPERUSER, Some(password), "postgres");
    let resource = Resource::Native { workdir: workdir.clone(), pid: child.id() };
    let postmaster = Arc::new(Postmaster { child: Mutex::new(Some(child)), binaries, run_as, workdir, port });
    let for_teardown = Arc::clone(&postmaster);
    let teardown = move |created: &super::server::CreatedDatabases| {
        if let Some(child) = for_teardown.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            stop(child, &stopped, !created.kept.is_empty());
        }
    };
    let mut server = Server::new(BackendKind::Native, endpoint, resource, teardown).await?;
    server.set_hard_restart(Arc::new(move || postmaster.restart_hard()));
    Ok(server)
}

/// The running postmaster and how to start it again on the same directory and port.
struct Postmaster {
    /// `None` once the teardown has stopped it.
    child: Mutex<Option<Child>>,
    binaries: PgBinaries,
    run_as: Option<RunAs>,
    workdir: PathBuf,
    port: u16,
}

impl Postmaster {
    /// An immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start),
    /// then a start on the same data directory and port, waiting until it is ready.
    fn restart_hard(&self) -> Result<(), ProvisionError> {
        let mut slot = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mut child) = slot.take() else {
            return Err(ProvisionError::Command { command: "restart the native cluster".into(), message: "it was already stopped".into() });
        };
        signal_and_wait(&mut child, libc::SIGQUIT, Duration::from_secs(30));
        let data_dir = self.workdir.join("data");
        let started = spawn_and_wait(&self.binaries, self.run_as.as_ref(), &self.workdir, &data_dir, self.port).map_err(|(err, _)| err)?;
        *slot = Some(started);
        Ok(())
    }
}

fn prepare(
    binaries: &PgBinaries,
    run_as: Option<&RunAs>,
    workdir: &Path,
    options: &NativeOptions,
) -> Result<(Child, u16), ProvisionError> {
    // Owner-only, whatever the umask: the socket directory is what keeps other local
    // users off the socket, which admits by peer authentication alone.
    std::fs::set_permissions(workdir, std::fs::Permissions::from_mode(0o700)).map_err(ProvisionError::io(workdir))?;
    std::fs::write(workdir.join("owner"), cleanup::owner_tag()).map_err(ProvisionError::io(workdir))?;
    let socket_dir = workdir.join("socket");
    std::fs::DirBuilder::new().mode(0o700).create(&socket_dir).map_err(ProvisionError::io(&socket_dir))?;
    if let Some(account) = run_as {
        os_user::chown_tree(workdir, account)?;
    }
    let data_dir = workdir.join("data");
    let cache = (!options.skip_initdb_cache).then(|| InitdbCache::for_account(workdir.parent().unwrap_or(workdir), run_as));
    initdb_cache::prepare_data_dir(binaries, run_as, &data_dir, cache.as_ref())?;
    let socket_users: Vec<String> = os_user::current_name().into_iter().chain(run_as.map(|a| a.name.clone())).collect();
    native_auth::write_auth_files(&data_dir, &socket_users)?;

    // A free port can be taken between our probe and the server's bind; retry then.
    let mut last_error = None;
    for _ in 0..5 {
        let port = free_port().map_err(ProvisionError::io(workdir))?;
        match spawn_and_wait(binaries, run_as, workdir, &data_dir, port) {
            Ok(child) => return Ok((child, port)),
            Err((err, retry)) if retry => last_error = Some(err),
            Err((err, _)) => return Err(err),
        }
    }
    Err(last_error.expect("at least one attempt"))
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `postgres` directly (not `pg_ctl`, which polls every 100 ms) and waits until its
/// `postmaster.pid` says `ready`. The error's flag says whether another port may help.
fn spawn_and_wait(
    binaries: &PgBinaries,
    run_as: Option<&RunAs>,
    workdir: &Path,
    data_dir: &Path,
    port: u16,
) -> Result<Child, (ProvisionError, bool)> {
    let log_path = workdir.join("postgres.log");
    let fail = |message: String, retry| (ProvisionError::ServerStart { data_dir: data_dir.to_path_buf(), message }, retry);
    let log = File::create(&log_path).map_err(|e| fail(format!("create {}: {e}", log_path.display()), false))?;
    let log_err = log.try_clone().map_err(|e| fail(e.to_string(), false))?;
    if let Some(account) = run_as {
        let _ = std::os::unix::fs::chown(&log_path, Some(account.uid), Some(account.gid));
    }
    let mut command = Command::new(binaries.postgres());
    command
        .arg("-D")
        .arg(data_dir)
        .arg("-k")
        .arg(workdir.join("socket"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        // Throwaway data: durability buys nothing and costs seconds (see PERF_NOTES).
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
        .args(["-c", "max_connections=200", "-c", "logging_collector=off"])
        // SCRAM for the password set next (PostgreSQL 13 still defaults to md5).
        .args(["-c", "password_encryption=scram-sha-256", "-c", "unix_socket_permissions=0700"])
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        // Its own process group: a terminal's Ctrl-C reaches us, and we stop it in order.
        .process_group(0);
    run_as_account(&mut command, run_as);
    let mut child = command.spawn().map_err(|e| fail(format!("spawn {}: {e}", binaries.postgres().display()), false))?;

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if is_ready(data_dir) {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let retry = log.contains("could not bind") || log.contains("could not create any TCP/IP sockets");
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(fail(format!("postgres exited ({status}):\n{}", tail.join("\n")), retry));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(fail(format!("not ready after 60 s; see {}", log_path.display()), false));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How to start a kept cluster again and connect to it: as the server's account when we
/// are root (postgres refuses root), over the socket, which admits both by peer.
fn restart_hint(stopped: &Stopped) -> String {
    let (workdir, port) = (&stopped.workdir, stopped.port);
    let socket = workdir.join("socket");
    let run_as = stopped.account.as_ref().map(|name| format!("runuser -u {name} -- ")).unwrap_or_default();
    format!(
        "start it with: {run_as}{} -D {} -k {} -h 127.0.0.1 -p {port}\nthen connect with: psql -h {} -p {port} -U {}",
        stopped.postgres.display(),
        workdir.join("data").display(),
        socket.display(),
        socket.display(),
        native_auth::SUPERUSER
    )
}

/// The eighth line of `postmaster.pid` is the postmaster's status (PostgreSQL 10+).
fn is_ready(data_dir: &Path) -> bool {
    std::fs::read_to_string(data_dir.join("postmaster.pid"))
        .map(|pid_file| pid_file.lines().nth(7).is_some_and(|status| status.trim() == "ready"))
        .unwrap_or(false)
}

/// What [`stop`] needs to remove a cluster, or to say how to start a kept one again.
struct Stopped {
    workdir: PathBuf,
    postgres: PathBuf,
    port: u16,
    /// The account the server runs as, when we are root: a restart must switch to it.
    account: Option<String>,
}

/// Sends `signal` to the postmaster and waits until it has exited, killing it after
/// `timeout`.
fn signal_and_wait(child: &mut Child, signal: i32, timeout: Duration) {
    // SAFETY: the pid is our own child's, which we have not reaped yet.
    unsafe { libc::kill(child.id() as i32, signal) };
    let deadline = Instant::now() + timeout;
    while !matches!(child.try_wait(), Ok(Some(_))) {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Stops the cluster and removes its directory, unless a failed test kept a database in
/// it: then the cluster is shut down cleanly and left for a person to start and inspect.
fn stop(mut child: Child, stopped: &Stopped, keep: bool) {
    // SIGQUIT is an immediate shutdown: nothing to flush for throwaway data. SIGINT is a
    // fast shutdown that leaves a consistent directory behind.
    let signal = if keep { libc::SIGINT } else { libc::SIGQUIT };
    signal_and_wait(&mut child, signal, Duration::from_secs(15));
    let workdir = &stopped.workdir;
    if keep {
        let hint = restart_hint(stopped);
        eprintln!("pgrehearse: kept the cluster at {}; {hint}", workdir.display());
        let _ = std::fs::write(workdir.join("kept"), format!("kept after a failure; swept at the next start\n{hint}\n"));
    } else {
        cleanup::remove_dir(workdir);
    }
}
