//! Seed once, clone many: a seeded database marked as a template, from which fresh
//! per-case databases are made with `CREATE DATABASE ... TEMPLATE` in a fraction of the
//! time a re-seed takes.

use sqlx::Executor;

use super::database::Database;
use super::error::ProvisionError;
use super::server::Server;
use crate::quote::quote_ident;

/// A database frozen as a template. Clones start byte-identical to it.
pub struct Template<'s> {
    server: &'s Server,
    source: Database,
}

impl<'s> Template<'s> {
    /// Freezes `seeded` as a template. Every connection to it must be closed first:
    /// Postgres refuses to copy a database that has other sessions.
    pub async fn freeze(server: &'s Server, seeded: Database) -> Result<Template<'s>, ProvisionError> {
        let statement = format!("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", quote_ident(seeded.name()));
        let mut conn = server.admin_connection().await?;
        conn.execute(statement.as_str()).await.map_err(|source| server.query_error(&statement, source))?;
        Ok(Template { server, source: seeded })
    }

    pub fn server(&self) -> &'s Server {
        self.server
    }

    pub fn name(&self) -> &str {
        self.source.name()
    }

    /// Drops the template itself, once no more clones are needed.
    pub async fn drop(self) -> Result<(), ProvisionError> {
        self.server.drop_database(self.source).await
    }

    /// A fresh database with the template's content.
    pub async fn clone_database(&self) -> Result<Database, ProvisionError> {
        self.server.create_database_from(Some(self.source.name())).await
    }
}
