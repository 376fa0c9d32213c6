//! Lists of leads, deals, accounts, contacts and activities — one pattern for
//! all: filters as a GET form and chips, sortable headers, keyset pages, the
//! count and the sum, checkboxes for bulk actions — plus the global search.

use super::form::{Choices, Def, Fields, Kind, f, urlencode, wide};
use super::layout::{Nav, Page, csrf, flash, render};
use super::{Post, Ui};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::str::FromStr;
use voronka_core::records::{Account, Activity, Contact, Deal, EntityKind, Id, Lead};
use voronka_core::{Day, Timestamp};
use voronka_store::{Page as StorePage, rules, search};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads", get(list_page))
        .route("/deals", get(list_page))
        .route("/accounts", get(list_page))
        .route("/contacts", get(list_page))
        .route("/activities", get(list_page))
        .route("/{entity}/bulk", post(bulk))
        .route("/{entity}/views", post(save_view))
        .route("/{entity}/views/{id}/delete", post(delete_view))
        .route("/options/{entity}", get(options))
        .route("/search/suggest", get(suggest))
        .route("/search", get(search_page))
}

/// How an entity shows up in the interface.
pub struct EntityUi {
    pub kind: EntityKind,
    pub path: &'static str,
    pub title: &'static str,
    pub new: &'static str,
    pub nav: Nav,
    pub defs: &'static [Def],
    pub columns: &'static [Col],
    /// The status-like field bulk "change status" sets, with its values.
    pub status: Option<(&'static str, &'static str, &'static [&'static str])>,
}

