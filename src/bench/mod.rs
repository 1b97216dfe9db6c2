//! `pgrehearse bench`: measure the built-in engine at several batch sizes (and an adaptive
//! one) against the one-shot ALTER on the same data, with the application's latency
//! alongside, and recommend a size.

mod adaptive;
mod baseline;
mod chart;
mod clone_run;
mod engine_run;
mod error;
mod html;
mod measure;
mod options;
mod recommend;
mod result;
mod sizing;
mod sweep;
mod table;
pub mod workload;
mod write;

pub use adaptive::AdaptivePolicy;
pub use error::BenchError;
pub use measure::{RunFigures, WorkloadFigures};
pub use options::{builtin_migration, BenchOptions};
pub use recommend::{recommend, Candidate};
pub use result::{AdaptiveResult, BaselineResult, BenchResult, Measurements, SizeResult, FORMAT};
pub use sweep::sweep;
pub use table::terminal;
pub use write::{write, WrittenBench};
