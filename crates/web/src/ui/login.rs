//! Logging in and out in the browser, and the user's own profile.

use super::form::{Choices, Kind, Raw, f, form};
use super::layout::{Nav, Page, csrf, flash, render};
use super::{Post, Ui, csrf_token};
use crate::auth::{SESSION_COOKIE, cookie, hash_password, verify_password};
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use voronka_core::records::Locale;
use voronka_store::users;

use super::i18n::Tr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/profile", get(profile).post(save_profile))
        .route("/profile/password", axum::routing::post(change_password))
}

#[derive(serde::Deserialize, Default)]
struct Next {
    next: Option<String>,
}

/// Only local paths: a login link must not send people to another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn login_markup(tr: &Tr, next: &str, error: Option<String>, login: &str) -> String {
    html! {
        (DOCTYPE)
        html lang=(tr.locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (tr.t("login-title")) }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                main.login {
                    h1 style="margin-bottom: 16px" { "▼ " (tr.t("app-name")) }
                    form.card method="post" action="/login" {
                        h2 { (tr.t("login-title")) }
                        @if let Some(e) = error { div.flash.error role="alert" { (e) } }
                        input type="hidden" name="next" value=(next);
                        div.field { label for="login" { (tr.t("login-login")) } input #login name="login" value=(login) autocomplete="username" autofocus required; }
                        div.field style="margin-top: 10px" { label for="password" { (tr.t("login-password")) } input #password type="password" name="password" autocomplete="current-password" required; }
                        button.primary type="submit" { (tr.t("login-submit")) }
                    }
                }
            }
        }
    }
    .into_string()
}

fn guest_tr(state: &AppState) -> Tr {
    let locale = Locale::parse(&state.config.default_locale).unwrap_or(Locale::Ru);
    Tr::new(locale, "UTC")
}

async fn login_page(State(state): State<AppState>, Query(q): Query<Next>) -> Html<String> {
    Html(login_markup(
        &guest_tr(&state),
        &safe_next(q.next.as_deref()),
        None,
        "",
    ))
}

/// The login form. It has no session yet, so no CSRF token: a forged login
/// only logs the victim into the attacker's account, which SameSite=Lax and
/// the same rate limits as the API keep in check.
async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let tr = guest_tr(&state);
    let next = safe_next(Some(&get("next")));
    let login = get("login");
    match crate::auth::start_session(&state, addr, &login, get("password")).await {
        Ok((token, _)) => {
            let mut resp = Redirect::to(&next).into_response();
            if let Ok(c) =
                crate::auth::session_cookie(&state, &token, state.config.session_ttl_seconds)
            {
                resp.headers_mut().insert(header::SET_COOKIE, c);
            }
            resp
        }
        Err(crate::error::ApiError::TooManyRequests { retry_after }) => Html(login_markup(
            &tr,
            &next,
            Some(tr.t1("login-too-many", "seconds", retry_after)),
            &login,
        ))
        .into_response(),
        Err(crate::error::ApiError::Unauthorized) => {
            Html(login_markup(&tr, &next, Some(tr.t("login-failed")), &login)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, Post { .. }: Post) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = users::delete_session(&state.db, token).await;
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

const PROFILE: &[super::form::Def] = &[
    f("name", Kind::Text),
    f("email", Kind::Text),
    f("locale", Kind::Enum("locale", &["ru", "en"])),
    f("time_zone", Kind::Text),
];

fn profile_page(
    ui: &Ui,
    raw: &Raw,
    errors: &BTreeMap<String, String>,
    pw_errors: &BTreeMap<String, String>,
    msg: Option<&str>,
) -> String {
    let choices = Choices::default();
    let t = |id: &str| ui.tr.t(id);
    let body = html! {
        (flash(ui, msg))
        div.grid2 {
            div.stack {
                (form(ui, PROFILE, raw, errors, &choices, "/profile", "/", &[]))
            }
            form.card method="post" action="/profile/password" {
                (csrf(ui))
                h2 { (t("profile-password")) }
                @for name in ["current_password", "new_password"] {
                    div.field.invalid[pw_errors.contains_key(name)] style="margin-bottom: 8px" {
                        label for=(name) { (t(&format!("field-{name}"))) }
                        input id=(name) type="password" name=(name) autocomplete=(if name == "new_password" { "new-password" } else { "current-password" });
                        @if let Some(e) = pw_errors.get(name) { div.error { (e) } }
                    }
                }
                button type="submit" { (t("action-save")) }
            }
        }
    };
    render(
        ui,
        Page {
            title: t("profile-title"),
            nav: Nav::Profile,
            actions: None,
            body,
        },
    )
    .into_string()
}

async fn profile(ui: Ui, Query(q): Query<Vec<(String, String)>>) -> Html<String> {
    let record = serde_json::to_value(&ui.user.data).unwrap_or_default();
    let raw = super::form::raw_from_record(&ui, PROFILE, &record, &BTreeMap::new());
    let msg = q.iter().find(|(k, _)| k == "msg").map(|(_, v)| v.as_str());
    Html(profile_page(
        &ui,
        &raw,
        &BTreeMap::new(),
        &BTreeMap::new(),
        msg,
    ))
}

async fn save_profile(State(state): State<AppState>, Post { ui, form: fields }: Post) -> Response {
    let raw = super::form::raw_from_form(PROFILE, &fields);
    let body = match super::form::to_json(&ui, PROFILE, &fields) {
        Ok(b) => b,
        Err(errors) => {
            return Html(profile_page(&ui, &raw, &errors, &BTreeMap::new(), None)).into_response();
        }
    };
    match users::update_user(&state.db, &ui.actor, ui.user.id, body).await {
        Ok(_) => Redirect::to("/profile?msg=saved").into_response(),
        Err(voronka_store::StoreError::Invalid(inv)) => Html(profile_page(
            &ui,
            &raw,
            &ui.tr.errors(&inv.0),
            &BTreeMap::new(),
            None,
        ))
        .into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Post { ui, form: fields }: Post,
) -> Response {
    let record = serde_json::to_value(&ui.user.data).unwrap_or_default();
    let raw = super::form::raw_from_record(&ui, PROFILE, &record, &BTreeMap::new());
    let current = fields
        .get("current_password")
        .unwrap_or_default()
        .to_owned();
    let new = fields.get("new_password").unwrap_or_default().to_owned();
    let hash = users::find_by_login(&state.db, &ui.user.data.login)
        .await
        .ok()
        .flatten()
        .and_then(|(_, h)| h);
    let mut errors = BTreeMap::new();
    if !verify_password(current, hash).await {
        errors.insert(
            "current_password".to_owned(),
            ui.tr.t("err-not-current-password"),
        );
    } else if let Err(e) = users::check_password(&new) {
        errors.extend(
            ui.tr
                .errors(&e.0)
                .into_values()
                .map(|v| ("new_password".to_owned(), v)),
        );
    }
    if !errors.is_empty() {
        return Html(profile_page(&ui, &raw, &BTreeMap::new(), &errors, None)).into_response();
    }
    let Ok(hash) = hash_password(new).await else {
        return crate::error::ApiError::Internal.into_response();
    };
    let session = cookie(&headers, SESSION_COOKIE).map(str::to_owned);
    debug_assert!(session.as_deref().map(csrf_token).as_deref() == Some(ui.csrf.as_str()));
    match users::set_password_hash(&state.db, &ui.actor, ui.user.id, hash, session).await {
        Ok(()) => Redirect::to("/profile?msg=password").into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}
