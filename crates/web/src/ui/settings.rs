//! Settings, for administrators: users, teams, pipelines with their stages,
//! loss reasons, lead sources and API tokens.
//!
//! Anyone else gets a friendly 403 on every page and every form. The rules
//! themselves live in the store, exactly as behind the JSON API
//! (`api/admin.rs`), so the pages refuse what the API refuses, with the same
//! messages: a team with members, a stage holding deals, a list entry in use.
//!
//! Lists are rows of small inline forms. A refused form is shown again with
//! what was typed and the message beside the field (`Redo`); a refusal that
//! belongs to no field (409) is shown above the list and beside its row.

use super::form::{Choices, Def, Fields, Kind, Raw, f, field};
use super::i18n::Tr;
use super::layout::{Nav, Page, csrf, flash, render};
use super::{Post, Ui};
use crate::auth::{SESSION_COOKIE, cookie, hash_password};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use voronka_core::records::{Id, Lookup, LookupKind, Pipeline, Stage, StageKind, Team, User};
use voronka_store::users::ApiToken;
use voronka_store::{StoreError, lookups, pipelines, users};

type Errors = BTreeMap<String, String>;
type QueryPairs = Query<Vec<(String, String)>>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(index))
        .route("/settings/users", get(users_page).post(create_user))
        .route("/settings/users/{id}", get(user_page).post(update_user))
        .route("/settings/users/{id}/password", post(set_password))
        .route("/settings/teams", get(teams_page).post(create_team))
        .route("/settings/teams/{id}", post(update_team))
        .route("/settings/teams/{id}/delete", post(delete_team))
        .route(
            "/settings/pipelines",
            get(pipelines_page).post(create_pipeline),
        )
        .route("/settings/pipelines/{id}", post(update_pipeline))
        .route("/settings/pipelines/{id}/default", post(make_default))
        .route("/settings/pipelines/{id}/delete", post(delete_pipeline))
        .route("/settings/pipelines/{id}/stages", post(create_stage))
        .route("/settings/stages/{id}", post(update_stage))
        .route("/settings/stages/{id}/move", post(move_stage))
        .route("/settings/stages/{id}/delete", post(delete_stage))
        .route("/settings/tokens", get(tokens_page).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
        .route("/settings/{list}", get(entries_page).post(create_entry))
        .route("/settings/{list}/{id}", post(update_entry))
        .route("/settings/{list}/{id}/active", post(toggle_entry))
        .route("/settings/{list}/{id}/delete", post(delete_entry))
}

/// The sections in the order of the sub-navigation: path, title, one-line hint.
const SECTIONS: &[(&str, &str, &str)] = &[
    ("/settings/users", "settings-users", "settings-users-hint"),
    ("/settings/teams", "settings-teams", "settings-teams-hint"),
    (
        "/settings/pipelines",
        "settings-pipelines",
        "settings-pipelines-hint",
    ),
    (
        "/settings/loss-reasons",
        "settings-loss-reasons",
        "settings-loss-reasons-hint",
    ),
    (
        "/settings/lead-sources",
        "settings-lead-sources",
        "settings-lead-sources-hint",
    ),
    (
        "/settings/tokens",
        "settings-tokens",
        "settings-tokens-hint",
    ),
    // The catalog and our company (ui/catalog_settings.rs).
    (
        "/settings/company",
        "settings-company",
        "settings-company-hint",
    ),
    (
        "/settings/price-books",
        "settings-price-books",
        "settings-price-books-hint",
    ),
    (
        "/settings/currencies",
        "settings-currencies",
        "settings-currencies-hint",
    ),
    (
        "/settings/vat-rates",
        "settings-vat-rates",
        "settings-vat-rates-hint",
    ),
];

// A few layout rules of the settings lists, inline because app.css is shared.
/// One entry of a list: its controls side by side, wrapping on phones.
const ROW: &str = "display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: flex-start; padding: 8px 0; border-top: 1px solid var(--line)";
/// The first row of a list: no line above it.
const ROW_FIRST: &str =
    "display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: flex-start; padding: 8px 0";
/// A form laid out inline, inside a row or a card.
const INLINE: &str = "display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: flex-start; flex: 1 1 280px; min-width: 0";
/// A card holding rows.
const ROWS: &str = "padding: 0 14px; margin-bottom: 16px";
const GROW: &str = "flex: 1 1 160px; min-width: 0";
/// A name: the widest input of its row.
const NAME: &str = "flex: 2 1 200px; min-width: 0";
const NARROW: &str = "flex: 0 0 116px";
/// Column labels stay on one line so the rows below line up.
const LABEL: &str = "white-space: nowrap; overflow: hidden; text-overflow: ellipsis";
/// app.css has no look for disabled buttons.
const DISABLED: &str = "opacity: .4; cursor: default";
const FIXED: &str = "flex: 0 0 auto";
const CHECK: &str = "display: flex; align-items: center; gap: 6px; min-height: 32px; margin: 0; font-size: 14px; color: var(--text)";
const SPACER: &str = "font-size: 12px; margin-bottom: 3px";

// ---------------------------------------------------------------- frame

fn row(first: bool) -> &'static str {
    if first { ROW_FIRST } else { ROW }
}

fn deny(ui: &Ui) -> Option<Response> {
    (!ui.actor.is_admin()).then(|| forbidden(ui))
}

/// What a non-administrator sees instead of a settings page.
fn forbidden(ui: &Ui) -> Response {
    let body = html! {
        div.card {
            p style="margin-top: 0" { (ui.tr.t("settings-admin-only")) }
            a.btn href="/" { (ui.tr.t("nav-dashboard")) }
        }
    };
    let page = Page {
        title: ui.tr.t("nav-settings"),
        nav: Nav::None,
        actions: None,
        body,
    };
    (StatusCode::FORBIDDEN, Html(render(ui, page).into_string())).into_response()
}

fn not_found(ui: &Ui) -> Response {
    let body = html! { div.card { (ui.tr.t("error-not-found")) } };
    let page = Page {
        title: ui.tr.t("error-not-found"),
        nav: Nav::Settings,
        actions: None,
        body,
    };
    (StatusCode::NOT_FOUND, Html(render(ui, page).into_string())).into_response()
}

/// An error no form can show.
fn failure(ui: &Ui, e: StoreError) -> Response {
    match e {
        StoreError::Forbidden(_) => forbidden(ui),
        StoreError::NotFound => not_found(ui),
        other => ApiError::from(other).into_response(),
    }
}

pub(crate) fn subnav(ui: &Ui, current: &str) -> Markup {
    html! {
        nav.chips aria-label=(ui.tr.t("nav-settings")) {
            @for (href, title, _) in SECTIONS {
                a.chip href=(href) aria-current=[(*href == current).then_some("true")] { (ui.tr.t(title)) }
            }
        }
    }
}

