//! The native backend: a cluster from the installed binaries, reachable on loopback,
//! handing out databases and template clones, and gone without a trace when dropped.

mod support;

use pgrehearse::provision::{self, BackendKind, ProvisionOptions, Resource, Template};
use sqlx::Executor;

#[tokio::test]
async fn native_cluster_serves_databases_on_loopback_and_vanishes_on_drop() {
    let server = provision::provision(&ProvisionOptions::native()).await.expect("native server");
    assert_eq!(server.kind(), BackendKind::Native);
    assert_eq!(server.endpoint().host, "127.0.0.1");
    let Resource::Native { workdir, pid } = server.resource().clone() else { panic!("native resource expected") };
    assert!(workdir.join("data/PG_VERSION").is_file());

    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let (fsync, listen): (String, String) =
        sqlx::query_as("SELECT current_setting('fsync'), current_setting('listen_addresses')").fetch_one(&mut conn).await.unwrap();
    assert_eq!(fsync, "off", "throwaway clusters run with fsync off");
    assert_eq!(listen, "127.0.0.1", "servers listen on loopback only");
    drop(conn);

    drop(db);
    drop(server);
    assert!(!support::is_process_alive(pid), "postmaster {pid} still runs after drop");
    assert!(!workdir.exists(), "{} still exists after drop", workdir.display());
}

#[tokio::test]
async fn template_clones_start_identical_to_the_seeded_database_and_are_independent() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let seeded = server.create_database().await.unwrap();
    let mut conn = seeded.connect().await.unwrap();
    conn.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g").await.unwrap();
    let fingerprint = "SELECT count(*)::bigint, sum(hashtextextended(concat_ws('|', id, v), 0))::numeric::text FROM t";
    let expected: (i64, String) = sqlx::query_as(fingerprint).fetch_one(&mut conn).await.unwrap();
    drop(conn);

    let template = Template::freeze(&server, seeded).await.unwrap();
    let first = template.clone_database().await.unwrap();
    let second = template.clone_database().await.unwrap();
    assert_ne!(first.name(), second.name());

    let mut a = first.connect().await.unwrap();
    let got: (i64, String) = sqlx::query_as(fingerprint).fetch_one(&mut a).await.unwrap();
    assert_eq!(got, expected, "a clone must hold exactly the template's rows");
    a.execute("DELETE FROM t WHERE id % 2 = 0").await.unwrap();

    let mut b = second.connect().await.unwrap();
    let untouched: (i64, String) = sqlx::query_as(fingerprint).fetch_one(&mut b).await.unwrap();
    assert_eq!(untouched, expected, "changing one clone must not touch another");
}

#[tokio::test]
async fn fresh_initdb_and_cached_cluster_both_start() {
    let options = provision::NativeOptions { skip_initdb_cache: true, ..Default::default() };
    let server = provision::start_native(&options).await.expect("server from a fresh initdb");
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.unwrap();
    assert_eq!(one, 1);
}

#[tokio::test]
async fn a_kept_cluster_restarts_with_the_printed_command_even_as_root() {
    let root = tempfile::tempdir().unwrap();
    // Like /tmp: the server's account must reach its directory inside.
    std::fs::set_permissions(root.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let options = provision::NativeOptions { temp_root: Some(root.path().to_path_buf()), ..Default::default() };
    let server = provision::start_native(&options).await.unwrap();
    let Resource::Native { workdir, .. } = server.resource().clone() else { panic!("native resource expected") };
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    conn.execute("CREATE TABLE kept AS SELECT g FROM generate_series(1, 7) g").await.unwrap();
    drop(conn);
    db.keep();
    let name = db.name().to_string();
    drop(db);
    drop(server);

    let kept = std::fs::read_to_string(workdir.join("kept")).expect("a kept cluster says how to restart it");
    let line = |prefix: &str| kept.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("no `{prefix}` in {kept}")).to_string();
    let (start, connect) = (line("start it with: "), line("then connect with: "));
    let mut postmaster = std::process::Command::new("sh").args(["-c", &start]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid_file = workdir.join("data/postmaster.pid");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&pid_file).is_ok_and(|p| p.lines().nth(7).is_some_and(|s| s.trim() == "ready")) {
        if let Some(status) = postmaster.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut postmaster.stderr.take().unwrap(), &mut err).unwrap();
            panic!("`{start}` exited ({status}): {err}");
        }
        assert!(std::time::Instant::now() < deadline, "`{start}` not ready after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let psql = std::process::Command::new("sh").args(["-c", &format!("{connect} -X -w -At -d {name} -c 'SELECT count(*) FROM kept'")]).output().unwrap();
    let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().lines().next().unwrap().trim().parse().unwrap();
    unsafe { libc::kill(pid, libc::SIGINT) };
    postmaster.wait().unwrap();
    assert!(psql.status.success(), "`{connect}` fails: {}", String::from_utf8_lossy(&psql.stderr));
    assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), "7", "the kept database still holds its rows");
}
