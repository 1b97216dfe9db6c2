//! `[faults]`: faults injected into the built-in engine while it migrates a clone of the
//! seeded database, each ending with the invariants checked: the engine killed (SIGKILL)
//! at each point of its procedure and resumed, the server stopped hard mid-batch and
//! restarted, a lock the swap needs held by another session, the disk filling during the
//! backup, an application writing meanwhile. The engine runs as a child process
//! (`pgrehearse migrate`), as it would in a deployment.

mod compare;
mod context;
mod disk;
mod engine_child;
mod error;
mod fault;
mod gate;
mod index_hold;
mod kill;
mod lock;
mod outcome;
mod restart;
mod resume;
mod run;
mod tablespace;
mod workload;

pub use context::FaultContext;
pub use engine_child::binary as engine_binary;
pub use error::FaultError;
pub use fault::{Fault, FaultPoint, Landing, LogCondition, Procedure};
pub use outcome::{FaultOutcome, FaultResult};
pub use run::run_all;