pub enum Cell {
    /// The record's name, linking to it.
    Name,
    Text(&'static str),
    Money,
    Owner,
    Stage,
    Enum(&'static str, &'static str),
    Day(&'static str),
    When(&'static str),
    Ref(&'static str, EntityKind),
    Related,
    First(&'static str),
}

pub struct Col {
    pub label: &'static str,
    pub sort: Option<&'static str>,
    pub cell: Cell,
    pub num: bool,
    /// Hidden on narrow screens.
    pub optional: bool,
}

const fn col(label: &'static str, sort: Option<&'static str>, cell: Cell) -> Col {
    Col {
        label,
        sort,
        cell,
        num: false,
        optional: false,
    }
}
const fn opt(label: &'static str, sort: Option<&'static str>, cell: Cell) -> Col {
    Col {
        label,
        sort,
        cell,
        num: false,
        optional: true,
    }
}

const LEAD_STATUSES: &[&str] = &["new", "working", "converted", "disqualified"];
const ACTIVITY_STATUSES: &[&str] = &[
    "planned",
    "held",
    "not_held",
    "not_started",
    "waiting",
    "deferred",
    "in_progress",
    "completed",
];

pub const LEAD_DEFS: &[Def] = &[
    f("last_name", Kind::Text),
    f("first_name", Kind::Text),
    f("middle_name", Kind::Text),
    f("company", Kind::Text),
    f("title", Kind::Text).labelled("field-position"),
    f("source_id", Kind::LeadSource),
    f("phones", Kind::List),
    f("emails", Kind::List),
    f("website", Kind::Text),
    f("address", Kind::Text),
    f(
        "status",
        Kind::Enum("lead-status", &["new", "working", "disqualified"]),
    ),
    f("disqualify_reason", Kind::Text),
    f("owner_id", Kind::Owner),
    wide("description", Kind::Textarea),
];
pub const ACCOUNT_DEFS: &[Def] = &[
    wide("name", Kind::Text),
    f("inn", Kind::Text),
    f("kpp", Kind::Text),
    f("ogrn", Kind::Text),
    f("industry", Kind::Text),
    f("territory", Kind::Text),
    f("website", Kind::Text),
    f("phones", Kind::List),
    f("emails", Kind::List),
    f("legal_address", Kind::Text),
    f("actual_address", Kind::Text),
    f("bank_name", Kind::Text),
    f("bic", Kind::Text),
    f("settlement_account", Kind::Text),
    f("correspondent_account", Kind::Text),
    f("credit_limit", Kind::Decimal),
    f("owner_id", Kind::Owner),
    wide("description", Kind::Textarea),
];
pub const CONTACT_DEFS: &[Def] = &[
    f("last_name", Kind::Text),
    f("first_name", Kind::Text),
    f("middle_name", Kind::Text),
    f("account_id", Kind::Ref("accounts")),
    f("position", Kind::Text),
    f("birthday", Kind::Date),
    f("phones", Kind::List),
    f("emails", Kind::List),
    f("owner_id", Kind::Owner),
    wide("description", Kind::Textarea),
];
pub const DEAL_DEFS: &[Def] = &[
    wide("title", Kind::Text),
    f("account_id", Kind::Ref("accounts")),
    f("contact_id", Kind::Ref("contacts")),
    f("amount", Kind::Decimal),
    f("currency", Kind::Currency),
    f("stage_id", Kind::Stage),
    f("probability", Kind::Int),
    f("expected_close_date", Kind::Date),
    f("source_id", Kind::LeadSource),
    f("owner_id", Kind::Owner),
    wide("description", Kind::Textarea),
];
pub const ACTIVITY_DEFS: &[Def] = &[
    wide("subject", Kind::Text),
    f(
        "kind",
        Kind::Enum("activity-kind", &["task", "event", "interaction"]),
    ),
    f("status", Kind::Enum("activity-status", ACTIVITY_STATUSES)),
    f("due_at", Kind::DateTime),
    f(
        "priority",
        Kind::Enum("priority", &["low", "normal", "high"]),
    ),
    f("start_at", Kind::DateTime),
    f("end_at", Kind::DateTime),
    f("all_day", Kind::Bool),
    f("location", Kind::Text),
    f(
        "channel",
        Kind::Enum("channel", &["call", "email", "message", "meeting"]),
    ),
    f(
        "direction",
        Kind::Enum("direction", &["incoming", "outgoing"]),
    ),
    f("outcome", Kind::Text),
    f("reminder_at", Kind::DateTime),
    f("owner_id", Kind::Owner),
    wide("description", Kind::Textarea),
];

pub const LEADS: EntityUi = EntityUi {
    kind: EntityKind::Lead,
    path: "leads",
    title: "nav-leads",
    new: "new-lead",
    nav: Nav::Leads,
    defs: LEAD_DEFS,
    columns: &[
        col("field-name", Some("last_name"), Cell::Name),
        col("field-company", Some("company"), Cell::Text("company")),
        opt("field-phones", None, Cell::First("phones")),
        opt("field-emails", None, Cell::First("emails")),
        col(
            "field-status",
            Some("status"),
            Cell::Enum("lead-status", "status"),
        ),
        opt("field-owner_id", Some("owner_id"), Cell::Owner),
        opt(
            "field-created_at",
            Some("created_at"),
            Cell::When("created_at"),
        ),
    ],
    status: Some(("status", "lead-status", &["new", "working", "disqualified"])),
};
pub const DEALS: EntityUi = EntityUi {
    kind: EntityKind::Deal,
    path: "deals",
    title: "nav-deals",
    new: "new-deal",
    nav: Nav::Deals,
    defs: DEAL_DEFS,
    columns: &[
        col("field-title", Some("title"), Cell::Name),
        opt(
            "field-account_id",
            None,
            Cell::Ref("account_id", EntityKind::Account),
        ),
        col("field-stage_id", Some("stage_id"), Cell::Stage),
        Col {
            label: "field-amount",
            sort: Some("amount"),
            cell: Cell::Money,
            num: true,
            optional: false,
        },
        opt(
            "field-expected_close_date",
            Some("expected_close_date"),
            Cell::Day("expected_close_date"),
        ),
        opt("field-owner_id", Some("owner_id"), Cell::Owner),
        opt(
            "field-updated_at",
            Some("updated_at"),
            Cell::When("updated_at"),
        ),
    ],
    status: None,
};
pub const ACCOUNTS: EntityUi = EntityUi {
    kind: EntityKind::Account,
    path: "accounts",
    title: "nav-accounts",
    new: "new-account",
    nav: Nav::Accounts,
    defs: ACCOUNT_DEFS,
    columns: &[
        col("field-name", Some("name"), Cell::Name),
        col("field-inn", Some("inn"), Cell::Text("inn")),
        col(
            "field-kind",
            Some("kind"),
            Cell::Enum("account-kind", "kind"),
        ),
        opt("field-industry", Some("industry"), Cell::Text("industry")),
        opt("field-phones", None, Cell::First("phones")),
        opt("field-owner_id", Some("owner_id"), Cell::Owner),
    ],
    status: None,
};
pub const CONTACTS: EntityUi = EntityUi {
    kind: EntityKind::Contact,
    path: "contacts",
    title: "nav-contacts",
    new: "new-contact",
    nav: Nav::Contacts,
    defs: CONTACT_DEFS,
    columns: &[
        col("field-name", Some("last_name"), Cell::Name),
        opt(
            "field-account_id",
            None,
            Cell::Ref("account_id", EntityKind::Account),
        ),
        opt("field-position", Some("position"), Cell::Text("position")),
        col("field-phones", None, Cell::First("phones")),
        opt("field-emails", None, Cell::First("emails")),
        opt("field-owner_id", Some("owner_id"), Cell::Owner),
    ],
    status: None,
};
pub const ACTIVITIES: EntityUi = EntityUi {
    kind: EntityKind::Activity,
    path: "activities",
    title: "nav-activities",
    new: "new-activity",
    nav: Nav::Activities,
    defs: ACTIVITY_DEFS,
    columns: &[
        col("field-subject", Some("subject"), Cell::Name),
        col(
            "field-kind",
            Some("kind"),
            Cell::Enum("activity-kind", "kind"),
        ),
        col(
            "field-status",
            Some("status"),
            Cell::Enum("activity-status", "status"),
        ),
        col("field-due_at", Some("due_at"), Cell::When("due_at")),
        opt("field-start_at", Some("start_at"), Cell::When("start_at")),
        opt("field-related", None, Cell::Related),
        opt("field-owner_id", Some("owner_id"), Cell::Owner),
    ],
    status: Some(("status", "activity-status", ACTIVITY_STATUSES)),
};

pub fn entity(path: &str) -> Option<&'static EntityUi> {
    match path {
        "leads" => Some(&LEADS),
        "deals" => Some(&DEALS),
        "accounts" => Some(&ACCOUNTS),
        "contacts" => Some(&CONTACTS),
        "activities" => Some(&ACTIVITIES),
        _ => None,
    }
}

pub fn entity_path(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Lead => "leads",
        EntityKind::Account => "accounts",
        EntityKind::Contact => "contacts",
        EntityKind::Deal => "deals",
        _ => "activities",
    }
}

/// A page of records as JSON, whatever the entity.
pub async fn fetch(
    state: &AppState,
    ui: &Ui,
    kind: EntityKind,
    params: &[(String, String)],
) -> voronka_store::Result<StorePage<Value>> {
    async fn page<T: voronka_store::table::Table>(
        state: &AppState,
        ui: &Ui,
        params: &[(String, String)],
    ) -> voronka_store::Result<StorePage<Value>> {
        let p = rules::list::<T>(&state.db, &ui.actor, params).await?;
        Ok(StorePage {
            items: p
                .items
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
                .collect(),
            next_cursor: p.next_cursor,
            total: p.total,
        })
    }
    match kind {
        EntityKind::Lead => page::<Lead>(state, ui, params).await,
        EntityKind::Account => page::<Account>(state, ui, params).await,
        EntityKind::Contact => page::<Contact>(state, ui, params).await,
        EntityKind::Deal => page::<Deal>(state, ui, params).await,
        _ => page::<Activity>(state, ui, params).await,
    }
}

/// Display names of the records rows refer to, by kind.
pub async fn ref_names(
    state: &AppState,
    ui: &Ui,
    items: &[Value],
) -> voronka_store::Result<HashMap<(EntityKind, Id), String>> {
    let mut wanted: HashMap<EntityKind, Vec<Id>> = HashMap::new();
    for it in items {
        for (field, kind) in [
            ("account_id", EntityKind::Account),
            ("contact_id", EntityKind::Contact),
        ] {
            if let Some(id) = it[field].as_i64() {
                wanted.entry(kind).or_default().push(id);
            }
        }
        if let (Some(kind), Some(id)) = (
            it["related_type"].as_str().and_then(EntityKind::parse),
            it["related_id"].as_i64(),
        ) {
            wanted.entry(kind).or_default().push(id);
        }
    }
    let mut out = HashMap::new();
    let mut c = state.db.reader().await?;
    for (kind, ids) in wanted {
        for (id, name) in search::titles(&mut c, &ui.actor, kind, &ids).await? {
            out.insert((kind, id), name);
        }
    }
    Ok(out)
}

pub fn record_name(kind: EntityKind, v: &Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let name = match kind {
        EntityKind::Account => s("name"),
        EntityKind::Deal => s("title"),
        EntityKind::Activity => s("subject"),
        _ => voronka_core::text::full_name(
            v["last_name"].as_str(),
            v["first_name"].as_str(),
            v["middle_name"].as_str(),
        ),
    };
    if name.is_empty() { s("company") } else { name }
}

pub fn money_of(ui: &Ui, v: &Value) -> String {
    let amount = v["amount"]
        .as_str()
        .and_then(|a| Decimal::from_str(a).ok())
        .unwrap_or_default();
    ui.tr.money(amount, v["currency"].as_str().unwrap_or("RUB"))
}

pub fn when(ui: &Ui, v: &Value) -> String {
    v.as_str()
        .and_then(|s| Timestamp::parse(s).ok())
        .map(|t| ui.tr.datetime(t))
        .unwrap_or_default()
}

fn cell(
    ui: &Ui,
    e: &EntityUi,
    c: &Cell,
    v: &Value,
    choices: &Choices,
    names: &HashMap<(EntityKind, Id), String>,
    now: Timestamp,
) -> Markup {
    match c {
        Cell::Name => {
            let id = v["id"].as_i64().unwrap_or_default();
            html! { a href=(format!("/{}/{id}", e.path)) { (record_name(e.kind, v)) } }
        }
        Cell::Text(k) => html! { (v[*k].as_str().unwrap_or_default()) },
        Cell::Money => html! { (money_of(ui, v)) },
        Cell::Owner => html! { (choices.user_name(v["owner_id"].as_i64().unwrap_or_default())) },
        Cell::Stage => {
            let status = v["status"].as_str().unwrap_or("open");
            html! { span.badge.won[status == "won"].lost[status == "lost"] { (choices.stage_name(v["stage_id"].as_i64().unwrap_or_default())) } }
        }
        Cell::Enum(prefix, k) => {
            html! { (ui.tr.label(prefix, v[*k].as_str().unwrap_or_default())) }
        }
        Cell::Day(k) => {
            html! { (v[*k].as_str().and_then(|d| Day::parse(d).ok()).map(|d| ui.tr.day(d)).unwrap_or_default()) }
        }
        Cell::When(k) => {
            let t = v[*k].as_str().and_then(|s| Timestamp::parse(s).ok());
            let overdue = *k == "due_at"
                && t.is_some_and(|t| t < now)
                && v["status"]
                    .as_str()
                    .and_then(voronka_core::activity::ActivityStatus::parse)
                    .is_some_and(|s| !s.is_closed());
            html! { span.overdue[overdue] { (t.map(|t| ui.tr.datetime(t)).unwrap_or_default()) @if overdue { " · " (ui.tr.t("board-overdue")) } } }
        }
        Cell::Ref(k, kind) => match v[*k].as_i64() {
            Some(id) => {
                html! { a href=(format!("/{}/{id}", entity_path(*kind))) { (names.get(&(*kind, id)).cloned().unwrap_or_else(|| "—".into())) } }
            }
            None => html! {},
        },
        Cell::Related => {
            let kind = v["related_type"].as_str().and_then(EntityKind::parse);
            match (kind, v["related_id"].as_i64()) {
                (Some(kind), Some(id)) => html! {
                    span.muted { (ui.tr.label("entity", kind.as_str())) ": " }
                    a href=(format!("/{}/{id}", entity_path(kind))) { (names.get(&(kind, id)).cloned().unwrap_or_else(|| format!("#{id}"))) }
                },
                _ => html! {},
            }
        }
        Cell::First(k) => {
            let first = v[*k]
                .as_array()
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .unwrap_or_default();
            if *k == "phones" {
                html! { (voronka_core::phone::format_phone(first)) }
            } else {
                html! { (first) }
            }
        }
    }
}

/// Query parameters the list page passes to the store as filters.
fn store_params(q: &[(String, String)]) -> Vec<(String, String)> {
    q.iter()
        .filter(|(k, v)| !v.is_empty() && !is_page_param(k))
        .cloned()
        .collect()
}

/// Filters on dates (`created_at__gte=23.11.2026`) as the store reads them
/// (ISO); a date typed in neither the user's format nor ISO is left out and
/// named in the messages.
fn date_params(ui: &Ui, params: Vec<(String, String)>) -> (Vec<(String, String)>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (k, v) in params {
        let bound = k
            .strip_suffix("__gte")
            .map(|f| (f, "≥"))
            .or_else(|| k.strip_suffix("__lte").map(|f| (f, "≤")));
        let Some((field, op)) = bound.filter(|(f, _)| DATE_FILTERS.contains(f)) else {
            out.push((k, v));
            continue;
        };
        if let Some(d) = ui.tr.parse_day(&v) {
            out.push((k, d.to_string()));
        } else if Timestamp::parse(v.trim()).is_ok() {
            out.push((k, v));
        } else {
            let label = ui.tr.t(&format!("field-{field}"));
            errors.push(format!("{label} {op}: {}", super::form::date_error(ui)));
        }
    }
    (out, errors)
}

/// The fields whose list filters take dates.
const DATE_FILTERS: &[&str] = &[
    "created_at",
    "updated_at",
    "expected_close_date",
    "closed_at",
    "due_at",
    "start_at",
    "birthday",
];

/// Parameters of the page itself (the message after an action), never filters.
fn is_page_param(k: &str) -> bool {
    matches!(k, "msg" | "n" | "of" | "view")
}

fn with_param(q: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = q
        .iter()
        .filter(|(k, _)| k != key && k != "cursor" && !is_page_param(k))
        .cloned()
        .collect();
    if let Some(v) = value {
        pairs.push((key.to_owned(), v.to_owned()));
    }
    let s: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    if s.is_empty() {
        String::new()
    } else {
        format!("?{}", s.join("&"))
    }
}

/// Views everyone has; a user's own views are links like these.
fn views(ui: &Ui, e: &EntityUi, now: Timestamp) -> Vec<(String, String)> {
    let me = ui.user.id;
    match e.kind {
        EntityKind::Deal => vec![(
            ui.tr.t("view-my-open-deals"),
            format!("?owner_id={me}&status=open&sort=-amount"),
        )],
        EntityKind::Lead => vec![(ui.tr.t("view-new-leads"), "?status=new".to_owned())],
        EntityKind::Activity => vec![(
            ui.tr.t("view-overdue-tasks"),
            format!(
                "?kind=task&status=planned,not_started,waiting,deferred,in_progress&due_at__lte={}&sort=due_at",
                urlencode(&now.to_string())
            ),
        )],
        _ => vec![],
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    ui: Ui,
    uri: axum::http::Uri,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    let Some(e) = entity(path) else {
        return Redirect::to("/").into_response();
    };
    let (mut params, date_errors) = date_params(&ui, store_params(&q));
    if !params.iter().any(|(k, _)| k == "total") {
        params.push(("total".into(), "capped".into()));
    }
    let page = match fetch(&state, &ui, e.kind, &params).await {
        // A date that cannot be read: the list without that filter, the typed
        // text kept in its input, and the message naming the format.
        Ok(p) if !date_errors.is_empty() => {
            return render_list(&state, &ui, e, &q, p, Some(date_errors.join("; "))).await;
        }
        Ok(p) => p,
        Err(voronka_store::StoreError::Invalid(inv)) => {
            // A hand-edited URL with a bad filter: show the list unfiltered, with the message.
            let msg = ui
                .tr
                .errors(&inv.0)
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let p = fetch(&state, &ui, e.kind, &[("total".into(), "capped".into())])
                .await
                .unwrap_or(StorePage {
                    items: vec![],
                    next_cursor: None,
                    total: None,
                });
            return render_list(&state, &ui, e, &[], p, Some(msg)).await;
        }
        Err(err) => return crate::error::ApiError::from(err).into_response(),
    };
    render_list(&state, &ui, e, &q, page, None).await
}

async fn render_list(
    state: &AppState,
    ui: &Ui,
    e: &EntityUi,
    q: &[(String, String)],
    page: StorePage<Value>,
    error: Option<String>,
) -> Response {
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return crate::error::ApiError::from(err).into_response(),
    };
    let names = ref_names(state, ui, &page.items).await.unwrap_or_default();
    let saved = voronka_store::views::list(&state.db, &ui.actor, e.path)
        .await
        .unwrap_or_default();
    let now = state.db.now();
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let sort = get("sort").unwrap_or("");
    // The page's deals summed per currency: roubles and euros added into
    // one figure would be neither.
    let sum: Option<String> = (e.kind == EntityKind::Deal).then(|| {
        let mut by: Vec<(&str, Decimal)> = Vec::new();
        for v in &page.items {
            let (Some(amount), Some(cur)) = (
                v["amount"].as_str().and_then(|a| Decimal::from_str(a).ok()),
                v["currency"].as_str(),
            ) else {
                continue;
            };
            match by.iter_mut().find(|(c, _)| *c == cur) {
                Some((_, total)) => *total += amount,
                None => by.push((cur, amount)),
            }
        }
        by.iter()
            .map(|(c, total)| ui.tr.money(*total, c))
            .collect::<Vec<_>>()
            .join(" + ")
    });
    let t = |id: &str| ui.tr.t(id);
    let body = html! {
        @if get("msg") == Some("bulk") {
            div.flash role="status" { (bulk_flash(ui, get("n"), get("of"))) }
        } @else {
            (flash(ui, get("msg")))
        }
        @if let Some(err) = &error { div.flash.error role="alert" { (err) } }
        div.chips {
            a.chip href=(format!("/{}", e.path)) aria-current=[(q.iter().all(|(k, _)| is_page_param(k))).then_some("true")] { (t("list-any")) }
            @for (label, query) in views(ui, e, now) {
                a.chip href=(format!("/{}{query}", e.path)) { (label) }
            }
            @for v in &saved {
                span.chip {
                    a href=(format!("/{}?{}", e.path, v.query)) { (v.name) }
                    form method="post" action=(format!("/{}/views/{}/delete", e.path, v.id)) style="display:inline" {
                        (csrf(ui)) button.link type="submit" aria-label=(format!("{} {}", t("action-delete"), v.name)) { "×" }
                    }
                }
            }
            @if q.iter().any(|(k, _)| k != "msg" && k != "cursor" && k != "n") {
                form.inline method="post" action=(format!("/{}/views", e.path)) {
                    (csrf(ui))
                    input type="hidden" name="query" value=(with_param(q, "cursor", None).trim_start_matches('?'));
                    label.sr-only for="view-name" { (t("view-name")) }
                    input #view-name name="name" placeholder=(t("view-name")) required size="14";
                    button type="submit" { (t("view-save")) }
                }
            }
        }
        form.filters method="get" action=(format!("/{}", e.path)) {
            label.sr-only for="flt-q" { (t("search-placeholder")) }
            input #flt-q type="search" name="q" value=(get("q").unwrap_or_default()) placeholder=(t("search-placeholder"));
            label.sr-only for="flt-owner" { (t("field-owner_id")) }
            select #flt-owner name="owner_id" {
                option value="" { (t("list-all-owners")) }
                @for u in &choices.users {
                    option value=(u.id) selected[get("owner_id") == Some(u.id.to_string().as_str())] { (u.data.name) }
                }
            }
            @match e.kind {
                EntityKind::Deal => {
                    label.sr-only for="flt-stage" { (t("field-stage_id")) }
                    select #flt-stage name="stage_id" {
                        option value="" { (t("field-stage_id")) ": " (t("list-any")) }
                        @for p in &choices.pipelines { optgroup label=(p.data.name) { @for s in &p.stages {
                            option value=(s.id) selected[get("stage_id") == Some(s.id.to_string().as_str())] { (s.data.name) }
                        } } }
                    }
                    select name="status" aria-label=(t("field-status")) {
                        option value="" { (t("field-status")) ": " (t("list-any")) }
                        @for s in ["open", "won", "lost"] { option value=(s) selected[get("status") == Some(s)] { (ui.tr.label("deal-status", s)) } }
                    }
                }
                _ => {
                    @if let Some((field, prefix, values)) = e.status.map(|(f, p, v)| (f, p, if e.kind == EntityKind::Lead { LEAD_STATUSES } else { v })) {
                        select name=(field) aria-label=(t("field-status")) {
                            option value="" { (t("field-status")) ": " (t("list-any")) }
                            @for v in values { option value=(v) selected[get(field) == Some(*v)] { (ui.tr.label(prefix, v)) } }
                        }
                    }
                }
            }
            label { (t("field-created_at")) }
            @for (key, op) in [("created_at__gte", "≥"), ("created_at__lte", "≤")] {
                @let typed = get(key).unwrap_or_default();
                @let shown = ui.tr.parse_day(typed).map(|d| ui.tr.day(d)).unwrap_or_else(|| typed.to_owned());
                (super::form::date_input(ui, &format!("flt-{key}"), key, &shown, Some(&format!("{} {op}", t("field-created_at")))))
            }
            @if !sort.is_empty() { input type="hidden" name="sort" value=(sort); }
            button type="submit" { (t("action-apply")) }
        }
        form #bulk method="post" action=(format!("/{}/bulk", e.path)) data-confirm=(ui.tr.t1("confirm-bulk-delete", "count", "…")) data-confirm-if="action=delete" {
            (csrf(ui))
            @if page.items.is_empty() {
                div.card.muted { (t("list-empty")) }
            } @else {
                table.list {
                    thead { tr {
                        th { span.sr-only { "✓" } }
                        @for c in e.columns {
                            th.num[c.num].optional[c.optional] scope="col" {
                                @if let Some(field) = c.sort {
                                    @let (next, arrow) = if sort == field { (format!("-{field}"), " ↑") } else if sort == format!("-{field}") { (field.to_owned(), " ↓") } else { (field.to_owned(), "") };
                                    a href=(format!("/{}{}", e.path, with_param(q, "sort", Some(&next)))) { (t(c.label)) (arrow) }
                                } @else { (t(c.label)) }
                            }
                        }
                    } }
                    tbody {
                        @for v in &page.items {
                            tr {
                                td { input type="checkbox" name="ids" value=(v["id"]) aria-label=(record_name(e.kind, v)); }
                                @for c in e.columns {
                                    td.num[c.num].optional[c.optional] { (cell(ui, e, &c.cell, v, &choices, &names, now)) }
                                }
                            }
                        }
                    }
                }
            }
            div.listfoot {
                @if let Some(total) = page.total {
                    @if total > voronka_store::list::TOTAL_CAP as i64 { span { (ui.tr.t1("list-total", "total", format!("{}+", ui.tr.number(rust_decimal::Decimal::from(voronka_store::list::TOTAL_CAP), 0)))) } }
                    @else { span { (ui.tr.count("count-records", total)) } }
                }
                @if let Some(sum) = sum.filter(|s| !s.is_empty()) { span { (ui.tr.t1("list-sum", "sum", sum)) } }
                @if q.iter().any(|(k, _)| k == "cursor") { a href=(format!("/{}{}", e.path, with_param(q, "cursor", None))) { (t("action-prev")) } }
                @if let Some(cursor) = &page.next_cursor { a href=(format!("/{}{}", e.path, with_param(q, "cursor", Some(cursor)))) { (t("action-next")) } }
                @if !page.items.is_empty() {
                    select name="action" aria-label=(t("bulk-owner")) {
                        option value="owner" { (t("bulk-owner")) }
                        @if e.status.is_some() { option value="status" { (t("bulk-status")) } }
                        option value="delete" { (t("action-delete")) }
                    }
                    select name="owner_id" aria-label=(t("field-owner_id")) {
                        @for u in choices.users.iter().filter(|u| u.data.active) { option value=(u.id) { (u.data.name) } }
                    }
                    @if let Some((_, prefix, values)) = e.status {
                        select name="status" aria-label=(t("field-status")) { @for v in values { option value=(v) { (ui.tr.label(prefix, v)) } } }
                    }
                    button type="submit" { (t("action-apply")) }
                }
            }
        }
    };
    let page = Page {
        title: t(e.title),
        nav: e.nav,
        actions: Some(
            html! { a.btn.primary href=(format!("/{}/new", e.path)) { "+ " (t(e.new)) } },
        ),
        body,
    };
    Html(render(ui, page).into_string()).into_response()
}