fn page(
    ui: &Ui,
    status: StatusCode,
    title: String,
    current: &str,
    actions: Option<Markup>,
    body: Markup,
) -> Response {
    let body = html! { (subnav(ui, current)) (body) };
    let page = Page {
        title,
        nav: Nav::Settings,
        actions,
        body,
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

fn query_msg(q: &[(String, String)]) -> Option<&str> {
    q.iter().find(|(k, _)| k == "msg").map(|(_, v)| v.as_str())
}

fn query_id(q: &[(String, String)], key: &str) -> Option<Id> {
    q.iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn saved(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---------------------------------------------------------------- refused forms

/// A form that was sent and refused, shown again with what the user typed and
/// the messages beside its fields. `key` names the form on the page.
struct Redo {
    key: String,
    fields: Fields,
    errors: Errors,
    status: StatusCode,
}

impl Redo {
    fn none() -> Redo {
        Redo {
            key: String::new(),
            fields: Fields::default(),
            errors: Errors::new(),
            status: StatusCode::OK,
        }
    }

    fn invalid(key: impl Into<String>, fields: Fields, errors: Errors) -> Redo {
        Redo {
            key: key.into(),
            fields,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A refusal the user can act on (invalid input, a conflict) becomes a
    /// `Redo`; any other error is given back, for `failure`.
    fn from_store(
        tr: &Tr,
        key: impl Into<String>,
        fields: Fields,
        e: StoreError,
    ) -> Result<Redo, StoreError> {
        let (status, errors) = match e {
            StoreError::Invalid(inv) => (StatusCode::UNPROCESSABLE_ENTITY, tr.errors(&inv.0)),
            StoreError::Conflict(m) => (
                StatusCode::CONFLICT,
                [("_".to_owned(), tr.conflict(&m))].into(),
            ),
            other => return Err(other),
        };
        Ok(Redo {
            key: key.into(),
            fields,
            errors,
            status,
        })
    }

    fn is(&self, key: &str) -> bool {
        self.key == key
    }

    /// The typed value after a refusal, else the stored one.
    fn value(&self, key: &str, name: &str, stored: impl ToString) -> String {
        if self.is(key) {
            self.fields.get(name).unwrap_or_default().to_owned()
        } else {
            stored.to_string()
        }
    }

    fn checked(&self, key: &str, name: &str, stored: bool) -> bool {
        if self.is(key) {
            self.fields.get(name).is_some()
        } else {
            stored
        }
    }

    fn error(&self, key: &str, name: &str) -> Option<&str> {
        if self.is(key) {
            self.errors.get(name).map(String::as_str)
        } else {
            None
        }
    }
}

/// Above the list: that something was refused, and why when no field says it.
fn alert(ui: &Ui, errors: &Errors, status: StatusCode) -> Markup {
    html! {
        @if let Some(m) = errors.get("_").filter(|_| status == StatusCode::CONFLICT) {
            div.flash.error role="alert" { (ui.tr.t1("error-conflict", "message", m)) }
        } @else if !errors.is_empty() {
            div.flash.error role="alert" { (ui.tr.t("error-form")) }
        }
    }
}

/// The messages of a refused form that belong to none of its fields.
fn other_errors(redo: &Redo, key: &str, known: &[&str]) -> Markup {
    html! {
        @if redo.is(key) {
            @for (k, v) in redo.errors.iter().filter(|(k, _)| !known.contains(&k.as_str())) {
                div.error role="alert" style="flex-basis: 100%; color: var(--danger); font-size: 12px" {
                    @if k != "_" { (k) ": " }
                    (v)
                }
            }
        }
    }
}

/// One labelled control with its message below. In rows after the first the
/// label is for screen readers only: the first row's labels head the columns.
fn labelled(
    id: &str,
    label: &str,
    hide_label: bool,
    error: Option<&str>,
    style: &str,
    control: Markup,
) -> Markup {
    html! {
        div.field.invalid[error.is_some()] style=[(!style.is_empty()).then_some(style)] {
            label.sr-only[hide_label] for=(id) style=(LABEL) { (label) }
            (control)
            @if let Some(e) = error { div.error role="alert" { (e) } }
        }
    }
}

/// Buttons beside labelled inputs: pushed down by a label's height when labels show.
fn beside(show_labels: bool, content: Markup) -> Markup {
    html! {
        div style=(FIXED) {
            @if show_labels { div style=(SPACER) aria-hidden="true" { "\u{a0}" } }
            div style="display: flex; gap: 6px; align-items: center; min-height: 32px" { (content) }
        }
    }
}

fn parse_opt_id(raw: Option<&str>) -> Result<Option<Id>, ()> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ()),
    }
}

fn text(fields: &Fields, name: &str) -> String {
    fields.get(name).unwrap_or_default().trim().to_owned()
}

// ---------------------------------------------------------------- index

async fn index(ui: Ui) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let body = html! {
        div.card style=(ROWS) {
            @for (i, (href, title, hint)) in SECTIONS.iter().enumerate() {
                div style=(row(i == 0)) {
                    a href=(href) style="flex: 0 0 220px; font-weight: 600" { (ui.tr.t(title)) }
                    span.muted style="flex: 1 1 220px" { (ui.tr.t(hint)) }
                }
            }
        }
    };
    page(
        &ui,
        StatusCode::OK,
        ui.tr.t("nav-settings"),
        "/settings",
        None,
        body,
    )
}

// ---------------------------------------------------------------- users

const ROLE: Def = f("role", Kind::Enum("role", &["manager", "head", "admin"]));
const LOCALE: Def = f("locale", Kind::Enum("locale", &["ru", "en"]));
/// Suggestions for the time zone: Russia west to east, and UTC. Any IANA name is accepted.
const TIME_ZONES: &[&str] = &[
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "UTC",
];
const USER_FIELDS: &[&str] = &[
    "login",
    "name",
    "email",
    "role",
    "locale",
    "time_zone",
    "team_id",
    "active",
    "password",
];

fn raw_of(pairs: [(&str, String); 8]) -> Raw {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn user_raw(u: &User) -> Raw {
    let d = &u.data;
    raw_of([
        ("login", d.login.clone()),
        ("name", d.name.clone()),
        ("email", d.email.clone().unwrap_or_default()),
        ("role", d.role.as_str().to_owned()),
        ("locale", d.locale.as_str().to_owned()),
        ("time_zone", d.time_zone.clone()),
        (
            "team_id",
            d.team_id.map(|t| t.to_string()).unwrap_or_default(),
        ),
        (
            "active",
            if d.active {
                "on".to_owned()
            } else {
                String::new()
            },
        ),
    ])
}

/// A new user starts as a manager speaking the administrator's language in their zone.
fn new_user_raw(ui: &Ui) -> Raw {
    raw_of([
        ("login", String::new()),
        ("name", String::new()),
        ("email", String::new()),
        ("role", "manager".to_owned()),
        ("locale", ui.user.data.locale.as_str().to_owned()),
        ("time_zone", ui.user.data.time_zone.clone()),
        ("team_id", String::new()),
        ("active", "on".to_owned()),
    ])
}

/// What was typed, to be shown again. Never the password.
fn user_raw_from(fields: &Fields) -> Raw {
    let mut raw: Raw = USER_FIELDS
        .iter()
        .map(|k| {
            (
                (*k).to_owned(),
                fields.get(k).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    raw.insert(
        "active".into(),
        if fields.get("active").is_some() {
            "on".into()
        } else {
            String::new()
        },
    );
    raw.remove("password");
    raw
}

/// The JSON the store reads, and what could not even be read.
fn user_body(tr: &Tr, fields: &Fields) -> (Value, Errors) {
    let mut m = Map::new();
    let mut errors = Errors::new();
    m.insert("login".into(), json!(text(fields, "login")));
    m.insert("name".into(), json!(text(fields, "name")));
    let email = text(fields, "email");
    m.insert(
        "email".into(),
        if email.is_empty() {
            Value::Null
        } else {
            json!(email)
        },
    );
    // An unchosen role or language keeps the current one (or the default).
    for k in ["role", "locale"] {
        let v = text(fields, k);
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    m.insert("time_zone".into(), json!(text(fields, "time_zone")));
    match parse_opt_id(fields.get("team_id")) {
        Ok(team) => {
            m.insert("team_id".into(), json!(team));
        }
        Err(()) => {
            errors.insert("team_id".into(), tr.t("err-choose-team"));
        }
    }
    m.insert("active".into(), json!(fields.get("active").is_some()));
    (Value::Object(m), errors)
}

/// A text input of the user form, with its message; `extra` follows the input.
fn user_input(
    name: &str,
    label: &str,
    kind: &str,
    raw: &Raw,
    errors: &Errors,
    extra: Markup,
) -> Markup {
    let id = format!("f-{name}");
    let list = (name == "time_zone").then_some("time-zones");
    let value = raw.get(name).map(String::as_str).unwrap_or_default();
    labelled(
        &id,
        label,
        false,
        errors.get(name).map(String::as_str),
        "",
        html! {
            input id=(id) type=(kind) name=(name) value=(value) list=[list] autocomplete="off" spellcheck="false";
            (extra)
        },
    )
}

fn user_form(
    ui: &Ui,
    action: &str,
    raw: &Raw,
    errors: &Errors,
    teams: &[Team],
    new: bool,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let choices = Choices::default();
    let team = raw.get("team_id").map(String::as_str).unwrap_or_default();
    let err = |k: &str| errors.get(k).map(String::as_str);
    html! {
        form.fields.card method="post" action=(action) {
            (csrf(ui))
            @if new { h2.wide { (t("settings-new-user")) } }
            (user_input("login", &t("field-login"), "text", raw, errors, html! {}))
            (user_input("name", &t("settings-user-name"), "text", raw, errors, html! {}))
            (user_input("email", &t("field-email"), "email", raw, errors, html! {}))
            (field(ui, &ROLE, raw, errors, &choices))
            (field(ui, &LOCALE, raw, errors, &choices))
            (user_input("time_zone", &t("field-time_zone"), "text", raw, errors, html! {
                datalist #time-zones { @for z in TIME_ZONES { option value=(z) {} } }
            }))
            (labelled("f-team_id", &t("field-team_id"), false, err("team_id"), "", html! {
                select #f-team_id name="team_id" {
                    option value="" { "—" }
                    @for tm in teams { option value=(tm.id) selected[tm.id.to_string() == team] { (tm.data.name) } }
                }
            }))
            @if new {
                (labelled("f-password", &t("field-password"), false, err("password"), "", html! {
                    input #f-password type="password" name="password" autocomplete="new-password" required minlength="8";
                }))
            }
            div.field {
                label style=(CHECK) {
                    input type="checkbox" name="active" style="width: auto; min-height: 0" checked[raw.get("active").is_some_and(|v| !v.is_empty())];
                    (t("settings-active"))
                }
                @if let Some(e) = err("active") { div.error role="alert" { (e) } }
            }
            @for (k, v) in errors.iter().filter(|(k, _)| !USER_FIELDS.contains(&k.as_str())) {
                div.wide.error role="alert" style="color: var(--danger)" { (k) ": " (v) }
            }
            div.formactions {
                button.primary type="submit" { (if new { t("action-create") } else { t("action-save") }) }
                @if !new { a.btn href="/settings/users" { (t("action-cancel")) } }
            }
        }
    }
}

async fn users_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    users_view(
        &state,
        &ui,
        query_msg(&q),
        &new_user_raw(&ui),
        &Errors::new(),
    )
    .await
}

async fn users_view(
    state: &AppState,
    ui: &Ui,
    msg: Option<&str>,
    raw: &Raw,
    errors: &Errors,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (list, teams) = match (
        users::list_users(&state.db).await,
        users::list_teams(&state.db).await,
    ) {
        (Ok(u), Ok(t)) => (u, t),
        (Err(e), _) | (_, Err(e)) => return failure(ui, e),
    };
    let team_name = |id: Option<Id>| {
        teams
            .iter()
            .find(|t| Some(t.id) == id)
            .map(|t| t.data.name.clone())
            .unwrap_or_default()
    };
    let body = html! {
        (flash(ui, msg))
        (alert(ui, errors, StatusCode::UNPROCESSABLE_ENTITY))
        table.list {
            thead { tr {
                th { (t("field-login")) }
                th.optional { (t("settings-user-name")) }
                th { (t("field-role")) }
                th.optional { (t("field-team_id")) }
                th.optional { (t("field-locale")) }
                th { (t("settings-active")) }
            } }
            tbody {
                @for u in &list {
                    tr {
                        td { a href=(format!("/settings/users/{}", u.id)) { (u.data.login) } }
                        td.optional { (u.data.name) }
                        td { (ui.tr.label("role", u.data.role.as_str())) }
                        td.optional { (team_name(u.data.team_id)) }
                        td.optional { (ui.tr.label("locale", u.data.locale.as_str())) }
                        td { @if u.data.active { (t("yes")) } @else { span.badge.lost { (t("no")) } } }
                    }
                }
            }
        }
        section #new-user style="margin-top: 16px" {
            (user_form(ui, "/settings/users", raw, errors, &teams, true))
        }
    };
    let actions = html! { a.btn.primary href="#new-user" { "+ " (t("settings-new-user")) } };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page(
        ui,
        status,
        t("settings-users"),
        "/settings/users",
        Some(actions),
        body,
    )
}

async fn create_user(State(state): State<AppState>, Post { ui, form: fields }: Post) -> Response {
    // As in the API: a non-administrator learns nothing and costs no hashing.
    if let Some(r) = deny(&ui) {
        return r;
    }
    let raw = user_raw_from(&fields);
    let (body, mut errors) = user_body(&ui.tr, &fields);
    // Every problem at once: the fields, then the password.
    if let Err(inv) = users::parse_user(body.clone()) {
        errors.extend(ui.tr.errors(&inv.0));
    }
    let password = fields.get("password").unwrap_or_default().to_owned();
    if password.is_empty() {
        errors.insert(
            "password".into(),
            ui.tr.message(&voronka_core::msg::REQUIRED.msg()),
        );
    } else if let Err(inv) = users::check_password(&password) {
        errors.extend(ui.tr.errors(&inv.0));
    }
    if !errors.is_empty() {
        return users_view(&state, &ui, None, &raw, &errors).await;
    }
    let hash = match hash_password(password).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    match users::create_user(&state.db, &ui.actor, body, Some(hash)).await {
        Ok(_) => saved("/settings/users?msg=saved"),
        Err(StoreError::Invalid(inv)) => {
            users_view(&state, &ui, None, &raw, &ui.tr.errors(&inv.0)).await
        }
        Err(e) => failure(&ui, e),
    }
}

async fn user_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<Id>,
    Query(q): QueryPairs,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let user = match users::get_user(&state.db, id).await {
        Ok(u) => u,
        Err(e) => return failure(&ui, e),
    };
    user_view(
        &state,
        &ui,
        &user,
        query_msg(&q),
        &user_raw(&user),
        &Errors::new(),
        &Errors::new(),
    )
    .await
}

async fn user_view(
    state: &AppState,
    ui: &Ui,
    user: &User,
    msg: Option<&str>,
    raw: &Raw,
    errors: &Errors,
    pw_errors: &Errors,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (teams, tokens) = match (
        users::list_teams(&state.db).await,
        users::list_tokens(&state.db, &ui.actor, Some(user.id)).await,
    ) {
        (Ok(t), Ok(k)) => (t, k),
        (Err(e), _) | (_, Err(e)) => return failure(ui, e),
    };
    let live: Vec<&ApiToken> = tokens.iter().filter(|k| k.revoked_at.is_none()).collect();
    let mut all = errors.clone();
    all.extend(pw_errors.clone());
    let body = html! {
        (flash(ui, msg))
        (alert(ui, &all, StatusCode::UNPROCESSABLE_ENTITY))
        div.grid2 {
            (user_form(ui, &format!("/settings/users/{}", user.id), raw, errors, &teams, false))
            div.stack {
                form.card method="post" action=(format!("/settings/users/{}/password", user.id)) {
                    (csrf(ui))
                    h2 { (t("settings-set-password")) }
                    (labelled("password", &t("field-password"), false, pw_errors.get("password").map(String::as_str), "", html! {
                        input #password type="password" name="password" autocomplete="new-password" required minlength="8";
                    }))
                    p.muted style="font-size: 12px" { (t("settings-password-note")) }
                    button type="submit" { (t("settings-set-password")) }
                }
                section.card {
                    h2 { (t("settings-tokens")) }
                    @if live.is_empty() {
                        p.muted { (t("list-empty")) }
                    } @else {
                        ul style="padding-left: 18px; margin: 0 0 10px" {
                            @for k in &live { li { (k.name) " " span.muted { (ui.tr.datetime(k.created_at)) } } }
                        }
                    }
                    a.btn href=(format!("/settings/tokens?user_id={}#new-token", user.id)) { (t("settings-tokens")) " →" }
                }
            }
        }
    };
    let status = if all.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page(
        ui,
        status,
        format!("{} · {}", user.data.name, user.data.login),
        "/settings/users",
        None,
        body,
    )
}

async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let user = match users::get_user(&state.db, id).await {
        Ok(u) => u,
        Err(e) => return failure(&ui, e),
    };
    let raw = user_raw_from(&fields);
    let (body, errors) = user_body(&ui.tr, &fields);
    if !errors.is_empty() {
        return user_view(&state, &ui, &user, None, &raw, &errors, &Errors::new()).await;
    }
    match users::update_user(&state.db, &ui.actor, id, body).await {
        Ok(_) => saved(&format!("/settings/users/{id}?msg=saved")),
        Err(StoreError::Invalid(inv)) => {
            user_view(
                &state,
                &ui,
                &user,
                None,
                &raw,
                &ui.tr.errors(&inv.0),
                &Errors::new(),
            )
            .await
        }
        Err(e) => failure(&ui, e),
    }
}

async fn set_password(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    headers: HeaderMap,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let user = match users::get_user(&state.db, id).await {
        Ok(u) => u,
        Err(e) => return failure(&ui, e),
    };
    let password = fields.get("password").unwrap_or_default().to_owned();
    if let Err(inv) = users::check_password(&password) {
        return user_view(
            &state,
            &ui,
            &user,
            None,
            &user_raw(&user),
            &Errors::new(),
            &ui.tr.errors(&inv.0),
        )
        .await;
    }
    let hash = match hash_password(password).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    // Setting one's own password here keeps this session, as the profile page does.
    let keep = if id == ui.user.id {
        cookie(&headers, SESSION_COOKIE).map(str::to_owned)
    } else {
        None
    };
    match users::set_password_hash(&state.db, &ui.actor, id, hash, keep).await {
        Ok(()) => saved(&format!("/settings/users/{id}?msg=password")),
        Err(StoreError::Invalid(inv)) => {
            user_view(
                &state,
                &ui,
                &user,
                None,
                &user_raw(&user),
                &Errors::new(),
                &ui.tr.errors(&inv.0),
            )
            .await
        }
        Err(e) => failure(&ui, e),
    }
}

// ---------------------------------------------------------------- teams

async fn teams_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    teams_view(&state, &ui, query_msg(&q), &Redo::none()).await
}

fn head_select(id: &str, users: &[User], current: &str) -> Markup {
    html! {
        select id=(id) name="head_id" {
            option value="" { "—" }
            @for u in users.iter().filter(|u| u.data.active || u.id.to_string() == current) {
                option value=(u.id) selected[u.id.to_string() == current] { (u.data.name) }
            }
        }
    }
}

const TEAM_FIELDS: &[&str] = &["name", "head_id", "team_visibility", "_"];

fn team_row(
    ui: &Ui,
    team: &Team,
    first: bool,
    members: usize,
    users: &[User],
    redo: &Redo,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let key = format!("team-{}", team.id);
    let name = redo.value(&key, "name", &team.data.name);
    let head = redo.value(
        &key,
        "head_id",
        team.data.head_id.map(|h| h.to_string()).unwrap_or_default(),
    );
    html! {
        div #(key) style=(row(first)) {
            form method="post" action=(format!("/settings/teams/{}", team.id)) style=(INLINE) {
                (csrf(ui))
                (labelled(&format!("{key}-name"), &t("field-name"), !first, redo.error(&key, "name"), NAME, html! {
                    input id=(format!("{key}-name")) name="name" value=(name) required;
                }))
                (labelled(&format!("{key}-head"), &t("field-head_id"), !first, redo.error(&key, "head_id"), GROW,
                    head_select(&format!("{key}-head"), users, &head)))
                (beside(first, html! {
                    label style=(CHECK) {
                        input type="checkbox" name="team_visibility" checked[redo.checked(&key, "team_visibility", team.data.team_visibility)];
                        (t("settings-team-visibility"))
                    }
                }))
                (beside(first, html! { button type="submit" { (t("action-save")) } }))
            }
            (beside(first, html! { span.muted { (ui.tr.count("count-members", members as i64)) } }))
            form method="post" action=(format!("/settings/teams/{}/delete", team.id)) data-confirm=(ui.tr.t1("confirm-delete", "name", &team.data.name)) {
                (csrf(ui))
                (beside(first, html! { button.danger type="submit" { (t("action-delete")) } }))
            }
            (other_errors(redo, &key, TEAM_FIELDS))
            @if let Some(m) = redo.error(&key, "_") { div.error role="alert" style="flex-basis: 100%; color: var(--danger)" { (m) } }
        }
    }
}

