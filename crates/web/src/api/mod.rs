//! The JSON API under `/api/v1`. Handlers are thin: parse, call the store, answer.

pub mod admin;
pub mod builder;
pub mod catalog;
pub mod commerce;
pub mod records;
pub mod reports;

use crate::error::ReadErrors;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use voronka_store::search::{self, Hit};

use crate::auth::Auth;
use crate::error::ApiResult;

pub fn router() -> OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    OpenApiRouter::new()
        .routes(routes!(crate::auth::login))
        .routes(routes!(crate::auth::logout))
        .routes(routes!(crate::auth::me, crate::auth::update_me))
        .routes(routes!(crate::auth::change_password))
        .routes(routes!(crate::auth::create_token, crate::auth::list_tokens))
        .routes(routes!(crate::auth::revoke_token))
        .routes(routes!(search_records))
        .merge(records::router())
        .merge(admin::router())
        .merge(catalog::router())
        .merge(commerce::router())
        .merge(reports::router())
        .merge(builder::router())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words, an e-mail, a phone number in any format, or an INN.
    pub q: String,
    /// At most this many hits (1–100, default 20).
    pub limit: Option<i64>,
}

/// Find leads, accounts, contacts and deals, best match first.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = Vec<Hit>), ReadErrors))]
pub async fn search_records(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<Hit>>> {
    let mut c = state
        .db
        .reader()
        .await
        .map_err(crate::error::ApiError::from)?;
    Ok(Json(
        search::search(&mut c, &auth.actor, &q.q, q.limit.unwrap_or(20)).await?,
    ))
}
