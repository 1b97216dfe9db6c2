//! The migration wing: what is rehearsed, behind one interface. The user's own SQL
//! (split into statements, run one by one, failures as data naming file, statement and
//! line) or the built-in engine; the migrations directory is listed here, once, both when
//! a scenario is loaded and when it runs.

mod driver;
mod error;
mod failure;
pub mod lexer;
mod run;
mod source;
mod statement_failure;
mod transaction;

pub use driver::{Carry, MigrationDriver, UpRun, DEFAULT_STATEMENT_TIMEOUT};
pub use error::{MigrationError, UserSqlError};
pub use failure::MigrationFailure;
pub use run::{run_file, run_setup, FileOutcome};
pub use source::{classify, MigrationPair, MigrationSet, SqlFile};
pub use statement_failure::{shorten, PgErrorInfo, StatementFailure};
pub use transaction::{is_outside_transaction, transaction_mode, TransactionMode};

#[cfg(test)]
mod lexer_tests;
