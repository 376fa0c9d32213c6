//! Who is calling: session cookies for people, bearer tokens for integrations.

use crate::error::{ApiError, ApiResult, ErrorBody, WriteErrors};
use crate::extract::Typed;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use voronka_core::records::{Id, User};
use voronka_store::Actor;
use voronka_store::users::{self, ApiToken};

pub const SESSION_COOKIE: &str = "voronka_session";

/// The authenticated caller, with the visibility rule that applies to them.
pub struct Auth {
    pub user: User,
    pub actor: Actor,
    /// The session cookie, when the call came from a browser session.
    pub session: Option<String>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (user_id, session) = if let Some(token) = bearer(&parts.headers) {
            (users::token_user(&state.db, token).await?, None)
        } else if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            (
                users::session_user(&state.db, token).await?,
                Some(token.to_owned()),
            )
        } else {
            (None, None)
        };
        let user_id = user_id.ok_or(ApiError::Unauthorized)?;
        let (user, actor) = users::actor_for(&state.db, user_id)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Auth {
            user,
            actor,
            session,
        })
    }
}

/// Hashes a password with argon2id off the async threads (it is slow on purpose).
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(|_| ApiError::Internal)
}

/// A hash of a password nobody has: checking an unknown login costs as much
/// time as a known one, so timing does not tell which logins exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"no such user", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let h = hash.unwrap_or_else(|| dummy_hash().to_owned());
        match PasswordHash::new(&h) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: User,
    /// Owners whose records you see; absent when you see everyone's.
    pub visible_owners: Option<Vec<Id>>,
}

pub fn session_cookie(state: &AppState, value: &str, max_age: i64) -> ApiResult<HeaderValue> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .map_err(|_| ApiError::Internal)
}

/// Refuses when a login or an address has failed too often lately.
async fn check_rate(state: &AppState, keys: &[String]) -> ApiResult<()> {
    let window = state.config.login_window_seconds;
    let now = state.db.now();
    for key in keys {
        let (n, first) = users::recent_failures(&state.db, key, now.plus_seconds(-window)).await?;
        if n >= state.config.login_attempts {
            let retry_after = first
                .map(|f| {
                    (f.plus_seconds(window).inner() - now.inner())
                        .whole_seconds()
                        .max(1)
                })
                .unwrap_or(window);
            return Err(ApiError::TooManyRequests {
                retry_after: retry_after as u64,
            });
        }
    }
    Ok(())
}

/// Log in; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody, description = "Wrong login or password"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "Too many failed attempts; see Retry-After")))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Typed(req): Typed<LoginRequest>,
) -> ApiResult<Response> {
    let (token, user) = start_session(&state, addr, &req.login, req.password).await?;
    let (_, actor) = users::actor_for(&state.db, user.id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let cookie = session_cookie(&state, &token, state.config.session_ttl_seconds)?;
    let mut resp = Json(Me {
        user,
        visible_owners: actor.visible_owners,
    })
    .into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// Checks a login and password (rate-limited per login and per address) and
/// starts a session: the one way in, for the API and the browser alike.
pub async fn start_session(
    state: &AppState,
    addr: SocketAddr,
    login: &str,
    password: String,
) -> ApiResult<(String, User)> {
    let login = login.trim().to_lowercase();
    let keys = vec![format!("login:{login}"), format!("ip:{}", addr.ip())];
    check_rate(state, &keys).await?;
    let found = users::find_by_login(&state.db, &login).await?;
    let (user, hash) = match found {
        Some((u, h)) if u.data.active => (Some(u), h),
        _ => (None, None),
    };
    let ok = verify_password(password, hash).await;
    let Some(user) = user.filter(|_| ok) else {
        users::record_failure(&state.db, keys).await?;
        // The same answer whether the login exists or not.
        return Err(ApiError::Unauthorized);
    };
    users::clear_failures(&state.db, format!("login:{login}")).await?;
    let token = users::create_session(&state.db, user.id, state.config.session_ttl_seconds).await?;
    Ok((token, user))
}

/// Log out; ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    if let Some(token) = &auth.session {
        users::delete_session(&state.db, token).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(resp)
}

/// The current user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(auth: Auth) -> Json<Me> {
    Json(Me {
        user: auth.user,
        visible_owners: auth.actor.visible_owners,
    })
}

/// Change your profile: name, email, locale, time_zone.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = Object,
    responses((status = 200, body = User), WriteErrors))]
pub async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    crate::extract::JsonBody(body): crate::extract::JsonBody,
) -> ApiResult<Json<User>> {
    Ok(Json(
        users::update_user(&state.db, &auth.actor, auth.user.id, body).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Change your password; your other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204, description = "Changed"), WriteErrors))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Typed(req): Typed<ChangePassword>,
) -> ApiResult<StatusCode> {
    let hash = users::find_by_login(&state.db, &auth.user.data.login)
        .await?
        .and_then(|(_, h)| h);
    if !verify_password(req.current_password, hash).await {
        return Err(ApiError::Invalid(
            [(
                "current_password".to_owned(),
                "is not your current password".to_owned(),
            )]
            .into(),
        ));
    }
    users::check_password(&req.new_password)
        .map_err(|e| ApiError::Invalid(rename(e, "new_password")))?;
    let hash = hash_password(req.new_password).await?;
    users::set_password_hash(
        &state.db,
        &auth.actor,
        auth.user.id,
        hash,
        auth.session.clone(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn rename(e: voronka_core::Invalid, to: &str) -> std::collections::BTreeMap<String, String> {
    e.0.into_map()
        .into_values()
        .map(|v| (to.to_owned(), v))
        .collect()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// Administrators may create tokens for others; defaults to yourself.
    #[serde(default)]
    pub user_id: Option<Id>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// Shown once: send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// Create an API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), WriteErrors))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    Typed(req): Typed<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let user_id = req.user_id.unwrap_or(auth.user.id);
    let (token, secret) = users::create_token(&state.db, &auth.actor, user_id, &req.name).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TokenQuery {
    /// Administrators: only this user's tokens.
    pub user_id: Option<Id>,
}

/// Your API tokens (administrators: everyone's, or one user's).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", params(TokenQuery),
    responses((status = 200, body = Vec<ApiToken>), crate::error::ReadErrors))]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Query(q): axum::extract::Query<TokenQuery>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(
        users::list_tokens(&state.db, &auth.actor, q.user_id).await?,
    ))
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), WriteErrors))]
pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    users::revoke_token(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