async fn teams_view(state: &AppState, ui: &Ui, msg: Option<&str>, redo: &Redo) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (teams, users) = match (
        users::list_teams(&state.db).await,
        users::list_users(&state.db).await,
    ) {
        (Ok(t), Ok(u)) => (t, u),
        (Err(e), _) | (_, Err(e)) => return failure(ui, e),
    };
    let key = "new-team";
    let body = html! {
        (flash(ui, msg))
        (alert(ui, &redo.errors, redo.status))
        @if teams.is_empty() {
            p.muted { (t("list-empty")) }
        } @else {
            div.card style=(ROWS) {
                @for (i, team) in teams.iter().enumerate() {
                    (team_row(ui, team, i == 0, users.iter().filter(|u| u.data.team_id == Some(team.id)).count(), &users, redo))
                }
            }
        }
        section.card #new-team {
            h2 { (t("settings-new-team")) }
            form method="post" action="/settings/teams" style=(INLINE) {
                (csrf(ui))
                (labelled("new-team-name", &t("field-name"), false, redo.error(key, "name"), NAME, html! {
                    input #new-team-name name="name" value=(redo.value(key, "name", "")) required;
                }))
                (labelled("new-team-head", &t("field-head_id"), false, redo.error(key, "head_id"), GROW,
                    head_select("new-team-head", &users, &redo.value(key, "head_id", ""))))
                (beside(true, html! {
                    label style=(CHECK) {
                        input type="checkbox" name="team_visibility" checked[redo.checked(key, "team_visibility", true)];
                        (t("settings-team-visibility"))
                    }
                }))
                (beside(true, html! { button.primary type="submit" { (t("action-create")) } }))
                (other_errors(redo, key, TEAM_FIELDS))
            }
        }
    };
    page(
        ui,
        redo.status,
        t("settings-teams"),
        "/settings/teams",
        None,
        body,
    )
}

