//! The scenario file: the TOML as written (serde, unknown keys refused) kept apart from the
//! validated [`Scenario`], whose names are resolved against the schema once it is loaded.

mod error;
mod file;
mod load;
mod location;
mod migration;
mod migration_load;
mod names;
mod resolve;
#[allow(clippy::module_inception)]
mod scenario;

pub use error::ScenarioError;
pub use location::Location;
pub use migration::{BuiltinMigration, CollisionPolicy, Engine, Expectation, InvalidPolicy, Migration, OrphanPolicy, Outcome, SqlMigration, SqlStep};
pub use names::{ColumnName, TableName};
pub use scenario::{Amount, AnomalyRequest, ColumnSource, ColumnValues, RelationDecl, Scenario, SchemaSource, DEFAULT_EDGE_RATE};
