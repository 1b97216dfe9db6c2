//! `pgrehearse doctor`: which backends work on this machine, and why the others do not.

use serde::Serialize;

use super::{os_user, PgBinaries, ProvisionOptions};

/// One backend's availability, with the reason when it is not available.
#[derive(Debug, Serialize)]
pub struct BackendStatus {
    pub backend: &'static str,
    pub available: bool,
    pub detail: String,
}

pub async fn diagnose(options: &ProvisionOptions) -> Vec<BackendStatus> {
    vec![native_status(options), container_status(options), existing_status(options).await]
}

fn native_status(options: &ProvisionOptions) -> BackendStatus {
    let (available, detail) = match PgBinaries::locate(options.pg_bindir.as_deref()) {
        Err(err) => (false, err.to_string()),
        Ok(binaries) => match os_user::resolve(None) {
            Err(err) => (false, err.to_string()),
            Ok(None) => (true, format!("PostgreSQL {} in {}", binaries.version, binaries.bindir.display())),
            Ok(Some(account)) => (
                true,
                format!(
                    "PostgreSQL {} in {}; running as root, so the server runs as `{}`",
                    binaries.version,
                    binaries.bindir.display(),
                    account.name
                ),
            ),
        },
    };
    BackendStatus { backend: "native", available, detail }
}

#[cfg(feature = "container")]
fn container_status(options: &ProvisionOptions) -> BackendStatus {
    let image = super::ContainerOptions { image: options.image.clone() }.image();
    let (available, detail) = match super::container::engine_version() {
        Err(err) => (false, format!("Docker engine does not answer: {err}")),
        Ok(version) if super::container::is_image_present(&image) => {
            (true, format!("Docker engine {version}; image {image} present"))
        }
        Ok(version) => (
            false,
            format!("Docker engine {version} answers, but image {image} is not present; pull it, or build one with ci/build-postgres-image.sh and set PGREHEARSE_IMAGE"),
        ),
    };
    BackendStatus { backend: "container", available, detail }
}

#[cfg(not(feature = "container"))]
fn container_status(_options: &ProvisionOptions) -> BackendStatus {
    BackendStatus { backend: "container", available: false, detail: "built without the `container` feature".into() }
}

async fn existing_status(options: &ProvisionOptions) -> BackendStatus {
    let Some(url) = &options.database_url else {
        return BackendStatus {
            backend: "existing",
            available: false,
            detail: "no --server-url given".into(),
        };
    };
    let (available, detail) = match super::existing::parse_url(url) {
        Err(err) => (false, err.to_string()),
        Ok(endpoint) => {
            let shown = endpoint.display_url(&endpoint.maintenance_db);
            match <sqlx::PgConnection as sqlx::Connection>::connect_with(&endpoint.connect_options(&endpoint.maintenance_db)).await {
                Ok(_) => (true, format!("{shown} reachable")),
                Err(err) => (false, format!("{shown} unreachable: {err}")),
            }
        }
    };
    BackendStatus { backend: "existing", available, detail }
}