fn team_body(tr: &Tr, fields: &Fields) -> Result<Value, Errors> {
    let head = parse_opt_id(fields.get("head_id"))
        .map_err(|()| Errors::from([("head_id".to_owned(), tr.t("err-choose-user"))]))?;
    Ok(json!({
        "name": text(fields, "name"),
        "head_id": head,
        "team_visibility": fields.get("team_visibility").is_some(),
    }))
}

async fn create_team(State(state): State<AppState>, Post { ui, form: fields }: Post) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let key = "new-team";
    let redo = match team_body(&ui.tr, &fields) {
        Err(errors) => Redo::invalid(key, fields, errors),
        Ok(body) => match users::create_team(&state.db, &ui.actor, body).await {
            Ok(_) => return saved("/settings/teams?msg=saved"),
            Err(e) => match Redo::from_store(&ui.tr, key, fields, e) {
                Ok(redo) => redo,
                Err(e) => return failure(&ui, e),
            },
        },
    };
    teams_view(&state, &ui, None, &redo).await
}

async fn update_team(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let key = format!("team-{id}");
    let redo = match team_body(&ui.tr, &fields) {
        Err(errors) => Redo::invalid(key, fields, errors),
        Ok(body) => match users::update_team(&state.db, &ui.actor, id, body).await {
            Ok(_) => return saved(&format!("/settings/teams?msg=saved#team-{id}")),
            Err(e) => match Redo::from_store(&ui.tr, key, fields, e) {
                Ok(redo) => redo,
                Err(e) => return failure(&ui, e),
            },
        },
    };
    teams_view(&state, &ui, None, &redo).await
}

