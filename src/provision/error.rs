//! Everything that can go wrong while getting a disposable Postgres. Messages are lowercase
//! fragments that read after "failed to", and say what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("find PostgreSQL server binaries: {searched}. Install the server package (Debian: `apt-get install postgresql-15`) or point PGREHEARSE_PG_BINDIR at the directory holding initdb and postgres")]
    BinariesNotFound { searched: String },

    #[error("use --pg-bindir {path}: {why}. Point it (or PGREHEARSE_PG_BINDIR) at the directory holding initdb and postgres, e.g. /usr/lib/postgresql/15/bin, or leave it out to search")]
    BadBindir { path: PathBuf, why: String },

    #[error("run the native cluster as root: initdb refuses root and no unprivileged account `{account}` exists. Create one (`useradd --system --no-create-home {account}`), set PGREHEARSE_PG_USER to an existing account, run pgrehearse as a non-root user, or use --backend container / --server-url")]
    NoUnprivilegedAccount { account: String },

    #[error("run `{command}`: {message}")]
    Command { command: String, message: String },

    #[error("start postgres in {data_dir}: {message}")]
    ServerStart { data_dir: PathBuf, message: String },

    #[error("prepare directory {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error("reach the Docker engine: {message}. Start Docker, or use the native backend")]
    DockerUnavailable { message: String },

    #[error("start container from image `{image}`: {message}. If no registry is reachable, build the image locally with `ci/build-postgres-image.sh` and pass --image / PGREHEARSE_IMAGE")]
    Container { image: String, message: String },

    #[error("connect to {endpoint}: {source}")]
    Connect { endpoint: String, source: sqlx::Error },

    #[error("run `{statement}` on {endpoint}: {source}")]
    Query { statement: String, endpoint: String, source: sqlx::Error },

    #[error("parse database URL: {message}")]
    BadUrl { message: String },

    #[error("find any Postgres to use:\n  - existing server: no --server-url given\n  - native: {native}\n  - container: {container}")]
    NothingAvailable { native: String, container: String },

    #[error("use the container backend: this build has no `container` feature. Rebuild with default features")]
    ContainerFeatureDisabled,
}

impl ProvisionError {
    /// True when what the user gave is wrong (exit 2), rather than no Postgres to be had.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ProvisionError::BadUrl { .. } | ProvisionError::BadBindir { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ProvisionError::Io { path, source }
    }
}
