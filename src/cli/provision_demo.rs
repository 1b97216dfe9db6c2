//! `pgrehearse provision`: start a disposable server, make a template and clone it, and
//! report how long each step took; everything is gone when it returns.

use std::time::Instant;

use serde::Serialize;
use sqlx::Executor;

use super::args::{DemoEnding, ProvisionArgs};
use super::exit::{CliError, ExitCode};
use super::format::print_json;
use crate::provision::{self, Resource, Template};

pub async fn run(args: ProvisionArgs) -> Result<ExitCode, CliError> {
    let json = args.output.is_json();
    let started = Instant::now();
    let server = provision::provision(&args.backend.provision_options()).await?;
    let mut summary = ProvisionSummary { backend: format!("{}", server.kind()), ready_ms: started.elapsed().as_millis() as u64, clones: Vec::new(), resources: Vec::new() };
    if !json {
        println!("{} server ready in {:.0?} at {:?}", server.kind(), started.elapsed(), server.endpoint());
    }

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
        if !json {
            println!("cloned {} ({rows} rows) in {:.0?}", clone.name(), cloned_at.elapsed());
        }
        summary.clones.push(ClonedDatabase { name: clone.name().to_string(), rows, ms: cloned_at.elapsed().as_millis() as u64 });
    }
    summary.resources = resources(&server);
    if json {
        print_json(&summary)?;
    } else {
        for line in &summary.resources {
            println!("{line}");
        }
    }
    match args.then {
        DemoEnding::Exit => Ok(ExitCode::Success),
        DemoEnding::Error => Err(CliError::Other(anyhow::anyhow!("stop with an error, as asked (--then error)"))),
        DemoEnding::Panic => panic!("stopping with a panic, as asked (--then panic)"),
        DemoEnding::Wait => {
            if json {
                eprintln!("waiting for a signal");
            } else {
                println!("waiting for a signal");
            }
            std::future::pending().await
        }
    }
}

/// `provision --format json`: the timings and resources the text output prints.
#[derive(Debug, Serialize)]
struct ProvisionSummary {
    backend: String,
    ready_ms: u64,
    clones: Vec<ClonedDatabase>,
    /// The `resource ...` lines, as in the text output.
    resources: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ClonedDatabase {
    name: String,
    rows: i64,
    ms: u64,
}

/// One `resource ...` line per thing a cleanup test must later find gone.
fn resources(server: &provision::Server) -> Vec<String> {
    let mut lines = Vec::new();
    match server.resource() {
        Resource::Native { workdir, pid } => lines.push(format!("resource native dir={} pid={pid}", workdir.display())),
        Resource::Container { id } => lines.push(format!("resource container id={id}")),
        Resource::Existing => {}
    }
    for name in server.created_databases() {
        lines.push(format!("resource database name={name}"));
    }
    lines
}