/// Assign an owner, change the status or delete several records; each record is its own action.
async fn bulk(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Post { ui, form }: Post,
) -> Response {
    let Some(e) = entity(&path) else {
        return Redirect::to("/").into_response();
    };
    let ids: Vec<Id> = form
        .all("ids")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let action = form.get("action").unwrap_or_default();
    let (mut done, mut tried) = (0usize, 0usize);
    for id in ids {
        let result = match action {
            "delete" => delete(&state, &ui, e.kind, id).await,
            "owner" => update(
                &state,
                &ui,
                e.kind,
                id,
                json!({"owner_id": form.get("owner_id").and_then(|v| v.parse::<Id>().ok())}),
            )
            .await
            .map(drop),
            "status" => match e.status {
                Some((field, _, _)) => update(
                    &state,
                    &ui,
                    e.kind,
                    id,
                    json!({ field: form.get("status") }),
                )
                .await
                .map(drop),
                None => continue,
            },
            _ => continue,
        };
        tried += 1;
        if result.is_ok() {
            done += 1;
        }
    }
    // Records left unchanged (one another user deleted meanwhile, a status
    // change the record's state machine refuses) show as a count short of
    // the selection rather than silently.
    Redirect::to(&format!("/{}?msg=bulk&n={done}&of={tried}", e.path)).into_response()
}

