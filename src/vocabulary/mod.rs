//! The ground floor: the names every wing shares (tables, columns, relations, anomaly
//! kinds, policies, expectations, settings), defined once so that scenario, dataset,
//! engine, migration and verify speak the same language. Nothing here does I/O.

mod anomaly_kind;
mod batch;
mod column_ref;
pub mod duration_ms;
mod expectation;
mod intent;
mod policy;
mod relation;
mod settings;
mod table;
mod variety;

pub use anomaly_kind::AnomalyKind;
pub use batch::Batch;
pub use column_ref::{ColumnRef, DeclaredRelation};
pub use expectation::{ExpectedOutcome, Expectation};
pub use intent::{Declared, Intent};
pub use policy::{Policies, Policy, PolicyError, PolicyTarget};
pub use relation::Relation;
pub use settings::{BatchSize, SettingError};
pub use table::TableName;
pub use variety::{varieties, InvalidVariety, NoncanonicalVariety};
