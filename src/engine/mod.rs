//! placeholder
pub mod user_sql;
