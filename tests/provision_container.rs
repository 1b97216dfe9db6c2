//! The container backend through testcontainers, on the image built from Debian packages
//! by ci/build-postgres-image.sh (no registry is reachable here).

mod support;

use pgrehearse::provision::{self, BackendChoice, BackendKind, ProvisionOptions, Resource, Template};
use sqlx::Executor;

fn container_options() -> ProvisionOptions {
    ProvisionOptions { backend: BackendChoice::Container, image: Some(support::test_image()), ..Default::default() }
}

#[tokio::test]
async fn container_serves_databases_with_a_secret_password_and_is_removed_on_drop() {
    if !support::container_backend_ready("container_serves_databases") {
        return;
    }
    let server = provision::provision(&container_options()).await.expect("container server");
    assert_eq!(server.kind(), BackendKind::Container);
    let Resource::Container { id } = server.resource().clone() else { panic!("container resource expected") };
    assert!(support::container_exists(&id));
    let shown = format!("{:?}", server.endpoint());
    assert!(shown.contains("***"), "the password must be redacted in {shown}");

    let seeded = server.create_database().await.unwrap();
    let mut conn = seeded.connect().await.unwrap();
    conn.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g").await.unwrap();
    let fsync: String = sqlx::query_scalar("SELECT current_setting('fsync')").fetch_one(&mut conn).await.unwrap();
    assert_eq!(fsync, "off");
    drop(conn);
    let template = Template::freeze(&server, seeded).await.unwrap();
    let clone = template.clone_database().await.unwrap();
    let mut conn = clone.connect().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut conn).await.unwrap();
    assert_eq!(rows, 1000);
    drop(conn);

    drop((clone, template));
    drop(server);
    assert!(!support::container_exists(&id), "container {id} must be gone after drop");
}

#[tokio::test]
async fn published_port_listens_on_loopback_only() {
    if !support::container_backend_ready("published_port_listens_on_loopback_only") {
        return;
    }
    let server = provision::provision(&container_options()).await.expect("container server");
    let Resource::Container { id } = server.resource().clone() else { panic!("container resource expected") };
    let output = std::process::Command::new("docker").args(["port", &id, "5432/tcp"]).output().unwrap();
    let bindings = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(!bindings.trim().is_empty(), "the port must be published");
    for line in bindings.lines() {
        assert!(line.starts_with("127.0.0.1:"), "published on a non-loopback address: {line}");
    }
}
