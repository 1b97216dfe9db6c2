//! The container backend: a Postgres container through testcontainers. The image is
//! configurable; when no registry is reachable, `ci/build-postgres-image.sh` builds one
//! from Debian packages that behaves like the official image.

use std::process::Command;
use std::time::{Duration, Instant};

use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

use super::cleanup::{self, CONTAINER_LABEL};
use super::error::ProvisionError;
use super::server::{BackendKind, Endpoint, Resource, Server};

/// The official image a user would pull.
pub const DEFAULT_IMAGE: &str = "postgres:15";
/// Environment variable that overrides the image.
pub const IMAGE_ENV: &str = "PGREHEARSE_IMAGE";
/// A bridge network whose published ports bind to 127.0.0.1 only: Docker otherwise
/// publishes on every interface (testcontainers-rs#796 has no per-port host IP).
const LOOPBACK_NETWORK: &str = "pgrehearse-loopback";

#[derive(Debug, Clone, Default)]
pub struct ContainerOptions {
    /// `name:tag`; `$PGREHEARSE_IMAGE` or [`DEFAULT_IMAGE`] when None.
    pub image: Option<String>,
}

impl ContainerOptions {
    pub fn image(&self) -> String {
        self.image
            .clone()
            .or_else(|| std::env::var(IMAGE_ENV).ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| DEFAULT_IMAGE.to_string())
    }
}

pub async fn start(options: &ContainerOptions) -> Result<Server, ProvisionError> {
    let image = options.image();
    let fail = |message: String| ProvisionError::Container { image: image.clone(), message };
    let (name, tag) = image.rsplit_once(':').filter(|(_, t)| !t.contains('/')).unwrap_or((image.as_str(), "latest"));
    sweep_stale_containers();
    ensure_loopback_network().map_err(fail)?;

    let password = format!("{:032x}", rand::random::<u128>());
    let container = GenericImage::new(name, tag)
        .with_exposed_port(5432.tcp())
        .with_wait_for(WaitFor::message_on_stderr("database system is ready to accept connections"))
        .with_network(LOOPBACK_NETWORK)
        .with_label(CONTAINER_LABEL, cleanup::owner_tag())
        .with_env_var("POSTGRES_USER", "postgres")
        .with_env_var("POSTGRES_PASSWORD", password.clone())
        .with_env_var("POSTGRES_DB", "postgres")
        // Throwaway data: skip initdb's fsync (seconds on a container's overlay filesystem).
        .with_env_var("POSTGRES_INITDB_ARGS", "--no-sync")
        .with_cmd(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"])
        .with_startup_timeout(Duration::from_secs(120))
        .start()
        .await
        .map_err(|e| fail(e.to_string()))?;
    let id = container.id().to_string();
    let port = match container.get_host_port_ipv4(5432.tcp()).await {
        Ok(port) => port,
        Err(err) => {
            remove_container(&id);
            return Err(fail(err.to_string()));
        }
    };
    let endpoint = Endpoint::new("127.0.0.1", port, "postgres", Some(password), "postgres");
    // The official image logs the readiness line once for its init server too: wait for
    // a real connection before handing the server out.
    if let Err(err) = wait_for_connection(&endpoint).await {
        remove_container(&id);
        return Err(fail(err));
    }
    let resource = Resource::Container { id: id.clone() };
    Server::new(BackendKind::Container, endpoint, resource, move |_created| {
        // Teardown may run in async code, after a panic, or from the signal handler: a
        // thread with its own runtime removes the container in all three.
        let removed = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(container.rm()).ok()
        })
        .join();
        if !matches!(removed, Ok(Some(()))) {
            remove_container(&id);
        }
    })
    .await
}

async fn wait_for_connection(endpoint: &Endpoint) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match <sqlx::PgConnection as sqlx::Connection>::connect_with(&endpoint.connect_options(&endpoint.maintenance_db)).await {
            Ok(_) => return Ok(()),
            Err(err) if Instant::now() > deadline => return Err(format!("no connection within 60 s: {err}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

fn docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker").args(args).output().map_err(|e| format!("run docker: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(format!("docker {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()))
    }
}

fn ensure_loopback_network() -> Result<(), String> {
    if docker(&["network", "inspect", LOOPBACK_NETWORK]).is_ok() {
        return Ok(());
    }
    let option = "com.docker.network.bridge.host_binding_ipv4=127.0.0.1";
    match docker(&["network", "create", "--opt", option, LOOPBACK_NETWORK]) {
        Ok(_) => Ok(()),
        // Another process may have created it between our look and our create.
        Err(_) if docker(&["network", "inspect", LOOPBACK_NETWORK]).is_ok() => Ok(()),
        Err(err) => Err(err),
    }
}

fn remove_container(id: &str) {
    if let Err(err) = docker(&["rm", "--force", "--volumes", id]) {
        if !err.contains("No such container") {
            eprintln!("pgrehearse: could not remove container {id}: {err}");
        }
    }
}

/// Removes containers labelled by a pgrehearse process on this host that no longer runs.
fn sweep_stale_containers() {
    let filter = format!("label={CONTAINER_LABEL}");
    let format = format!("{{{{.ID}}}} {{{{.Label \"{CONTAINER_LABEL}\"}}}}");
    let Ok(listing) = docker(&["ps", "--all", "--filter", &filter, "--format", &format]) else { return };
    for line in listing.lines() {
        if let Some((id, tag)) = line.split_once(' ') {
            if cleanup::is_owner_dead(tag) {
                tracing::info!("removing stale container {id}");
                remove_container(id);
            }
        }
    }
}

/// Whether the Docker engine answers, and its version.
pub fn engine_version() -> Result<String, String> {
    docker(&["version", "--format", "{{.Server.Version}}"])
}

/// Whether an image is present locally (no registry is asked).
pub fn is_image_present(image: &str) -> bool {
    docker(&["image", "inspect", "--format", "{{.Id}}", image]).is_ok()
}
