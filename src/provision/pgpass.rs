//! Handing a database's credentials to a person without printing the password: a `.pgpass`
//! file (mode 0600, in a 0700 directory of its own) that `psql` reads through `PGPASSFILE`,
//! removed with the server. See <https://www.postgresql.org/docs/current/libpq-pgpass.html>.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::cleanup::{self, Guard, DIRECTORY_PREFIX};
use super::database::Database;
use super::error::ProvisionError;

/// A `.pgpass` file for one database, gone when this is dropped (or on Ctrl-C). A process
/// killed hard leaves it to the next start's stale sweep, like a cluster directory.
pub struct PgPassFile {
    path: PathBuf,
    /// The `psql` invocation that works with this file, password left out.
    psql: String,
    _guard: Guard,
}

impl PgPassFile {
    pub fn write(database: &Database) -> Result<PgPassFile, ProvisionError> {
        let root = super::native::temp_root();
        let dir = root.join(format!("{DIRECTORY_PREFIX}credentials-{}-{:08x}", std::process::id(), rand::random::<u32>()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(ProvisionError::io(&dir))?;
        let removed = dir.clone();
        let guard = cleanup::register(format!("credentials in {}", dir.display()), move || cleanup::remove_dir(&removed));
        std::fs::write(dir.join("owner"), cleanup::owner_tag()).map_err(ProvisionError::io(&dir))?;

        let endpoint = database.endpoint();
        let line = [endpoint.host.as_str(), &endpoint.port.to_string(), database.name(), &endpoint.user, endpoint.password().unwrap_or("")]
            .map(escape)
            .join(":");
        let path = dir.join("pgpass");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(ProvisionError::io(&path))?;
        writeln!(file, "{line}").map_err(ProvisionError::io(&path))?;
        let psql = format!("PGPASSFILE={} psql '{}'", path.display(), endpoint.url_without_password(database.name()));
        Ok(PgPassFile { path, psql, _guard: guard })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `PGPASSFILE=… psql 'postgres://user@host:port/db'`: paste it into a shell.
    pub fn psql_command(&self) -> &str {
        &self.psql
    }
}

/// In a `.pgpass` line, `:` and `\` are escaped with a backslash.
fn escape(field: &str) -> String {
    field.replace('\\', "\\\\").replace(':', "\\:")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn colons_and_backslashes_are_escaped() {
        assert_eq!(escape(r"a:b\c"), r"a\:b\\c");
        assert_eq!(escape("plain"), "plain");
    }
}
