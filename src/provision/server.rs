//! A running Postgres that hands out databases, whichever backend started it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use super::cleanup::{self, Guard};
use super::database::Database;
use super::error::ProvisionError;
use crate::quote::{quote_ident, quote_literal};

/// Which kind of backend a [`Server`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    Native,
    Container,
    Existing,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Native => "native",
            BackendKind::Container => "container",
            BackendKind::Existing => "existing",
        })
    }
}

/// What a backend holds on this machine, so a person (or a cleanup test) can find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A native cluster: its temporary directory and the postmaster's pid.
    Native { workdir: std::path::PathBuf, pid: u32 },
    /// A container, by id.
    Container { id: String },
    /// Someone else's server: only the databases we create are ours.
    Existing,
}

/// Where a server listens and who to log in as. The password never appears in `Debug`
/// or [`Endpoint::display_url`], so it cannot leak into logs or reports.
#[derive(Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user: String,
    password: Option<String>,
    /// The database that always exists and that administrative statements run in.
    pub maintenance_db: String,
}

impl Endpoint {
    pub fn new(host: &str, port: u16, user: &str, password: Option<String>, maintenance_db: &str) -> Self {
        Endpoint {
            host: host.to_string(),
            port,
            user: user.to_string(),
            password,
            maintenance_db: maintenance_db.to_string(),
        }
    }

    /// Connection options for one database on this server.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        let mut options = PgConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(&self.user)
            .database(database)
            .application_name("pgrehearse")
            .log_statements(tracing::log::LevelFilter::Trace)
            // Long statements are the job here (COPY, batches, index builds): no warnings.
            .log_slow_statements(tracing::log::LevelFilter::Debug, std::time::Duration::from_secs(5));
        if let Some(password) = &self.password {
            options = options.password(password);
        }
        options
    }

    /// A full URL, password included, for handing to tools such as `psql`. Never log it.
    pub fn url(&self, database: &str) -> String {
        let auth = match &self.password {
            Some(p) => format!("{}:{}", encode(&self.user), encode(p)),
            None => encode(&self.user),
        };
        format!("postgres://{auth}@{}:{}/{}", self.host, self.port, encode(database))
    }

    /// The URL without any password, for a client that reads it from a `.pgpass` file.
    pub fn url_without_password(&self, database: &str) -> String {
        format!("postgres://{}@{}:{}/{}", encode(&self.user), self.host, self.port, encode(database))
    }

    /// The password, for writing a `.pgpass` file a person's `psql` reads. Never log it.
    pub(crate) fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The URL with the password replaced by `***`: safe for logs and reports.
    pub fn display_url(&self, database: &str) -> String {
        let auth = match &self.password {
            Some(_) => format!("{}:***", encode(&self.user)),
            None => encode(&self.user),
        };
        format!("postgres://{auth}@{}:{}/{}", self.host, self.port, encode(database))
    }
}

fn encode(part: &str) -> String {
    part.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_url(&self.maintenance_db))
    }
}

/// A running Postgres. Dropping it stops the server (or drops the databases it created on
/// an existing server); the same teardown runs on Ctrl-C through [`cleanup`].
pub struct Server {
    kind: BackendKind,
    endpoint: Endpoint,
    resource: Resource,
    /// `server_version_num`, e.g. 150018; decides whether `STRATEGY` is understood.
    version_num: u32,
    /// Databases this process created here, so teardown drops exactly those and no other.
    created: Arc<Mutex<CreatedDatabases>>,
    /// Stops the server hard and starts it again on the same port, for backends that can.
    hard_restart: Option<HardRestart>,
    /// Runs the backend's teardown on drop, or from the signal handler.
    _guard: Guard,
}

/// A backend's immediate stop and start again, blocking until the server is ready.
pub(crate) type HardRestart = Arc<dyn Fn() -> Result<(), ProvisionError> + Send + Sync>;

/// The databases a server handed out, and which of them a failed test asked to keep.
#[derive(Default, Debug)]
pub(crate) struct CreatedDatabases {
    pub names: Vec<String>,
    pub kept: Vec<String>,
}