async fn delete_team(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    match users::delete_team(&state.db, &ui.actor, id).await {
        Ok(()) => saved("/settings/teams?msg=deleted"),
        Err(e) => match Redo::from_store(&ui.tr, format!("team-{id}"), Fields::default(), e) {
            Ok(redo) => teams_view(&state, &ui, None, &redo).await,
            Err(e) => failure(&ui, e),
        },
    }
}

// ---------------------------------------------------------------- pipelines and stages

async fn pipelines_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    pipelines_view(&state, &ui, query_msg(&q), &Redo::none()).await
}

const STAGE_KINDS: [StageKind; 3] = [StageKind::Open, StageKind::Won, StageKind::Lost];
const STAGE_FIELDS: &[&str] = &["name", "probability", "kind", "position", "_"];

fn kind_select(ui: &Ui, id: &str, current: &str) -> Markup {
    html! {
        select id=(id) name="kind" {
            @for k in STAGE_KINDS {
                option value=(k.as_str()) selected[k.as_str() == current] { (ui.tr.label("settings-stage-kind", k.as_str())) }
            }
        }
    }
}

/// Name, probability and kind: the inputs of a stage, existing or new.
fn stage_inputs(
    ui: &Ui,
    key: &str,
    hide_labels: bool,
    redo: &Redo,
    stage: Option<&Stage>,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let name = redo.value(
        key,
        "name",
        stage.map(|s| s.data.name.as_str()).unwrap_or_default(),
    );
    let probability = redo.value(
        key,
        "probability",
        stage
            .map(|s| s.data.probability.to_string())
            .unwrap_or_default(),
    );
    let kind = redo.value(key, "kind", stage.map_or("open", |s| s.data.kind.as_str()));
    html! {
        (labelled(&format!("{key}-name"), &t("field-name"), hide_labels, redo.error(key, "name"), NAME, html! {
            input id=(format!("{key}-name")) name="name" value=(name) required;
        }))
        (labelled(&format!("{key}-probability"), &t("field-probability"), hide_labels, redo.error(key, "probability"), NARROW, html! {
            input id=(format!("{key}-probability")) type="number" min="0" max="100" step="1" inputmode="numeric" name="probability" value=(probability);
        }))
        (labelled(&format!("{key}-kind"), &t("field-kind"), hide_labels, redo.error(key, "kind"), FIXED, kind_select(ui, &format!("{key}-kind"), &kind)))
    }
}

fn stage_row(ui: &Ui, s: &Stage, i: usize, count: usize, redo: &Redo) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let key = format!("stage-{}", s.id);
    let first = i == 0;
    html! {
        div #(key) style=(row(first)) {
            (beside(first, html! { span.muted style="min-width: 2ch; text-align: right" { (i + 1) } }))
            form method="post" action=(format!("/settings/stages/{}", s.id)) style=(INLINE) {
                (csrf(ui))
                (stage_inputs(ui, &key, !first, redo, Some(s)))
                (beside(first, html! { button type="submit" { (t("action-save")) } }))
            }
            form method="post" action=(format!("/settings/stages/{}/move", s.id)) {
                (csrf(ui))
                (beside(first, html! {
                    button type="submit" name="dir" value="up" title=(t("settings-move-up")) aria-label=(t("settings-move-up")) disabled[i == 0] style=[(i == 0).then_some(DISABLED)] { "↑" }
                    button type="submit" name="dir" value="down" title=(t("settings-move-down")) aria-label=(t("settings-move-down")) disabled[i + 1 == count] style=[(i + 1 == count).then_some(DISABLED)] { "↓" }
                }))
            }
            form method="post" action=(format!("/settings/stages/{}/delete", s.id)) data-confirm=(ui.tr.t1("confirm-delete", "name", &s.data.name)) {
                (csrf(ui))
                (beside(first, html! { button.danger type="submit" title=(t("action-delete")) { (t("action-delete")) } }))
            }
            (other_errors(redo, &key, STAGE_FIELDS))
            @if let Some(m) = redo.error(&key, "_") { div.error role="alert" style="flex-basis: 100%; color: var(--danger)" { (m) } }
        }
    }
}

