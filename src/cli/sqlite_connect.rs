//! What export-sqlite and verify-sqlite share at the edge: connecting to --database-url
//! (a bad URL is bad input, an unreachable server is "no Postgres") and mapping export
//! errors onto exit codes.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use super::exit::CliError;
use crate::export::ExportError;
use crate::provision::ProvisionError;

pub async fn connect(url: &str) -> Result<PgConnection, CliError> {
    let options = PgConnectOptions::from_str(url).map_err(|err| CliError::Usage(format!("parse --database-url: {err}")))?;
    let endpoint = format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or_default());
    // Reading millions of rows with COPY is slow by nature; no slow-statement warnings.
    PgConnection::connect_with(&options.disable_statement_logging())
        .await
        .map_err(|source| CliError::Provision(ProvisionError::Connect { endpoint, source }))
}

pub fn export_error(err: ExportError) -> CliError {
    if err.is_bad_input() {
        CliError::Usage(err.to_string())
    } else {
        CliError::Other(anyhow::Error::new(err))
    }
}

/// The URL with its password hidden, for reports.
pub fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(database)".into(),
    }
}
