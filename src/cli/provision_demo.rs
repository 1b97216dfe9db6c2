//! `pgrehearse provision`: start a disposable server, make a template and clone it, and
//! report how long each step took; everything is gone when it returns.

use std::time::Instant;

use sqlx::Executor;

use super::args::ProvisionArgs;
use super::exit::{CliError, ExitCode};
use crate::provision::{self, Template};

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
    Ok(ExitCode::Success)
}