fn pipeline_card(ui: &Ui, p: &Pipeline, redo: &Redo) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let key = format!("pipeline-{}", p.id);
    let add = format!("new-stage-{}", p.id);
    html! {
        section.card #(key) style="margin-bottom: 16px" {
            div style="display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: flex-start; padding-bottom: 8px; border-bottom: 1px solid var(--line)" {
                form method="post" action=(format!("/settings/pipelines/{}", p.id)) style=(INLINE) {
                    (csrf(ui))
                    (labelled(&format!("{key}-name"), &t("field-pipeline_id"), true, redo.error(&key, "name"), GROW, html! {
                        input id=(format!("{key}-name")) name="name" value=(redo.value(&key, "name", &p.data.name)) required style="font-weight: 600";
                    }))
                    button type="submit" { (t("action-save")) }
                }
                @if p.data.is_default {
                    span.badge style="align-self: center" { (t("settings-default")) }
                } @else {
                    form method="post" action=(format!("/settings/pipelines/{}/default", p.id)) {
                        (csrf(ui))
                        button type="submit" { (t("settings-make-default")) }
                    }
                    form method="post" action=(format!("/settings/pipelines/{}/delete", p.id)) data-confirm=(ui.tr.t1("settings-confirm-delete-pipeline", "name", &p.data.name)) {
                        (csrf(ui))
                        button.danger type="submit" { (t("action-delete")) }
                    }
                }
                (other_errors(redo, &key, &["name"]))
            }
            div {
                @for (i, s) in p.stages.iter().enumerate() { (stage_row(ui, s, i, p.stages.len(), redo)) }
            }
            form method="post" action=(format!("/settings/pipelines/{}/stages", p.id)) style=(ROW) aria-label=(t("settings-add-stage")) {
                (csrf(ui))
                (stage_inputs(ui, &add, false, redo, None))
                (beside(true, html! { button.primary type="submit" { "+ " (t("settings-add-stage")) } }))
                (other_errors(redo, &add, STAGE_FIELDS))
            }
        }
    }
}

async fn pipelines_view(state: &AppState, ui: &Ui, msg: Option<&str>, redo: &Redo) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let list = match pipelines::list(&state.db).await {
        Ok(l) => l,
        Err(e) => return failure(ui, e),
    };
    let key = "new-pipeline";
    let body = html! {
        (flash(ui, msg))
        (alert(ui, &redo.errors, redo.status))
        @for p in &list { (pipeline_card(ui, p, redo)) }
        section.card #new-pipeline {
            h2 { (t("settings-new-pipeline")) }
            form method="post" action="/settings/pipelines" style=(INLINE) {
                (csrf(ui))
                (labelled("new-pipeline-name", &t("field-name"), false, redo.error(key, "name"), GROW, html! {
                    input #new-pipeline-name name="name" value=(redo.value(key, "name", "")) required;
                }))
                (beside(true, html! { button.primary type="submit" { (t("action-create")) } }))
                (other_errors(redo, key, &["name"]))
            }
            p.muted style="font-size: 12px; margin: 6px 0 0" { (t("settings-new-pipeline-note")) }
        }
    };
    page(
        ui,
        redo.status,
        t("settings-pipelines"),
        "/settings/pipelines",
        None,
        body,
    )
}

/// Ends a pipelines action: back to the page, or the page again with the refusal.
async fn pipelines_done(
    state: &AppState,
    ui: &Ui,
    key: String,
    fields: Fields,
    result: voronka_store::Result<()>,
    to: String,
) -> Response {
    match result {
        Ok(()) => saved(&to),
        Err(e) => match Redo::from_store(&ui.tr, key, fields, e) {
            Ok(redo) => pipelines_view(state, ui, None, &redo).await,
            Err(e) => failure(ui, e),
        },
    }
}

async fn create_pipeline(
    State(state): State<AppState>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let body = json!({"name": text(&fields, "name")});
    // New pipelines get the standard stages in the server's language, as through the API.
    let r = pipelines::create(&state.db, &ui.actor, body, &state.config.default_locale).await;
    let to = match &r {
        Ok(p) => format!("/settings/pipelines?msg=saved#pipeline-{}", p.id),
        Err(_) => String::new(),
    };
    pipelines_done(
        &state,
        &ui,
        "new-pipeline".into(),
        fields,
        r.map(|_| ()),
        to,
    )
    .await
}

async fn update_pipeline(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let r = pipelines::update(
        &state.db,
        &ui.actor,
        id,
        json!({"name": text(&fields, "name")}),
    )
    .await;
    pipelines_done(
        &state,
        &ui,
        format!("pipeline-{id}"),
        fields,
        r.map(|_| ()),
        format!("/settings/pipelines?msg=saved#pipeline-{id}"),
    )
    .await
}

async fn make_default(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let r = pipelines::update(&state.db, &ui.actor, id, json!({"is_default": true})).await;
    pipelines_done(
        &state,
        &ui,
        format!("pipeline-{id}"),
        Fields::default(),
        r.map(|_| ()),
        format!("/settings/pipelines?msg=saved#pipeline-{id}"),
    )
    .await
}

async fn delete_pipeline(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let r = pipelines::delete(&state.db, &ui.actor, id).await;
    pipelines_done(
        &state,
        &ui,
        format!("pipeline-{id}"),
        Fields::default(),
        r,
        "/settings/pipelines?msg=deleted".into(),
    )
    .await
}

/// A stage's fields as the store reads them. An empty probability follows the
/// kind: 100 for won, 0 otherwise.
fn stage_body(tr: &Tr, fields: &Fields) -> Result<Value, Errors> {
    let kind = text(fields, "kind");
    let kind = if kind.is_empty() {
        "open".to_owned()
    } else {
        kind
    };
    let raw = text(fields, "probability");
    let probability: i64 = if raw.is_empty() {
        if kind == StageKind::Won.as_str() {
            100
        } else {
            0
        }
    } else {
        raw.parse()
            .map_err(|_| Errors::from([("probability".to_owned(), tr.t("err-whole-percent"))]))?
    };
    Ok(json!({"name": text(fields, "name"), "probability": probability, "kind": kind}))
}

async fn create_stage(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let key = format!("new-stage-{id}");
    let body = match stage_body(&ui.tr, &fields) {
        Ok(b) => b,
        Err(errors) => {
            return pipelines_view(&state, &ui, None, &Redo::invalid(key, fields, errors)).await;
        }
    };
    let r = pipelines::create_stage(&state.db, &ui.actor, id, body).await;
    let to = match &r {
        Ok(s) => format!("/settings/pipelines?msg=saved#stage-{}", s.id),
        Err(_) => String::new(),
    };
    pipelines_done(&state, &ui, key, fields, r.map(|_| ()), to).await
}

async fn update_stage(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let key = format!("stage-{id}");
    let body = match stage_body(&ui.tr, &fields) {
        Ok(b) => b,
        Err(errors) => {
            return pipelines_view(&state, &ui, None, &Redo::invalid(key, fields, errors)).await;
        }
    };
    let r = pipelines::update_stage(&state.db, &ui.actor, id, body).await;
    pipelines_done(
        &state,
        &ui,
        key,
        fields,
        r.map(|_| ()),
        format!("/settings/pipelines?msg=saved#stage-{id}"),
    )
    .await
}

/// The stages of a pipeline after moving one up or down, or `None` when it cannot move.
fn moved(stages: &[Stage], id: Id, up: bool) -> Option<Vec<&Stage>> {
    let mut order: Vec<&Stage> = stages.iter().collect();
    let i = order.iter().position(|s| s.id == id)?;
    let j = if up {
        i.checked_sub(1)?
    } else {
        Some(i + 1).filter(|j| *j < order.len())?
    };
    order.swap(i, j);
    Some(order)
}

/// Moves a stage one place up or down: the whole new order is written in one
/// transaction.
async fn move_stage(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let up = fields.get("dir") == Some("up");
    let list = match pipelines::list(&state.db).await {
        Ok(l) => l,
        Err(e) => return failure(&ui, e),
    };
    let Some(p) = list.iter().find(|p| p.stages.iter().any(|s| s.id == id)) else {
        return not_found(&ui);
    };
    let result = match moved(&p.stages, id, up) {
        Some(order) => {
            let ids = order.iter().map(|s| s.id).collect();
            pipelines::reorder_stages(&state.db, &ui.actor, p.id, ids)
                .await
                .map(drop)
        }
        None => Ok(()),
    };
    pipelines_done(
        &state,
        &ui,
        format!("stage-{id}"),
        Fields::default(),
        result,
        format!("/settings/pipelines?msg=saved#stage-{id}"),
    )
    .await
}

