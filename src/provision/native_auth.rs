//! Who may log in to a native cluster. TCP needs the superuser's random password (SCRAM);
//! the Unix socket sits in a 0700 directory and admits, by peer authentication, only the
//! account that runs the server and the one that started it. Without this, any local user
//! could connect as superuser and run programs as the server's account (`COPY ... TO
//! PROGRAM`). See <https://www.postgresql.org/docs/current/auth-pg-hba-conf.html>.

use std::path::Path;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use super::error::ProvisionError;
use crate::quote::quote_literal;

/// The superuser every backend logs in as.
pub const SUPERUSER: &str = "postgres";

/// A new random password: 128 bits, hex, so it needs no quoting in a URL.
pub fn random_password() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Writes `pg_hba.conf` and `pg_ident.conf` into a data directory, whether initdb just made
/// it or it was copied from the cache: what initdb wrote is never trusted. `os_users` are
/// the accounts the socket admits as the superuser.
pub fn write_auth_files(data_dir: &Path, os_users: &[String]) -> Result<(), ProvisionError> {
    let hba = "# Written by pgrehearse: loopback TCP needs the superuser's password; the socket\n\
               # directory is 0700 and admits only the accounts mapped in pg_ident.conf.\n\
               local all all peer map=owner\n\
               host all all 127.0.0.1/32 scram-sha-256\n\
               host all all ::1/128 scram-sha-256\n";
    let mut ident = String::from("# Written by pgrehearse: who may use the socket, as the superuser.\n");
    for user in os_users {
        ident.push_str(&format!("owner \"{}\" {SUPERUSER}\n", user.replace('"', "")));
    }
    for (name, content) in [("pg_hba.conf", hba.to_string()), ("pg_ident.conf", ident)] {
        let path = data_dir.join(name);
        // Overwriting keeps the file's owner (the server's account) and its 0600 mode.
        std::fs::write(&path, content).map_err(ProvisionError::io(&path))?;
    }
    Ok(())
}

/// Sets the superuser's password over the socket. Until this runs no password exists, so
/// TCP admits nobody. The statement is kept out of the server's log, and the error, if any,
/// never carries it.
pub async fn set_password(socket_dir: &Path, port: u16, password: &str) -> Result<(), ProvisionError> {
    let options = PgConnectOptions::new()
        .socket(socket_dir)
        .port(port)
        .username(SUPERUSER)
        .database("postgres")
        .application_name("pgrehearse")
        .disable_statement_logging();
    let shown = format!("the socket in {}", socket_dir.display());
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(|source| ProvisionError::Connect { endpoint: shown.clone(), source })?;
    let quiet = "SET log_statement = 'none'; SET log_min_error_statement = 'panic'";
    conn.execute(quiet).await.map_err(|source| ProvisionError::Query { statement: quiet.into(), endpoint: shown.clone(), source })?;
    let statement = format!("ALTER ROLE {SUPERUSER} PASSWORD {}", quote_literal(password));
    conn.execute(statement.as_str()).await.map_err(|source| ProvisionError::Query {
        statement: format!("ALTER ROLE {SUPERUSER} PASSWORD '***'"),
        endpoint: shown,
        source,
    })?;
    conn.close().await.ok();
    Ok(())
}
