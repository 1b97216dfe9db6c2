//! The existing-server backend, against a native cluster playing someone else's server:
//! it creates uniquely named databases, drops only those, and sweeps stale ones only when
//! their owner is provably dead.

use pgrehearse::provision::{self, BackendChoice, BackendKind, ProvisionOptions};
use pgrehearse::quote::{quote_ident, quote_literal};
use sqlx::Executor;

async fn database_names(conn: &mut sqlx::PgConnection) -> Vec<String> {
    sqlx::query_scalar("SELECT datname::text FROM pg_database ORDER BY 1").fetch_all(conn).await.unwrap()
}

#[tokio::test]
async fn throwaway_databases_are_dropped_and_nothing_else_is_touched() {
    let host = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let bystander = host.create_database().await.unwrap();
    let url = host.endpoint().url("postgres");
    let mut admin = host.admin_connection().await.unwrap();
    let before = database_names(&mut admin).await;

    let options = ProvisionOptions { backend: BackendChoice::Existing, database_url: Some(url), ..Default::default() };
    let existing = provision::provision(&options).await.expect("existing backend");
    assert_eq!(existing.kind(), BackendKind::Existing);
    let a = existing.create_database().await.unwrap();
    let b = existing.create_database().await.unwrap();
    let during = database_names(&mut admin).await;
    assert!(during.contains(&a.name().to_string()) && during.contains(&b.name().to_string()));
    assert_eq!(during.len(), before.len() + 2);

    drop((a, b));
    drop(existing);
    let after = database_names(&mut admin).await;
    assert_eq!(after, before, "exactly the throwaway databases are gone, every other one remains");
    assert!(after.contains(&bystander.name().to_string()));
}

#[tokio::test]
async fn stale_databases_of_dead_owners_on_this_host_are_swept_at_start() {
    let host = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let mut admin = host.admin_connection().await.unwrap();
    let hostname = pgrehearse::provision::cleanup::hostname();
    let stale = "pgrehearse_999999_0_deadbeef";
    let foreign = "pgrehearse_999998_0_cafef00d";
    for (name, tag) in [
        (stale, format!("pgrehearse host={hostname} pid=4194304 start=1")),
        (foreign, "pgrehearse host=another-machine pid=4194304 start=1".to_string()),
    ] {
        admin.execute(format!("CREATE DATABASE {}", quote_ident(name)).as_str()).await.unwrap();
        admin.execute(format!("COMMENT ON DATABASE {} IS {}", quote_ident(name), quote_literal(&tag)).as_str()).await.unwrap();
    }

    let options = ProvisionOptions {
        backend: BackendChoice::Existing,
        database_url: Some(host.endpoint().url("postgres")),
        ..Default::default()
    };
    let _existing = provision::provision(&options).await.unwrap();
    let names = database_names(&mut admin).await;
    assert!(!names.contains(&stale.to_string()), "a dead local owner's database must be swept");
    assert!(names.contains(&foreign.to_string()), "another host's database must never be swept");
}