async fn delete_stage(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let r = pipelines::delete_stage(&state.db, &ui.actor, id).await;
    pipelines_done(
        &state,
        &ui,
        format!("stage-{id}"),
        Fields::default(),
        r,
        "/settings/pipelines?msg=deleted".into(),
    )
    .await
}

// ---------------------------------------------------------------- loss reasons and lead sources

/// A list of `/settings/{list}`: its kind, path and title.
fn list_of(list: &str) -> Option<(LookupKind, &'static str, &'static str)> {
    match list {
        "loss-reasons" => Some((
            LookupKind::LossReason,
            "/settings/loss-reasons",
            "settings-loss-reasons",
        )),
        "lead-sources" => Some((
            LookupKind::LeadSource,
            "/settings/lead-sources",
            "settings-lead-sources",
        )),
        _ => None,
    }
}

const ENTRY_FIELDS: &[&str] = &["name", "position", "active", "_"];

fn entry_row(ui: &Ui, path: &str, l: &Lookup, first: bool, redo: &Redo) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let key = format!("entry-{}", l.id);
    html! {
        div #(key) style=(row(first)) {
            form method="post" action=(format!("{path}/{}", l.id)) style=(INLINE) {
                (csrf(ui))
                (labelled(&format!("{key}-position"), &t("settings-order"), !first, redo.error(&key, "position"), NARROW, html! {
                    input id=(format!("{key}-position")) type="number" step="1" inputmode="numeric" name="position" value=(redo.value(&key, "position", l.data.position));
                }))
                (labelled(&format!("{key}-name"), &t("field-name"), !first, redo.error(&key, "name"), NAME, html! {
                    input id=(format!("{key}-name")) name="name" value=(redo.value(&key, "name", &l.data.name)) required;
                }))
                (beside(first, html! { button type="submit" { (t("action-save")) } }))
            }
            form method="post" action=(format!("{path}/{}/active", l.id)) {
                (csrf(ui))
                input type="hidden" name="active" value=(if l.data.active { "0" } else { "1" });
                (beside(first, html! {
                    @if !l.data.active { span.badge.lost { (t("settings-inactive")) } }
                    button type="submit" { (if l.data.active { t("settings-deactivate") } else { t("settings-activate") }) }
                }))
            }
            form method="post" action=(format!("{path}/{}/delete", l.id)) data-confirm=(ui.tr.t1("confirm-delete", "name", &l.data.name)) {
                (csrf(ui))
                (beside(first, html! { button.danger type="submit" { (t("action-delete")) } }))
            }
            (other_errors(redo, &key, ENTRY_FIELDS))
            @if let Some(m) = redo.error(&key, "_") { div.error role="alert" style="flex-basis: 100%; color: var(--danger)" { (m) } }
        }
    }
}

async fn entries_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(list): Path<String>,
    Query(q): QueryPairs,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let Some(of) = list_of(&list) else {
        return not_found(&ui);
    };
    entries_view(&state, &ui, of, query_msg(&q), &Redo::none()).await
}

async fn entries_view(
    state: &AppState,
    ui: &Ui,
    (kind, path, title): (LookupKind, &str, &str),
    msg: Option<&str>,
    redo: &Redo,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let entries = match lookups::list(&state.db, kind).await {
        Ok(l) => l,
        Err(e) => return failure(ui, e),
    };
    let key = "new-entry";
    let body = html! {
        (flash(ui, msg))
        (alert(ui, &redo.errors, redo.status))
        @if entries.is_empty() {
            p.muted { (t("list-empty")) }
        } @else {
            div.card style=(ROWS) {
                @for (i, l) in entries.iter().enumerate() { (entry_row(ui, path, l, i == 0, redo)) }
            }
        }
        section.card #new-entry {
            h2 { (t("settings-new-entry")) }
            form method="post" action=(path) style=(INLINE) {
                (csrf(ui))
                (labelled("new-entry-name", &t("field-name"), false, redo.error(key, "name"), GROW, html! {
                    input #new-entry-name name="name" value=(redo.value(key, "name", "")) required;
                }))
                (beside(true, html! { button.primary type="submit" { (t("action-create")) } }))
                (other_errors(redo, key, &["name"]))
            }
        }
    };
    page(ui, redo.status, t(title), path, None, body)
}

async fn entries_done(
    state: &AppState,
    ui: &Ui,
    of: (LookupKind, &str, &str),
    key: String,
    fields: Fields,
    result: voronka_store::Result<()>,
    msg: &str,
) -> Response {
    match result {
        Ok(()) => saved(&format!("{}?msg={msg}", of.1)),
        Err(e) => match Redo::from_store(&ui.tr, key, fields, e) {
            Ok(redo) => entries_view(state, ui, of, None, &redo).await,
            Err(e) => failure(ui, e),
        },
    }
}

async fn create_entry(
    State(state): State<AppState>,
    Path(list): Path<String>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let Some(of) = list_of(&list) else {
        return not_found(&ui);
    };
    // New entries go to the end of the list.
    let position = match lookups::list(&state.db, of.0).await {
        Ok(l) => l.iter().map(|e| e.data.position + 1).max().unwrap_or(0),
        Err(e) => return failure(&ui, e),
    };
    let body = json!({"name": text(&fields, "name"), "position": position});
    let r = lookups::create(&state.db, &ui.actor, of.0, body).await;
    entries_done(
        &state,
        &ui,
        of,
        "new-entry".into(),
        fields,
        r.map(|_| ()),
        "saved",
    )
    .await
}

async fn update_entry(
    State(state): State<AppState>,
    Path((list, id)): Path<(String, Id)>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let Some(of) = list_of(&list) else {
        return not_found(&ui);
    };
    let key = format!("entry-{id}");
    let mut body = json!({"name": text(&fields, "name")});
    let position = text(&fields, "position");
    if !position.is_empty() {
        match position.parse::<i64>() {
            Ok(p) => body["position"] = json!(p),
            Err(_) => {
                let errors = Errors::from([("position".to_owned(), ui.tr.t("err-whole-number"))]);
                return entries_view(&state, &ui, of, None, &Redo::invalid(key, fields, errors))
                    .await;
            }
        }
    }
    let r = lookups::update(&state.db, &ui.actor, of.0, id, body).await;
    entries_done(&state, &ui, of, key, fields, r.map(|_| ()), "saved").await
}

async fn toggle_entry(
    State(state): State<AppState>,
    Path((list, id)): Path<(String, Id)>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let Some(of) = list_of(&list) else {
        return not_found(&ui);
    };
    let active = fields.get("active") == Some("1");
    let r = lookups::update(&state.db, &ui.actor, of.0, id, json!({"active": active})).await;
    entries_done(
        &state,
        &ui,
        of,
        format!("entry-{id}"),
        Fields::default(),
        r.map(|_| ()),
        "saved",
    )
    .await
}

