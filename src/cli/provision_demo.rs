//! `pgrehearse provision`: start a disposable server, make a template and clone it, and
//! report how long each step took; everything is gone when it returns.

use std::time::Instant;

use sqlx::Executor;

use super::args::{DemoEnding, ProvisionArgs};
use super::exit::{CliError, ExitCode};
use crate::provision::{self, Resource, Template};

pub async fn run(args: ProvisionArgs) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let server = provision::provision(&args.backend.provision_options()).await?;
    println!("{} server ready in {:.0?} at {:?}", server.kind(), started.elapsed(), server.endpoint());

    let seeded = server.create_database().await?;
    let mut conn = seeded.connect().await?;
    conn.execute("CREATE TABLE demo AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 100000) g")
        .await
        .map_err(anyhow::Error::from)?;
    drop(conn);
    let template = Template::freeze(&server, seeded).await?;
    for _ in 0..args.clones {
        let cloned_at = Instant::now();
        let clone = template.clone_database().await?;
        let mut conn = clone.connect().await?;
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM demo").fetch_one(&mut conn).await.map_err(anyhow::Error::from)?;
        println!("cloned {} ({rows} rows) in {:.0?}", clone.name(), cloned_at.elapsed());
    }
    print_resources(&server);
    match args.then {
        DemoEnding::Exit => Ok(ExitCode::Success),
        DemoEnding::Error => Err(CliError::Other(anyhow::anyhow!("stop with an error, as asked (--then error)"))),
        DemoEnding::Panic => panic!("stopping with a panic, as asked (--then panic)"),
        DemoEnding::Wait => {
            println!("waiting for a signal");
            std::future::pending().await
        }
    }
}

/// One `resource ...` line per thing a cleanup test must later find gone.
fn print_resources(server: &provision::Server) {
    match server.resource() {
        Resource::Native { workdir, pid } => println!("resource native dir={} pid={pid}", workdir.display()),
        Resource::Container { id } => println!("resource container id={id}"),
        Resource::Existing => {}
    }
    for name in server.created_databases() {
        println!("resource database name={name}");
    }
}