/// What a bulk action did: how many records changed, and of how many
/// selected when some were left as they were.
fn bulk_flash(ui: &Ui, done: Option<&str>, tried: Option<&str>) -> String {
    let count = |v: Option<&str>| v.and_then(|n| n.parse::<usize>().ok());
    let done = count(done).unwrap_or(0);
    match count(tried) {
        Some(tried) if tried > done => ui.tr.t2("flash-bulk-of", ("count", done), ("total", tried)),
        _ => ui.tr.t1("flash-bulk", "count", done),
    }
}

pub async fn update(
    state: &AppState,
    ui: &Ui,
    kind: EntityKind,
    id: Id,
    body: Value,
) -> voronka_store::Result<Value> {
    let a = &ui.actor;
    let db = &state.db;
    Ok(match kind {
        EntityKind::Lead => serde_json::to_value(rules::update::<Lead>(db, a, id, body).await?),
        EntityKind::Account => {
            serde_json::to_value(rules::update::<Account>(db, a, id, body).await?)
        }
        EntityKind::Contact => {
            serde_json::to_value(rules::update::<Contact>(db, a, id, body).await?)
        }
        EntityKind::Deal => serde_json::to_value(rules::update::<Deal>(db, a, id, body).await?),
        _ => serde_json::to_value(rules::update::<Activity>(db, a, id, body).await?),
    }
    .unwrap_or(Value::Null))
}

