//! What can stop a check from producing a result. A broken invariant is never here: that
//! is a [`super::Finding`].

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{what}: {source}")]
    Query { what: String, source: sqlx::Error },

    #[error("compare table {table}: it has no columns in common between the two databases")]
    NoCommonColumns { table: String },

    #[error("run {check} as a state check: it scores how a migration ran, not a database state")]
    NotAStateCheck { check: super::CheckKind },
}

impl VerifyError {
    /// Wraps a query error with what was being done, as a fragment after "failed to".
    pub(crate) fn query(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> VerifyError {
        let what = what.into();
        move |source| VerifyError::Query { what, source }
    }
}
