//! Nobody else gets in: the native cluster admits other local users neither over TCP (a
//! random SCRAM password) nor over its socket (a 0700 directory), never shows its password,
//! ignores an initdb cache another user could have planted, and sweeps only its own
//! leftovers. These run as root in CI, which is what the attacks need (`runuser`, `chown`).

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use pgrehearse::provision::{self, NativeOptions, ProvisionOptions, Resource, Server};

/// `psql` as another local user, who knows the port but not the password.
fn psql_as_nobody(args: &[&str]) -> Output {
    Command::new("runuser")
        .args(["-u", "nobody", "--", "psql", "-X", "-w", "-v", "ON_ERROR_STOP=1"])
        .args(args)
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .expect("run runuser/psql (installed by .ci/run)")
}

fn workdir(server: &Server) -> PathBuf {
    let Resource::Native { workdir, .. } = server.resource().clone() else { panic!("native resource expected") };
    workdir
}

/// The password, taken from the one place that holds it: the URL handed to child processes.
fn password_of(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    parsed.password().expect("the native cluster has a password").to_string()
}

fn uid_of(name: &str) -> u32 {
    provision::os_user::resolve(Some(name)).unwrap().map(|a| a.uid).unwrap_or_else(|| unsafe { libc::geteuid() })
}

#[tokio::test]
async fn another_local_user_cannot_log_in_over_tcp_or_the_socket() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let port = server.endpoint().port.to_string();
    let attack = "COPY (SELECT 1) TO PROGRAM 'id'";

    let tcp = psql_as_nobody(&["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-d", "postgres", "-c", attack]);
    let stderr = String::from_utf8_lossy(&tcp.stderr);
    assert!(!tcp.status.success(), "nobody logged in over TCP without a password: {stderr}");
    assert!(stderr.contains("password"), "refused for the wrong reason: {stderr}");

    let socket = workdir(&server).join("socket");
    let local = psql_as_nobody(&["-h", socket.to_str().unwrap(), "-p", &port, "-U", "postgres", "-d", "postgres", "-c", attack]);
    assert!(!local.status.success(), "nobody logged in over the socket: {}", String::from_utf8_lossy(&local.stderr));

    // The control: the same user with the password gets in, so the refusals above are
    // the authentication's doing and not psql failing to run.
    let with_password = psql_as_nobody(&["-d", &db.url(), "-c", "SELECT 1"]);
    assert!(with_password.status.success(), "with the password: {}", String::from_utf8_lossy(&with_password.stderr));
}

#[tokio::test]
async fn the_cluster_and_socket_directories_are_owner_only() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let workdir = workdir(&server);
    let account = uid_of("postgres");
    for dir in [workdir.clone(), workdir.join("socket")] {
        let meta = std::fs::metadata(&dir).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o700, "{} has mode {:o}", dir.display(), meta.mode() & 0o777);
        assert_eq!(meta.uid(), account, "{} must belong to the server's account", dir.display());
    }
    let hba = std::fs::read_to_string(workdir.join("data/pg_hba.conf")).unwrap();
    let rules: Vec<&str> = hba.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).collect();
    assert!(!rules.is_empty(), "pg_hba.conf has no rules");
    assert!(rules.iter().all(|rule| !rule.contains("trust")), "pg_hba.conf trusts someone: {rules:?}");
}

#[tokio::test]
async fn the_password_appears_in_no_log_debug_output_or_display_url() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let password = password_of(&db.url());
    assert!(password.len() >= 32, "a random password of at least 128 bits");
    let mut conn = db.connect().await.unwrap();
    let scram: bool = sqlx::query_scalar("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(scram, "the superuser's password must be stored as SCRAM");
    drop(conn);

    let log = std::fs::read_to_string(workdir(&server).join("postgres.log")).unwrap();
    assert!(log.contains("ready to accept connections"), "not the server's log: {log}");
    let shown = [format!("{server:?}"), format!("{db:?}"), format!("{:?}", server.endpoint()), db.display_url(), log];
    for text in &shown {
        assert!(!text.contains(&password), "the password leaked into: {text}");
    }
    let refused = provision::existing::start(&provision::ExistingOptions { url: db.display_url() }).await.err().expect("a wrong password is refused");
    assert!(!refused.to_string().contains(&password), "the password leaked into an error: {refused}");
}

