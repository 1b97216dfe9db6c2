//! Runs a user's own migration SQL (bring your own migration): split into statements,
//! executed one by one, failures returned as data naming file, statement and line.

mod error;
mod failure;
pub mod lexer;
mod run;
mod source;
mod transaction;

pub use error::UserSqlError;
pub use failure::{shorten, PgErrorInfo, StatementFailure};
pub use run::{run_file, run_setup, FileOutcome};
pub use source::{classify, MigrationPair, MigrationSet, SqlFile};
pub use transaction::{is_outside_transaction, transaction_mode, TransactionMode};

#[cfg(test)]
mod lexer_tests;
