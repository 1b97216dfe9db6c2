//! The ground floor: the names every wing shares (tables, columns, relations, anomaly
//! kinds, policies, settings), defined once so that scenario, dataset, engine, migration
//! and verify speak the same language. Nothing here does I/O.

mod batch;
pub mod duration_ms;

pub use batch::Batch;
