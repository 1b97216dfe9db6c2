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
