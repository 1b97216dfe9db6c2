//! Synthetic legacy datasets: schemas (built in or read from the catalog), a pure seed plan
//! with anomalies placed on purpose, COPY loading at full speed, and the ground truth that
//! records exactly where every anomaly is.

pub mod anomaly;
mod disk;
pub mod catalog;
mod check;
mod error;
pub mod generate;
pub mod keys;
pub mod load;
mod model;
mod resolve;
pub mod plan;
mod pipeline;
pub mod schema_sql;
mod schema_file;
pub mod seed;
mod sequences;
pub mod truth;

pub use anomaly::AnomalyKind;
pub use error::SeedError;
pub use model::{BaseType, ColumnId, ColumnModel, ForeignKeyModel, ModelRelation, SchemaModel, TableModel};
pub use plan::SeedPlan;
pub use seed::{default_streams, seed, seed_parallel, seed_with, SchemaSetup, SeedObserver, SeedSummary};
pub use truth::{GroundTruth, TruthRecord};
