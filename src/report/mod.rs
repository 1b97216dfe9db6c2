//! One report model, rendered as Markdown (people), JSON (machines), JUnit (CI test tabs)
//! and a self-contained HTML page with charts; written to one directory per scenario.

mod batch_stats;
mod chart;
mod error;
pub(crate) mod escape;
pub mod headline;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod model;
pub mod shorten;
pub mod summary;
mod write;
pub mod xy_chart;

pub use batch_stats::BatchStats;
pub use error::ReportError;
pub use model::{Backend, Batch, Report, Timing, Verdict, FORMAT};
pub use write::{default_dir, write_reports, write_run_reports, WrittenReports};
