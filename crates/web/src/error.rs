//! One error type for every handler.
//!
//! Policy: client mistakes carry a clear message and, for validation, the
//! offending fields; database and unexpected errors answer a generic 500 and
//! log the real cause (never customer data).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use voronka_store::{DuplicateCandidate, StoreError};

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    Forbidden(String),
    NotFound,
    Conflict(String),
    Duplicates(Vec<DuplicateCandidate>),
    Invalid(BTreeMap<String, String>),
    BadRequest(String),
    TooManyRequests { retry_after: u64 },
    Internal,
}

/// `{"error": {"code", "message", "fields", "candidates"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// unauthorized, forbidden, not_found, conflict, duplicates, invalid, bad_request, too_many_requests, internal
    pub code: &'static str,
    pub message: String,
    /// Field name → what is wrong with it.
    pub fields: BTreeMap<String, String>,
    /// With `duplicates`: the records that look like the one being created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<DuplicateCandidate>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Invalid(i) => ApiError::Invalid(i.0.into_map()),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Duplicates(c) => ApiError::Duplicates(c),
            StoreError::Forbidden(m) => ApiError::Forbidden(m),
            StoreError::Db(_)
            | StoreError::Corrupt(_)
            | StoreError::Commit(_)
            | StoreError::Migration(_) => {
                tracing::error!(error = %e, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl From<voronka_core::Invalid> for ApiError {
    fn from(e: voronka_core::Invalid) -> Self {
        ApiError::Invalid(e.0.into_map())
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::Duplicates(_) => StatusCode::CONFLICT,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(self) -> ErrorBody {
        let (code, message, fields, candidates) = match self {
            ApiError::Unauthorized => (
                "unauthorized",
                "log in or send a valid API token".to_owned(),
                BTreeMap::new(),
                None,
            ),
            ApiError::Forbidden(m) => ("forbidden", m, BTreeMap::new(), None),
            ApiError::NotFound => (
                "not_found",
                "no such record".to_owned(),
                BTreeMap::new(),
                None,
            ),
            ApiError::Conflict(m) => ("conflict", m, BTreeMap::new(), None),
            ApiError::Duplicates(c) => (
                "duplicates",
                "similar records exist; repeat with \"force\": true to go ahead".to_owned(),
                BTreeMap::new(),
                Some(c),
            ),
            ApiError::Invalid(f) => {
                let message = f
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                ("invalid", message, f, None)
            }
            ApiError::BadRequest(m) => ("bad_request", m, BTreeMap::new(), None),
            ApiError::TooManyRequests { retry_after } => (
                "too_many_requests",
                format!("too many failed attempts; try again in {retry_after} s"),
                BTreeMap::new(),
                None,
            ),
            ApiError::Internal => (
                "internal",
                "something went wrong on our side; it has been logged".to_owned(),
                BTreeMap::new(),
                None,
            ),
        };
        ErrorBody {
            error: ErrorDetail {
                code,
                message,
                fields,
                candidates,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry = match &self {
            ApiError::TooManyRequests { retry_after } => Some(*retry_after),
            _ => None,
        };
        let mut resp = (status, Json(self.body())).into_response();
        if let Some(s) = retry
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// The error responses every authenticated route can give, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
pub enum ReadErrors {
    /// Not logged in, or the token is invalid.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// Absent, or not visible to you.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// A filter or parameter is invalid; `fields` names it.
    #[response(status = 422)]
    Invalid(ErrorBody),
}

#[derive(utoipa::IntoResponses)]
pub enum WriteErrors {
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// Your role may not do this.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The record's state does not allow it, or duplicates were found (`code` says which).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// Validation failed; `fields` names each offending field.
    #[response(status = 422)]
    Invalid(ErrorBody),
}
