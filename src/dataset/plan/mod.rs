//! Pure planning: from a scenario and a schema model to what every cell of every table
//! will hold. No I/O; generation and loading only read the plan.

mod anomalies;
mod build;
mod columns;
mod inherited;
mod order;
#[cfg(test)]
mod tests;
mod pick;
mod types;
mod value_columns;
mod values;

pub use anomalies::TableRequest;
pub use order::load_order;
pub use pick::{skewed, Affine, CleanRows};
pub use types::{Cell, ColumnGen, Combo, Edge, Pick, RowAnomaly, SeedPlan, TablePlan};