/// Captures what the library logs through tracing while `f` runs on this thread.
async fn logged<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (out, text)
}

/// A temporary directory like /tmp (other accounts may enter it) that the test owns.
fn private_temp_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    root
}

/// The initdb cache entry a server just filled under `root`, wherever the layout puts it.
fn cache_entry(root: &Path) -> PathBuf {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let under_cache = path.strip_prefix(root).unwrap().to_string_lossy().starts_with("pgrehearse-initdb-cache");
            if !under_cache || !entry.file_type().unwrap().is_dir() {
                continue;
            }
            if path.join("PG_VERSION").is_file() {
                found.push(path);
            } else {
                stack.push(path);
            }
        }
    }
    assert_eq!(found.len(), 1, "expected exactly one cached cluster under {}: {found:?}", root.display());
    found.remove(0)
}

async fn cluster_name(options: &NativeOptions) -> (String, String) {
    let (server, log) = logged(provision::start_native(options)).await;
    let server = server.expect("a server starts whatever the cache holds");
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let name: String = sqlx::query_scalar("SELECT current_setting('cluster_name')").fetch_one(&mut conn).await.unwrap();
    (name, log)
}

#[tokio::test]
async fn an_initdb_cache_another_user_could_have_planted_is_not_used() {
    let root = private_temp_root();
    let options = NativeOptions { temp_root: Some(root.path().to_path_buf()), ..NativeOptions::default() };
    let (name, _) = cluster_name(&options).await;
    assert_eq!(name, "", "a fresh cluster has no cluster_name");
    let entry = cache_entry(root.path());
    let cache_root = root.path().join(entry.strip_prefix(root.path()).unwrap().components().next().unwrap());
    // What a planted cluster would carry: a configuration of the planter's choosing.
    std::fs::write(entry.join("postgresql.auto.conf"), "cluster_name = 'planted'\n").unwrap();
    let (name, _) = cluster_name(&options).await;
    assert_eq!(name, "planted", "the control: an untouched own cache is used");

    // A cache directory anybody can write to could hold anybody's cluster.
    let mode = std::fs::metadata(&cache_root).unwrap().mode() & 0o7777;
    std::fs::set_permissions(&cache_root, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (name, log) = cluster_name(&options).await;
    assert_ne!(name, "planted", "a world-writable cache was used");
    assert!(log.contains("initdb cache") && log.contains("writable by others"), "no warning said why: {log}");
    std::fs::set_permissions(&cache_root, std::fs::Permissions::from_mode(mode)).unwrap();

    // A cache owned by another account is that account's, not ours.
    let status = Command::new("chown").args(["-R", "nobody"]).arg(&entry).status().unwrap();
    assert!(status.success());
    let (name, log) = cluster_name(&options).await;
    assert_ne!(name, "planted", "a cache owned by another account was used");
    assert!(log.contains("owned by uid"), "no warning said why: {log}");
}

#[tokio::test]
async fn the_stale_sweep_removes_only_directories_of_its_own_accounts() {
    let root = private_temp_root();
    let dead = format!("pgrehearse host={} pid=4194304 start=1", provision::cleanup::hostname());
    let mine = root.path().join("pgrehearse-dead-mine");
    let theirs = root.path().join("pgrehearse-dead-theirs");
    for dir in [&mine, &theirs] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("owner"), &dead).unwrap();
    }
    let status = Command::new("chown").args(["-R", "nobody"]).arg(&theirs).status().unwrap();
    assert!(status.success());
    let options = NativeOptions { temp_root: Some(root.path().to_path_buf()), skip_initdb_cache: true, ..NativeOptions::default() };
    let _server = provision::start_native(&options).await.unwrap();
    assert!(!mine.exists(), "a dead owner's directory of ours was not swept");
    assert!(theirs.exists(), "another account's directory was swept");
}
