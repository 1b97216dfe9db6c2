//! Picking a backend: a URL if one is given, else a native cluster if binaries are found,
//! else a container if a Docker engine answers; an error naming all three otherwise.

use std::path::PathBuf;

use super::error::ProvisionError;
use super::server::Server;
use super::{existing, native, ExistingOptions, NativeOptions};

/// Which backend to use, as chosen on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    #[default]
    Auto,
    Native,
    Container,
    Existing,
}

/// Everything any backend needs; each takes what is its own.
#[derive(Debug, Clone, Default)]
pub struct ProvisionOptions {
    pub backend: BackendChoice,
    /// An existing server to create throwaway databases on.
    pub database_url: Option<String>,
    pub pg_bindir: Option<PathBuf>,
    pub image: Option<String>,
}

impl ProvisionOptions {
    /// A native cluster with the binaries found on this machine: what tests use.
    pub fn native() -> Self {
        ProvisionOptions { backend: BackendChoice::Native, ..ProvisionOptions::default() }
    }
}

pub async fn provision(options: &ProvisionOptions) -> Result<Server, ProvisionError> {
    let native_options = NativeOptions { bindir: options.pg_bindir.clone(), ..NativeOptions::default() };
    match options.backend {
        BackendChoice::Native => native::start(&native_options).await,
        BackendChoice::Container => start_container(options).await,
        BackendChoice::Existing => match &options.database_url {
            Some(url) => existing::start(&ExistingOptions { url: url.clone() }).await,
            None => Err(ProvisionError::BadUrl {
                message: "--backend existing needs --server-url".to_string(),
            }),
        },
        BackendChoice::Auto => {
            if let Some(url) = &options.database_url {
                return existing::start(&ExistingOptions { url: url.clone() }).await;
            }
            let native_error = match native::start(&native_options).await {
                Ok(server) => return Ok(server),
                // A --pg-bindir that is wrong is the user's to fix, not a reason to try Docker.
                Err(err) if err.is_bad_input() => return Err(err),
                Err(err) => err.to_string(),
            };
            let container_error = match start_container(options).await {
                Ok(server) => return Ok(server),
                Err(err) => err.to_string(),
            };
            Err(ProvisionError::NothingAvailable { native: native_error, container: container_error })
        }
    }
}

#[cfg(feature = "container")]
async fn start_container(options: &ProvisionOptions) -> Result<Server, ProvisionError> {
    let container_options = super::ContainerOptions { image: options.image.clone() };
    if let Err(message) = super::container::engine_version() {
        return Err(ProvisionError::DockerUnavailable { message });
    }
    super::container::start(&container_options).await
}

#[cfg(not(feature = "container"))]
async fn start_container(_options: &ProvisionOptions) -> Result<Server, ProvisionError> {
    Err(ProvisionError::ContainerFeatureDisabled)
}