pub async fn create(
    state: &AppState,
    ui: &Ui,
    kind: EntityKind,
    body: Value,
) -> voronka_store::Result<Value> {
    let a = &ui.actor;
    let db = &state.db;
    Ok(match kind {
        EntityKind::Lead => serde_json::to_value(rules::create::<Lead>(db, a, body).await?),
        EntityKind::Account => serde_json::to_value(rules::create::<Account>(db, a, body).await?),
        EntityKind::Contact => serde_json::to_value(rules::create::<Contact>(db, a, body).await?),
        EntityKind::Deal => serde_json::to_value(rules::create::<Deal>(db, a, body).await?),
        _ => serde_json::to_value(rules::create::<Activity>(db, a, body).await?),
    }
    .unwrap_or(Value::Null))
}

pub async fn delete(
    state: &AppState,
    ui: &Ui,
    kind: EntityKind,
    id: Id,
) -> voronka_store::Result<()> {
    let a = &ui.actor;
    let db = &state.db;
    match kind {
        EntityKind::Lead => rules::delete::<Lead>(db, a, id).await,
        EntityKind::Account => rules::delete::<Account>(db, a, id).await,
        EntityKind::Contact => rules::delete::<Contact>(db, a, id).await,
        EntityKind::Deal => rules::delete::<Deal>(db, a, id).await,
        _ => rules::delete::<Activity>(db, a, id).await,
    }
}