static DATABASE_SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Server {
    /// Wraps a started backend. `teardown` receives the databases created (and kept) and
    /// must release everything the backend owns.
    pub(crate) async fn new(
        kind: BackendKind,
        endpoint: Endpoint,
        resource: Resource,
        teardown: impl FnOnce(&CreatedDatabases) + Send + 'static,
    ) -> Result<Server, ProvisionError> {
        let created = Arc::new(Mutex::new(CreatedDatabases::default()));
        let for_teardown = Arc::clone(&created);
        let guard = cleanup::register(format!("{kind} server {endpoint:?}"), move || {
            let created = for_teardown.lock().unwrap_or_else(|e| e.into_inner());
            teardown(&created);
        });
        let mut server = Server { kind, endpoint, resource, version_num: 0, created, hard_restart: None, _guard: guard };
        let mut conn = server.admin_connection().await?;
        let version: String = sqlx::query_scalar("SHOW server_version_num")
            .fetch_one(&mut conn)
            .await
            .map_err(|source| server.query_error("SHOW server_version_num", source))?;
        server.version_num = version.trim().parse().unwrap_or(0);
        Ok(server)
    }

    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    pub(crate) fn set_hard_restart(&mut self, restart: HardRestart) {
        self.hard_restart = Some(restart);
    }

    /// Why this server cannot be stopped hard and started again, if it cannot: only a
    /// server this process started itself can (the native cluster).
    pub fn hard_restart_refused(&self) -> Option<String> {
        match (&self.hard_restart, self.kind) {
            (Some(_), _) => None,
            (None, BackendKind::Existing) => Some("an existing server is someone else's to stop: pgrehearse never stops it".into()),
            (None, kind) => Some(format!("the {kind} backend cannot be stopped hard and restarted by pgrehearse yet; use the native backend")),
        }
    }

    /// Stops the server at once (immediate shutdown, as a crash would: every session ends,
    /// nothing is checkpointed) and starts it again on the same data and port. Every
    /// connection to it must be opened again afterwards.
    pub async fn restart_hard(&self) -> Result<(), ProvisionError> {
        let Some(restart) = self.hard_restart.clone() else {
            let why = self.hard_restart_refused().unwrap_or_default();
            return Err(ProvisionError::Command { command: "restart the server".into(), message: why });
        };
        tokio::task::spawn_blocking(move || restart())
            .await
            .map_err(|e| ProvisionError::Command { command: "restart the server".into(), message: e.to_string() })?
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// Names of the databases created so far (and not yet dropped with the server).
    pub fn created_databases(&self) -> Vec<String> {
        self.created.lock().unwrap_or_else(|e| e.into_inner()).names.clone()
    }

    pub fn version_num(&self) -> u32 {
        self.version_num
    }

    /// A connection to the maintenance database, for CREATE/DROP DATABASE.
    pub async fn admin_connection(&self) -> Result<PgConnection, ProvisionError> {
        let db = &self.endpoint.maintenance_db;
        PgConnection::connect_with(&self.endpoint.connect_options(db))
            .await
            .map_err(|source| ProvisionError::Connect { endpoint: self.endpoint.display_url(db), source })
    }

    /// Creates a new, empty, uniquely named database owned by this process.
    pub async fn create_database(&self) -> Result<Database, ProvisionError> {
        self.create_database_from(None).await
    }

    /// Creates a uniquely named copy of `template` (`CREATE DATABASE ... TEMPLATE`).
    pub(crate) async fn create_database_from(&self, template: Option<&str>) -> Result<Database, ProvisionError> {
        let name = unique_database_name();
        let mut statement = format!("CREATE DATABASE {}", quote_ident(&name));
        if let Some(template) = template {
            statement.push_str(&format!(" TEMPLATE {}", quote_ident(template)));
            // FILE_COPY is 3x faster than PG15's default WAL_LOG for a throwaway clone
            // (see PERF_NOTES); STRATEGY exists from PostgreSQL 15 on.
            if self.version_num >= 150000 {
                statement.push_str(" STRATEGY FILE_COPY");
            }
        }
        let mut conn = self.admin_connection().await?;
        conn.execute(statement.as_str()).await.map_err(|source| self.query_error(&statement, source))?;
        self.created.lock().unwrap_or_else(|e| e.into_inner()).names.push(name.clone());
        let comment = format!(
            "COMMENT ON DATABASE {} IS {}",
            quote_ident(&name),
            quote_literal(&cleanup::owner_tag())
        );
        conn.execute(comment.as_str()).await.map_err(|source| self.query_error(&comment, source))?;
        Ok(Database::new(name, self.endpoint.clone(), Arc::clone(&self.created)))
    }

    /// Drops a database now rather than with the server, so long runs do not fill the
    /// disk with finished cases. A template is unmarked first (templates cannot be dropped).
    pub async fn drop_database(&self, database: Database) -> Result<(), ProvisionError> {
        let name = database.name().to_string();
        let mut conn = self.admin_connection().await?;
        let unmark = format!("ALTER DATABASE {} IS_TEMPLATE false", quote_ident(&name));
        conn.execute(unmark.as_str()).await.map_err(|source| self.query_error(&unmark, source))?;
        let drop = format!("DROP DATABASE {} WITH (FORCE)", quote_ident(&name));
        conn.execute(drop.as_str()).await.map_err(|source| self.query_error(&drop, source))?;
        self.created.lock().unwrap_or_else(|e| e.into_inner()).names.retain(|n| *n != name);
        Ok(())
    }

    pub(crate) fn query_error(&self, statement: &str, source: sqlx::Error) -> ProvisionError {
        ProvisionError::Query {
            statement: statement.to_string(),
            endpoint: self.endpoint.display_url(&self.endpoint.maintenance_db),
            source,
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").field("kind", &self.kind).field("endpoint", &self.endpoint).finish()
    }
}

/// `pgrehearse_<pid>_<seq>_<random>`: unique across processes and hosts, and recognisable
/// by the stale sweep, which also checks the owner tag in the database's comment.
fn unique_database_name() -> String {
    let seq = DATABASE_SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let random: u32 = rand::random();
    format!("{}{}_{seq}_{random:08x}", cleanup::DATABASE_PREFIX, std::process::id())
}
