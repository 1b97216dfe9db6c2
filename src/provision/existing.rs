//! The existing-server backend: throwaway databases on a server someone else runs. It
//! creates uniquely named databases, drops exactly those, and touches nothing else.

use sqlx::Executor;

use super::error::ProvisionError;
use super::server::{BackendKind, CreatedDatabases, Endpoint, Resource, Server};
use super::stale;
use crate::quote::quote_ident;

#[derive(Debug, Clone)]
pub struct ExistingOptions {
    /// `postgres://user:password@host:port/database`; the database is where
    /// CREATE/DROP DATABASE run, `postgres` when the URL names none.
    pub url: String,
}

pub async fn start(options: &ExistingOptions) -> Result<Server, ProvisionError> {
    let endpoint = parse_url(&options.url)?;
    let for_teardown = endpoint.clone();
    let server = Server::new(BackendKind::Existing, endpoint, Resource::Existing, move |created| {
        drop_created(&for_teardown, created)
    })
    .await?;
    let mut conn = server.admin_connection().await?;
    let swept = stale::sweep_databases(&mut conn).await;
    if !swept.is_empty() {
        tracing::info!("dropped {} stale pgrehearse databases: {}", swept.len(), swept.join(", "));
    }
    Ok(server)
}

/// Splits a Postgres URL into an [`Endpoint`], percent-decoding user and password.
pub fn parse_url(raw: &str) -> Result<Endpoint, ProvisionError> {
    let bad = |message: &str| ProvisionError::BadUrl { message: message.to_string() };
    let url = url::Url::parse(raw).map_err(|e| bad(&explain_url_error("--server-url", &e.to_string())))?;
    if url.scheme() != "postgres" && url.scheme() != "postgresql" {
        return Err(bad(&format!("scheme `{}` is not postgres:// or postgresql://", url.scheme())));
    }
    let decode = |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    let host = url.host_str().filter(|h| !h.is_empty()).unwrap_or("localhost").trim_matches(['[', ']']);
    let user = match url.username() {
        "" => "postgres".to_string(),
        u => decode(u).unwrap_or_else(|| u.to_string()),
    };
    let password = url.password().map(|p| decode(p).unwrap_or_else(|| p.to_string()));
    let database = url.path().trim_start_matches('/');
    let database = if database.is_empty() { "postgres".to_string() } else { decode(database).unwrap_or_default() };
    Ok(Endpoint::new(host, url.port().unwrap_or(5432), &user, password, &database))
}

/// A URL parse error, with what the URL should look like and the usual cause: a password
/// holding `@`, `/` or `:` makes the parser read part of it as the host or the port. The
/// message never repeats the URL, which holds the password.
pub fn explain_url_error(flag: &str, error: &str) -> String {
    format!(
        "{error}; expected postgres://user:password@host:port/database. If the user or password holds \
         characters such as @ : / ? # [ ] % or a space, percent-encode them in {flag} (@ as %40, / as %2F, : as %3A, # as %23)"
    )
}

/// Drops the databases this process created, except those a failed test kept.
fn drop_created(endpoint: &Endpoint, created: &CreatedDatabases) {
    let doomed: Vec<String> = created.names.iter().filter(|n| !created.kept.contains(n)).cloned().collect();
    if doomed.is_empty() {
        return;
    }
    let endpoint = endpoint.clone();
    // Teardown may run inside a runtime (a drop in async code) or outside (a signal, a
    // panic): a thread with its own small runtime works in both.
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
        runtime.block_on(async {
            let mut conn: sqlx::PgConnection = sqlx::Connection::connect_with(&endpoint.connect_options(&endpoint.maintenance_db)).await.ok()?;
            for name in &doomed {
                let unmark = format!("ALTER DATABASE {} IS_TEMPLATE false", quote_ident(name));
                let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
                let _ = Executor::execute(&mut conn, unmark.as_str()).await;
                if let Err(err) = Executor::execute(&mut conn, drop.as_str()).await {
                    eprintln!("pgrehearse: could not drop database {name}: {err}");
                }
            }
            Some(())
        })
    });
    let _ = worker.join();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_endpoints_with_decoded_secrets() {
        let e = parse_url("postgres://al%40ice:p%2Fss@db.local:6543/app").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.user.as_str(), e.maintenance_db.as_str()), ("db.local", 6543, "al@ice", "app"));
        assert_eq!(e.url("app"), "postgres://al%40ice:p%2Fss@db.local:6543/app");
        assert!(!e.display_url("app").contains("p%2Fss"), "display URL must hide the password");
        let d = parse_url("postgresql://localhost").unwrap();
        assert_eq!((d.port, d.user.as_str(), d.maintenance_db.as_str()), (5432, "postgres", "postgres"));
        assert!(parse_url("mysql://x").is_err());
    }

    #[test]
    fn an_unencoded_password_gets_a_hint_at_percent_encoding_and_is_not_shown() {
        let err = parse_url("postgres://app:se/cr@t@db.local:5432/app").unwrap_err().to_string();
        assert!(err.contains("percent-encode") && err.contains("--server-url") && err.contains("%40"), "{err}");
        assert!(!err.contains("se/cr"), "the message must not show the password: {err}");
    }
}
