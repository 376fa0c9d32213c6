//! The browser interface: server-rendered HTML (maud), enhanced by htmx and
//! SortableJS where available; every page also works as plain HTML forms.
//!
//! Routes are grouped by guard: public (login, assets), and pages that need a
//! session (the `Ui` extractor redirects to the login page). Every
//! state-changing request goes through `Post`, which checks the CSRF token —
//! there is no other way to read a form body here, so none can forget it.

pub mod assets;
pub mod board;
pub mod builder;
pub mod calendar;
pub mod catalog;
pub mod catalog_settings;
pub mod charts;
pub mod dashboard;
pub mod documents;
pub mod export;
pub mod form;
pub mod i18n;
pub mod layout;
pub mod lists;
pub mod login;
pub mod print;
pub mod record;
pub mod reports;
pub mod settings;

use crate::auth::{SESSION_COOKIE, cookie};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use i18n::Tr;
use sha2::{Digest, Sha256};
use voronka_core::records::User;
use voronka_store::{Actor, users};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::router())
        .merge(login::router())
        .merge(dashboard::router())
        .merge(lists::router())
        .merge(record::router())
        .merge(board::router())
        .merge(calendar::router())
        .merge(settings::router())
        .merge(catalog::router())
        .merge(catalog_settings::router())
        .merge(documents::router())
        .merge(reports::router())
        .merge(builder::router())
        .merge(print::router())
}

/// A logged-in person using the browser.
pub struct Ui {
    pub user: User,
    pub actor: Actor,
    pub tr: Tr,
    pub csrf: String,
    /// The request came from htmx and wants a fragment, not a page.
    pub htmx: bool,
    pub path: String,
}

/// The CSRF token of a session: derived from the secret session id, so it
/// needs no storage and an attacker without the cookie cannot compute it.
pub fn csrf_token(session: &str) -> String {
    let digest = Sha256::digest(format!("voronka-csrf:{session}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn to_login(parts: &Parts) -> Response {
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let target = format!("/login?next={}", form::urlencode(next));
    if parts.headers.contains_key("hx-request") {
        // htmx follows this header with a full page load.
        ([("HX-Redirect", target)], StatusCode::UNAUTHORIZED).into_response()
    } else {
        Redirect::to(&target).into_response()
    }
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(session) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned) else {
            return Err(to_login(parts));
        };
        let user_id = match users::session_user(&state.db, &session).await {
            Ok(Some(id)) => id,
            Ok(None) => return Err(to_login(parts)),
            Err(e) => return Err(crate::error::ApiError::from(e).into_response()),
        };
        let (user, actor) = match users::actor_for(&state.db, user_id).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(to_login(parts)),
            Err(e) => return Err(crate::error::ApiError::from(e).into_response()),
        };
        let tr = Tr::new(user.data.locale, &user.data.time_zone);
        Ok(Ui {
            user,
            actor,
            tr,
            csrf: csrf_token(&session),
            htmx: parts.headers.contains_key("hx-request"),
            path: parts.uri.path().to_owned(),
        })
    }
}

/// A state-changing request from the browser: the user, and the form fields,
/// after the CSRF token (form field `_csrf` or header `X-CSRF-Token`) matched.
pub struct Post {
    pub ui: Ui,
    pub form: form::Fields,
}

fn csrf_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl FromRequest<AppState> for Post {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let ui = Ui::from_request_parts(&mut parts, state).await?;
        let header_token = csrf_from(&parts.headers);
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response())?;
        let pairs: Vec<(String, String)> = if is_form || bytes.is_empty() {
            serde_urlencoded::from_bytes(&bytes)
                .map_err(|_| (StatusCode::BAD_REQUEST, "malformed form").into_response())?
        } else {
            return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "send a form").into_response());
        };
        let form = form::Fields(pairs);
        let sent = form.get("_csrf").map(str::to_owned).or(header_token);
        if sent.as_deref() != Some(ui.csrf.as_str()) {
            return Err((
                StatusCode::FORBIDDEN,
                "the form has expired; reload the page and try again",
            )
                .into_response());
        }
        Ok(Post { ui, form })
    }
}
