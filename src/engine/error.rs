//! Everything that stops the engine. Messages are lowercase fragments that read after
//! "failed to". Data-quality problems are not errors: they are [`super::RowFinding`]s.

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("connect to {endpoint}: {source}")]
    Connect { endpoint: String, source: sqlx::Error },

    #[error("run `{statement}`: {source}")]
    Query { statement: String, source: sqlx::Error },

    #[error("start: another `pgrehearse migrate` run holds the migration lock on this database (advisory lock {key}); wait for it to finish or stop it")]
    AlreadyRunning { key: i64 },

    #[error("plan the migration: {0}")]
    Plan(#[from] super::planner::PlanError),

    #[error("roll back: the migration is complete: `cleanup` has removed the backup and the original columns, so the original data can no longer be restored exactly; restore from a database backup instead")]
    BackupRemoved,

    #[error("run `{step}`: step `{requires}` has not completed yet; run it first (or use `full`)")]
    StepOutOfOrder { step: &'static str, requires: &'static str },

    #[error("verify the backup of {table}: {detail}")]
    BackupMismatch { table: String, detail: String },

    #[error("start: the stored plan does not exist; run `validate-schema` or `backup` first")]
    NoPlan,

    #[error("read the stored plan: {0}")]
    StoredPlan(#[from] serde_json::Error),

    #[error("rebuild the tables: they need about {needed} (twice their size) and the server's data directory {directory} has {free} free; free some space, or convert with `--convert in-place`")]
    NotEnoughSpace { needed: String, free: String, directory: String },

    #[error("take a lock within the retry budget ({attempts} attempts) for `{statement}`: {source}")]
    LockTimeout { attempts: u32, statement: String, source: sqlx::Error },

    /// A bug in pgrehearse, never the data's or the database's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::parallel::Stalled> for EngineError {
    fn from(stalled: crate::parallel::Stalled) -> EngineError {
        EngineError::Internal(format!("{} of the engine's jobs wait on work that no job does", stalled.waiting))
    }
}

impl EngineError {
    /// Wraps a sqlx error with the statement that caused it (truncated for readability).
    pub fn query(statement: &str) -> impl FnOnce(sqlx::Error) -> EngineError + '_ {
        move |source| EngineError::Query { statement: truncate(statement), source }
    }
}

fn truncate(statement: &str) -> String {
    let flat: String = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 240 {
        format!("{}…", flat.chars().take(240).collect::<String>())
    } else {
        flat
    }
}
