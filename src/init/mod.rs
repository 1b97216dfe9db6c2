//! `pgrehearse init`: a scenario from your own database (read-only: its catalog and the
//! planner's row estimates, never its rows) or from a `pg_dump --schema-only` file.

mod dump;
mod error;
mod inspect;
mod render;
mod request;
mod suggest;
mod write;

pub use error::InitError;
pub use request::{InitRequest, InitSource};
pub use suggest::{unenforced_references, Draft, MigrationStub, Scale, Suggestion};
pub use write::{init, Initialized};