/// Suggestions for a reference input: `<option>`s of visible records matching the typed text.
async fn options(
    State(state): State<AppState>,
    ui: Ui,
    Path(path): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let Some(e) = entity(&path) else {
        return Html(String::new()).into_response();
    };
    let text = q
        .first()
        .map(|(_, v)| v.rsplit('#').next_back().unwrap_or(v).trim().to_owned())
        .unwrap_or_default();
    let params = vec![
        ("q".to_owned(), text),
        ("limit".to_owned(), "10".to_owned()),
    ];
    let page = fetch(&state, &ui, e.kind, &params)
        .await
        .unwrap_or(StorePage {
            items: vec![],
            next_cursor: None,
            total: None,
        });
    Html(html! {
        @for v in &page.items { option value=(format!("{} #{}", record_name(e.kind, v), v["id"])) {} }
    }.into_string()).into_response()
}

fn hits_markup(ui: &Ui, hits: &[search::Hit]) -> Markup {
    html! {
        @if hits.is_empty() { p.muted style="padding: 8px 12px" { (ui.tr.t("search-nothing")) } }
        @for kind in [EntityKind::Deal, EntityKind::Account, EntityKind::Contact, EntityKind::Lead] {
            @let group: Vec<&search::Hit> = hits.iter().filter(|h| h.entity == kind).collect();
            @if !group.is_empty() {
                h3 { (ui.tr.label("entity", kind.as_str())) }
                @for h in group { a href=(format!("/{}/{}", entity_path(kind), h.id)) { (h.title) } }
            }
        }
    }
}

