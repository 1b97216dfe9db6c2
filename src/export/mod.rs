//! The verified Postgres → SQLite export: `export-sqlite` writes a SQLite file and its
//! manifest from a Postgres database; `verify-sqlite` recomputes both sides and compares.

mod atomic;
pub mod catalog;
mod checksum;
mod compare;
mod copy_text;
mod error;
mod exporter;
pub mod manifest;
pub mod mapping;
mod options;
mod order;
mod plan;
mod progress;
mod read;
mod schema;
mod source;
mod sqlite_side;
mod tenant;
mod translate;
mod value;
mod verifier;

pub use compare::TableComparison;
pub use error::ExportError;
pub use exporter::{export_sqlite, ExportSummary};
pub use manifest::{manifest_path, Manifest, TableEntry};
pub use mapping::NumericMode;
pub use options::ExportOptions;
pub use progress::Progress;
pub use schema::SchemaSummary;
pub use value::SqlValue;
pub use verifier::{verify_sqlite, SqliteVerification};
