//! The scenario file: the TOML as written (serde, unknown keys refused) kept apart from the
//! validated [`Scenario`], whose names are resolved against the schema once it is loaded.

mod builtin_schema;
mod driver;
mod error;
mod expect;
mod faults_load;
pub(crate) mod file;
mod load;
mod location;
mod migration;
mod migration_load;
mod names;
#[allow(clippy::module_inception)]
mod scenario;

pub use error::ScenarioError;
pub use expect::IntentDecl;
pub use location::Location;
pub use builtin_schema::BuiltinSchema;
pub use migration::{BuiltinEngine, BuiltinMigration, Migration, SqlMigration};
pub use names::{ColumnName, TableMention};
pub use scenario::{Amount, AnomalyRequest, ColumnSource, ColumnValues, RelationDecl, Scenario, SchemaSource, DEFAULT_EDGE_RATE};