async fn do_search(state: &AppState, ui: &Ui, q: &str) -> Vec<search::Hit> {
    match state.db.reader().await {
        Ok(mut c) => search::search(&mut c, &ui.actor, q, 20)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Instant results under the search box, grouped by entity.
async fn suggest(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let text = Fields(q).get("q").unwrap_or_default().to_owned();
    if text.trim().is_empty() {
        return Html(String::new()).into_response();
    }
    let hits = do_search(&state, &ui, &text).await;
    Html(hits_markup(&ui, &hits).into_string()).into_response()
}

async fn search_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let text = Fields(q).get("q").unwrap_or_default().to_owned();
    let hits = do_search(&state, &ui, &text).await;
    let page = Page {
        title: format!(
            "{}: {}",
            ui.tr
                .t("search-placeholder")
                .split(':')
                .next()
                .unwrap_or_default(),
            text
        ),
        nav: Nav::None,
        actions: None,
        body: html! { div.card.search-results style="position: static" { (hits_markup(&ui, &hits)) } },
    };
    Html(render(&ui, page).into_string()).into_response()
}

/// Saves the list's current filters under a name, for this user.
async fn save_view(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Post { ui, form }: Post,
) -> Response {
    let Some(e) = entity(&path) else {
        return Redirect::to("/").into_response();
    };
    let query = form.get("query").unwrap_or_default().to_owned();
    match voronka_store::views::create(
        &state.db,
        &ui.actor,
        e.path,
        form.get("name").unwrap_or_default(),
        &query,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/{}?{query}", e.path)).into_response(),
        Err(voronka_store::StoreError::Invalid(_)) => {
            Redirect::to(&format!("/{}?{query}", e.path)).into_response()
        }
        Err(err) => crate::error::ApiError::from(err).into_response(),
    }
}

async fn delete_view(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    let Some(e) = entity(&path) else {
        return Redirect::to("/").into_response();
    };
    match voronka_store::views::delete(&state.db, &ui.actor, id).await {
        Ok(()) | Err(voronka_store::StoreError::NotFound) => {
            Redirect::to(&format!("/{}", e.path)).into_response()
        }
        Err(err) => crate::error::ApiError::from(err).into_response(),
    }
}
