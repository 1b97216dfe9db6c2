//! One database handed out by a [`super::Server`]: how to reach it, and whether a failed
//! test wants it kept for a person to inspect (as sqlx's test support does).

use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;

use super::error::ProvisionError;
use super::server::{CreatedDatabases, Endpoint};

pub struct Database {
    name: String,
    endpoint: Endpoint,
    /// Shared with the server's teardown, which drops what is not kept.
    created: Arc<Mutex<CreatedDatabases>>,
    /// Keep this database if it is dropped during a panic (a failed test case).
    keep_on_panic: bool,
}

impl Database {
    pub(crate) fn new(name: String, endpoint: Endpoint, created: Arc<Mutex<CreatedDatabases>>) -> Self {
        Database { name, endpoint, created, keep_on_panic: false }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn connect_options(&self) -> PgConnectOptions {
        self.endpoint.connect_options(&self.name)
    }

    /// The URL with its password: for child processes such as `psql`. Never log it.
    pub fn url(&self) -> String {
        self.endpoint.url(&self.name)
    }

    /// The URL with the password redacted, for logs and reports.
    pub fn display_url(&self) -> String {
        self.endpoint.display_url(&self.name)
    }

    pub async fn connect(&self) -> Result<PgConnection, ProvisionError> {
        PgConnection::connect_with(&self.connect_options())
            .await
            .map_err(|source| ProvisionError::Connect { endpoint: self.display_url(), source })
    }

    pub async fn pool(&self, max_connections: u32) -> Result<PgPool, ProvisionError> {
        PgPoolOptions::new()
            .max_connections(max_connections)
            .connect_with(self.connect_options())
            .await
            .map_err(|source| ProvisionError::Connect { endpoint: self.display_url(), source })
    }

    /// Asks for this database to be kept, and named on stderr, if it is dropped while a
    /// test panics, as sqlx's test support does. Normal runs clean up even after a panic.
    pub fn keep_on_panic(mut self) -> Self {
        self.keep_on_panic = true;
        self
    }

    /// Keeps this database (and, for a native cluster, its data directory) after the
    /// server goes away, and says where it is. Called on its own when a test panics.
    pub fn keep(&self) {
        let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        if !created.kept.contains(&self.name) {
            created.kept.push(self.name.clone());
            eprintln!("pgrehearse: kept database {} for inspection ({})", self.name, self.display_url());
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if self.keep_on_panic && std::thread::panicking() {
            self.keep();
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display_url())
    }
}
