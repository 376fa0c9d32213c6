use voronka_core::Invalid;
use voronka_core::records::{EntityKind, Id};

/// What can go wrong in the store. Web turns each variant into a status code;
/// `Db` and `Corrupt` become a generic 500 with the cause logged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or invisible to the actor: the two are deliberately the same.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The action does not fit the record's current state.
    #[error("{0}")]
    Conflict(String),
    /// Records that look like the one being created; repeat with `force` to go ahead.
    #[error("possible duplicates found")]
    Duplicates(Vec<DuplicateCandidate>),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
    /// The transaction could not be committed; nothing of it was kept.
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct DuplicateCandidate {
    pub entity: EntityKind,
    pub id: Id,
    pub name: String,
    /// What matched: phone, email, inn or company.
    pub matched_on: Vec<String>,
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }

    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
