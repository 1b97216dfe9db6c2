//! What stops the fault harness itself: a session it cannot open, a statement of its own
//! that fails, a child it cannot start. These are internal errors of the rehearsal, never
//! a fault's outcome: an outcome says what the engine did under the fault.

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("{context}: {source}")]
    Query { context: String, source: sqlx::Error },
    #[error("{0}")]
    Provision(#[from] crate::provision::ProvisionError),
    #[error("read a database state: {0}")]
    Verify(#[from] crate::verify::VerifyError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("{0}")]
    Harness(String),
}

impl FaultError {
    pub(crate) fn query(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> FaultError {
        let context = context.into();
        move |source| FaultError::Query { context, source }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> FaultError {
        let context = context.into();
        move |source| FaultError::Io { context, source }
    }
}
