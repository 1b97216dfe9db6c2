//! Disposable Postgres: a native ephemeral cluster, a container, or throwaway databases on
//! an existing server, all behind [`Server`]; plus template clones for per-case databases.

mod auto;
mod binaries;
pub mod cleanup;
#[cfg(feature = "container")]
mod container;
mod database;
pub mod doctor;
mod error;
pub mod existing;
mod initdb_cache;
mod native;
mod native_auth;
pub mod os_user;
mod pgpass;
mod server;
mod stale;
mod template;

pub use auto::{provision, BackendChoice, ProvisionOptions};
pub use binaries::PgBinaries;
#[cfg(feature = "container")]
pub use container::{ContainerOptions, DEFAULT_IMAGE};
pub use database::Database;
pub use error::ProvisionError;
pub use existing::ExistingOptions;
pub use native::{start as start_native, temp_root, NativeOptions};
pub use pgpass::PgPassFile;
pub use server::{BackendKind, Endpoint, Resource, Server};
pub use template::Template;