async fn delete_entry(
    State(state): State<AppState>,
    Path((list, id)): Path<(String, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let Some(of) = list_of(&list) else {
        return not_found(&ui);
    };
    let r = lookups::delete(&state.db, &ui.actor, of.0, id).await;
    entries_done(
        &state,
        &ui,
        of,
        format!("entry-{id}"),
        Fields::default(),
        r,
        "deleted",
    )
    .await
}

// ---------------------------------------------------------------- API tokens

async fn tokens_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    tokens_view(
        &state,
        &ui,
        query_id(&q, "user_id"),
        query_msg(&q),
        &Redo::none(),
        None,
    )
    .await
}

async fn tokens_view(
    state: &AppState,
    ui: &Ui,
    filter: Option<Id>,
    msg: Option<&str>,
    redo: &Redo,
    created: Option<(&ApiToken, &str)>,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (tokens, people) = match (
        users::list_tokens(&state.db, &ui.actor, filter).await,
        users::list_users(&state.db).await,
    ) {
        (Ok(k), Ok(u)) => (k, u),
        (Err(e), _) | (_, Err(e)) => return failure(ui, e),
    };
    let name_of = |id: Id| {
        people
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.data.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let key = "new-token";
    let chosen = redo.value(key, "user_id", filter.unwrap_or(ui.user.id));
    let back = filter.map(|f| f.to_string()).unwrap_or_default();
    let body = html! {
        @if let Some((token, secret)) = created {
            section.card role="status" style="margin-bottom: 16px; border-color: var(--won); background: var(--won-soft)" {
                p style="margin-top: 0" { strong { (t("settings-token-shown-once")) } }
                label for="token-secret" { (ui.tr.t1("settings-token-secret", "name", format!("{} · {}", token.name, name_of(token.user_id)))) }
                input #token-secret type="text" readonly value=(secret) autocomplete="off" spellcheck="false" style="width: 100%; font-family: ui-monospace, monospace";
                p.muted style="font-size: 12px; margin-bottom: 0" { (t("settings-token-usage")) }
            }
        }
        (flash(ui, msg))
        (alert(ui, &redo.errors, redo.status))
        div.chips {
            a.chip href="/settings/tokens" aria-current=[filter.is_none().then_some("true")] { (t("settings-all-users")) }
            @if let Some(f) = filter { a.chip href=(format!("/settings/tokens?user_id={f}")) aria-current="true" { (name_of(f)) } }
        }
        @if tokens.is_empty() {
            p.muted { (t("list-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th { (t("field-name")) }
                    th { (t("field-user_id")) }
                    th.optional { (t("field-created_at")) }
                    th.optional { (t("settings-last-used")) }
                    th { (t("field-status")) }
                } }
                tbody {
                    @for k in &tokens {
                        tr {
                            td { (k.name) }
                            td { a href=(format!("/settings/users/{}", k.user_id)) { (name_of(k.user_id)) } }
                            td.optional { (ui.tr.datetime(k.created_at)) }
                            td.optional { (k.last_used_at.map(|w| ui.tr.datetime(w)).unwrap_or_else(|| "—".into())) }
                            td {
                                @if let Some(when) = k.revoked_at {
                                    span.badge.lost { (t("settings-revoked")) } " " span.muted { (ui.tr.datetime(when)) }
                                } @else {
                                    form method="post" action=(format!("/settings/tokens/{}/revoke", k.id)) data-confirm=(ui.tr.t1("settings-confirm-revoke", "name", &k.name)) {
                                        (csrf(ui))
                                        input type="hidden" name="user_id" value=(back);
                                        button.danger type="submit" { (t("settings-revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card #new-token style="margin-top: 16px" {
            h2 { (t("settings-new-token")) }
            form method="post" action="/settings/tokens" style=(INLINE) {
                (csrf(ui))
                (labelled("token-user", &t("field-user_id"), false, redo.error(key, "user_id"), GROW, html! {
                    select #token-user name="user_id" {
                        @for u in people.iter().filter(|u| u.data.active || u.id.to_string() == chosen) {
                            option value=(u.id) selected[u.id.to_string() == chosen] { (u.data.name) " (" (u.data.login) ")" }
                        }
                    }
                }))
                (labelled("token-name", &t("field-name"), false, redo.error(key, "name"), GROW, html! {
                    input #token-name name="name" value=(redo.value(key, "name", "")) maxlength="100" required;
                }))
                (beside(true, html! { button.primary type="submit" { (t("action-create")) } }))
                (other_errors(redo, key, &["user_id", "name"]))
            }
        }
    };
    page(
        ui,
        redo.status,
        t("settings-tokens"),
        "/settings/tokens",
        None,
        body,
    )
}

async fn create_token(State(state): State<AppState>, Post { ui, form: fields }: Post) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    let key = "new-token";
    let Ok(Some(user_id)) = parse_opt_id(fields.get("user_id")) else {
        let errors = Errors::from([("user_id".to_owned(), ui.tr.t("err-choose-user"))]);
        return tokens_view(
            &state,
            &ui,
            None,
            None,
            &Redo::invalid(key, fields, errors),
            None,
        )
        .await;
    };
    match users::create_token(&state.db, &ui.actor, user_id, &text(&fields, "name")).await {
        // The secret is on this answer only: it is stored as a hash and never shown again.
        Ok((token, secret)) => {
            tokens_view(
                &state,
                &ui,
                None,
                None,
                &Redo::none(),
                Some((&token, &secret)),
            )
            .await
        }
        Err(e) => match Redo::from_store(&ui.tr, key, fields, e) {
            Ok(redo) => tokens_view(&state, &ui, None, None, &redo, None).await,
            Err(e) => failure(&ui, e),
        },
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    if let Some(r) = deny(&ui) {
        return r;
    }
    match users::revoke_token(&state.db, &ui.actor, id).await {
        Ok(()) => match parse_opt_id(fields.get("user_id")) {
            Ok(Some(u)) => saved(&format!("/settings/tokens?user_id={u}&msg=saved")),
            _ => saved("/settings/tokens?msg=saved"),
        },
        Err(e) => failure(&ui, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voronka_core::records::StageData;

    fn stage(id: Id, position: i64) -> Stage {
        Stage {
            id,
            pipeline_id: 1,
            data: StageData {
                name: format!("s{id}"),
                probability: 0,
                kind: StageKind::Open,
                position,
            },
        }
    }

    #[test]
    fn stages_move_one_place_and_stop_at_the_ends() {
        let stages = [stage(1, 0), stage(2, 1), stage(3, 2)];
        let ids = |o: Option<Vec<&Stage>>| o.map(|v| v.iter().map(|s| s.id).collect::<Vec<_>>());
        assert_eq!(ids(moved(&stages, 3, true)), Some(vec![1, 3, 2]));
        assert_eq!(ids(moved(&stages, 1, false)), Some(vec![2, 1, 3]));
        assert_eq!(ids(moved(&stages, 1, true)), None);
        assert_eq!(ids(moved(&stages, 3, false)), None);
        assert_eq!(ids(moved(&stages, 9, true)), None);
    }

    #[test]
    fn an_empty_probability_follows_the_kind() {
        let tr = Tr::new(voronka_core::records::Locale::En, "UTC");
        let form = |pairs: &[(&str, &str)]| {
            Fields(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        };
        assert_eq!(
            stage_body(&tr, &form(&[("name", "Won"), ("kind", "won")])).unwrap()["probability"],
            100
        );
        assert_eq!(
            stage_body(&tr, &form(&[("name", "New")])).unwrap()["probability"],
            0
        );
        assert!(
            stage_body(&tr, &form(&[("name", "X"), ("probability", "half")]))
                .unwrap_err()
                .contains_key("probability")
        );
    }
}
