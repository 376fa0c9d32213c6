//! Record pages: every field, edit with messages beside the fields, related
//! lists, the timeline, quick notes and activities, and the actions of each
//! entity (qualify a lead; win, lose or reopen a deal).

use super::form::{
    Choices, Def, Fields, Kind, Raw, f, form, raw_from_form, raw_from_record, to_json,
};
use super::layout::{Nav, Page, csrf, flash, render};
use super::lists::{self, EntityUi, entity, entity_path, money_of, record_name, when};
use super::{Post, Ui};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use voronka_core::records::{Account, Activity, Contact, Deal, EntityKind, Id, Lead};
use voronka_store::timeline::{self, TimelineEntry};
use voronka_store::{StoreError, deals, leads, notes, rules};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{entity}/new", get(new_page).post(create))
        .route("/{entity}/{id}", get(view))
        .route("/{entity}/{id}/edit", get(edit_page).post(update))
        .route("/{entity}/{id}/delete", post(delete))
        .route(
            "/{entity}/{id}/field/{name}",
            get(field_edit).post(field_save),
        )
        .route("/{entity}/{id}/field/{name}/view", get(field_show))
        .route("/notes", post(add_note))
        .route("/leads/{id}/convert", get(convert_page).post(convert))
        .route("/deals/{id}/move", post(move_deal))
        .route("/deals/{id}/close", post(close_deal))
        .route("/deals/{id}/reopen", post(reopen_deal))
        .route("/deals/{id}/team", post(team))
        .route("/deals/{id}/competitors", post(competitor))
}

fn not_found(ui: &Ui) -> Response {
    let body = html! { div.card { (ui.tr.t("error-not-found")) } };
    let page = Page {
        title: ui.tr.t("error-not-found"),
        nav: Nav::None,
        actions: None,
        body,
    };
    (StatusCode::NOT_FOUND, Html(render(ui, page).into_string())).into_response()
}

fn failure(ui: &Ui, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => not_found(ui),
        other => crate::error::ApiError::from(other).into_response(),
    }
}

async fn load(state: &AppState, ui: &Ui, kind: EntityKind, id: Id) -> voronka_store::Result<Value> {
    let a = &ui.actor;
    let db = &state.db;
    let v = match kind {
        EntityKind::Lead => serde_json::to_value(rules::get::<Lead>(db, a, id).await?),
        EntityKind::Account => serde_json::to_value(rules::get::<Account>(db, a, id).await?),
        EntityKind::Contact => serde_json::to_value(rules::get::<Contact>(db, a, id).await?),
        EntityKind::Deal => serde_json::to_value(rules::get::<Deal>(db, a, id).await?),
        _ => serde_json::to_value(rules::get::<Activity>(db, a, id).await?),
    };
    v.map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Names for the reference inputs of a form (`account_id` → "ООО Ромашка").
async fn ref_names(state: &AppState, ui: &Ui, record: &Value) -> BTreeMap<String, String> {
    let names = lists::ref_names(state, ui, std::slice::from_ref(record))
        .await
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for (field, kind) in [
        ("account_id", EntityKind::Account),
        ("contact_id", EntityKind::Contact),
    ] {
        if let Some(id) = record[field].as_i64()
            && let Some(n) = names.get(&(kind, id))
        {
            out.insert(field.to_owned(), n.clone());
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    ui: &Ui,
    e: &EntityUi,
    title: String,
    raw: &Raw,
    errors: &BTreeMap<String, String>,
    choices: &Choices,
    action: &str,
    cancel: &str,
    hidden: &[(&str, String)],
) -> Response {
    let body = form(
        ui,
        &defs_for(e, hidden),
        raw,
        errors,
        choices,
        action,
        cancel,
        hidden,
    );
    // `#fields-inner` is what the record page swaps in for editing in place.
    let body = html! { div #fields-inner { (body) } };
    let page = Page {
        title,
        nav: e.nav,
        actions: None,
        body,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

/// The deal a new activity is about, when it was not started from a record page.
const RELATED_DEAL: Def = f("related_id", Kind::Ref("deals"));

/// An activity's `kind` is fixed once chosen: the form drops that field. An
/// activity that is not about a record yet (from the calendar) asks for its deal.
fn defs_for(e: &EntityUi, hidden: &[(&str, String)]) -> Vec<Def> {
    let has = |name: &str| hidden.iter().any(|(k, _)| *k == name);
    let mut defs = e.defs.to_vec();
    if e.kind == EntityKind::Activity {
        if has("kind") {
            defs.retain(|d| d.name != "kind");
        }
        if !has("related_type") {
            defs.insert(defs.len().min(1), RELATED_DEAL);
        }
    }
    defs
}

fn query_get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

/// For a new activity: what it is about, and which kind it is. The record
/// comes as a type and id pair; a lone `related_id` is the deal input's own.
fn activity_context(q: &Fields) -> Vec<(&'static str, String)> {
    let mut hidden = Vec::new();
    let related = q.get("related_type").is_some_and(|v| !v.is_empty());
    for k in ["related_type", "related_id", "kind"] {
        if let Some(v) = q
            .get(k)
            .filter(|v| !v.is_empty() && (related || k != "related_id"))
        {
            hidden.push((k, v.to_owned()));
        }
    }
    hidden
}

async fn new_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(path): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let Some(e) = entity(&path) else {
        return not_found(&ui);
    };
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    let q = Fields(q);
    let hidden = if e.kind == EntityKind::Activity {
        activity_context(&q)
    } else {
        Vec::new()
    };
    let mut defaults = json!({"owner_id": ui.user.id, "status": null});
    if e.kind == EntityKind::Deal {
        // A new deal is in the company's own currency.
        match voronka_store::company::get(&state.db).await {
            Ok(c) => defaults["currency"] = json!(c.data.base_currency.as_str()),
            Err(err) => return failure(&ui, err),
        }
    }
    if e.kind == EntityKind::Activity {
        let now = state.db.now();
        // A calendar slot names the start (a local date and time): an hour from there.
        let start = q
            .get("start")
            .and_then(|s| ui.tr.parse_input_datetime(s))
            .filter(|t| t.inner().year() < 9999);
        let at = start.unwrap_or_else(|| now.plus_seconds(3600));
        defaults["due_at"] = json!(
            start
                .unwrap_or_else(|| now.plus_seconds(24 * 3600))
                .to_string()
        );
        defaults["start_at"] = json!(at.to_string());
        defaults["end_at"] = json!(at.plus_seconds(3600).to_string());
    }
    if (e.kind == EntityKind::Deal || e.kind == EntityKind::Contact)
        && let Some(a) = q.get("account_id").and_then(|v| v.parse::<i64>().ok())
    {
        defaults["account_id"] = json!(a);
    }
    let names = ref_names(&state, &ui, &defaults).await;
    let raw = raw_from_record(&ui, &defs_for(e, &hidden), &defaults, &names);
    let cancel = back_of(&hidden).unwrap_or_else(|| format!("/{}", e.path));
    form_page(
        &ui,
        e,
        ui.tr.t(e.new),
        &raw,
        &BTreeMap::new(),
        &choices,
        &format!("/{}/new", e.path),
        &cancel,
        &hidden,
    )
}

fn back_of(hidden: &[(&str, String)]) -> Option<String> {
    let kind = hidden
        .iter()
        .find(|(k, _)| *k == "related_type")
        .and_then(|(_, v)| EntityKind::parse(v))?;
    let id = &hidden.iter().find(|(k, _)| *k == "related_id")?.1;
    Some(format!("/{}/{id}", entity_path(kind)))
}

fn store_errors(ui: &Ui, e: StoreError) -> Result<BTreeMap<String, String>, StoreError> {
    match e {
        StoreError::Invalid(inv) => Ok(ui.tr.errors(&inv.0)),
        StoreError::Conflict(m) => Ok([("_".to_owned(), ui.tr.conflict(&m))].into()),
        StoreError::Duplicates(c) => Ok([(
            "_".to_owned(),
            c.iter()
                .map(|d| format!("{} #{}", d.name, d.id))
                .collect::<Vec<_>>()
                .join(", "),
        )]
        .into()),
        other => Err(other),
    }
}

async fn create(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Post { ui, form: fields }: Post,
) -> Response {
    let Some(e) = entity(&path) else {
        return not_found(&ui);
    };
    let hidden = if e.kind == EntityKind::Activity {
        activity_context(&fields)
    } else {
        Vec::new()
    };
    let defs = defs_for(e, &hidden);
    let raw = raw_from_form(&defs, &fields);
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    let cancel = back_of(&hidden).unwrap_or_else(|| format!("/{}", e.path));
    let mut body = match to_json(&ui, &defs, &fields) {
        Ok(b) => b,
        Err(errors) => {
            return form_page(
                &ui,
                e,
                ui.tr.t(e.new),
                &raw,
                &errors,
                &choices,
                &format!("/{}/new", e.path),
                &cancel,
                &hidden,
            );
        }
    };
    for (k, v) in &hidden {
        body[*k] = if *k == "related_id" {
            json!(v.parse::<i64>().unwrap_or_default())
        } else {
            json!(v)
        };
    }
    if e.kind == EntityKind::Activity && body.get("status").is_some_and(Value::is_null) {
        body.as_object_mut().map(|m| m.remove("status"));
    }
    if defs.iter().any(|d| d.name == RELATED_DEAL.name) {
        if body["related_id"].is_null() {
            let errors = [(
                RELATED_DEAL.name.to_owned(),
                ui.tr.t("err-choose-suggestion"),
            )]
            .into();
            return form_page(
                &ui,
                e,
                ui.tr.t(e.new),
                &raw,
                &errors,
                &choices,
                &format!("/{}/new", e.path),
                &cancel,
                &hidden,
            );
        }
        body["related_type"] = json!(EntityKind::Deal);
    }
    match lists::create(&state, &ui, e.kind, body).await {
        Ok(v) => {
            let target = back_of(&hidden).unwrap_or_else(|| format!("/{}/{}", e.path, v["id"]));
            Redirect::to(&format!("{target}?msg=saved")).into_response()
        }
        Err(err) => match store_errors(&ui, err) {
            Ok(errors) => form_page(
                &ui,
                e,
                ui.tr.t(e.new),
                &raw,
                &errors,
                &choices,
                &format!("/{}/new", e.path),
                &cancel,
                &hidden,
            ),
            Err(err) => failure(&ui, err),
        },
    }
}

async fn edit_page(
    State(state): State<AppState>,
    ui: Ui,
    Path((path, id)): Path<(String, Id)>,
) -> Response {
    let Some(e) = entity(&path) else {
        return not_found(&ui);
    };
    let record = match load(&state, &ui, e.kind, id).await {
        Ok(r) => r,
        Err(err) => return failure(&ui, err),
    };
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    let hidden = edit_hidden(e, &record);
    let names = ref_names(&state, &ui, &record).await;
    let raw = raw_from_record(&ui, &defs_for(e, &hidden), &record, &names);
    let url = format!("/{}/{id}", e.path);
    form_page(
        &ui,
        e,
        record_name(e.kind, &record),
        &raw,
        &BTreeMap::new(),
        &choices,
        &format!("{url}/edit"),
        &url,
        &hidden,
    )
}

fn edit_hidden(e: &EntityUi, record: &Value) -> Vec<(&'static str, String)> {
    if e.kind == EntityKind::Activity {
        vec![
            ("kind", record["kind"].as_str().unwrap_or("task").to_owned()),
            (
                "related_type",
                record["related_type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            ("related_id", record["related_id"].to_string()),
        ]
    } else {
        Vec::new()
    }
}

async fn update(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, form: fields }: Post,
) -> Response {
    let Some(e) = entity(&path) else {
        return not_found(&ui);
    };
    let record = match load(&state, &ui, e.kind, id).await {
        Ok(r) => r,
        Err(err) => return failure(&ui, err),
    };
    let hidden = edit_hidden(e, &record);
    let defs = defs_for(e, &hidden);
    let raw = raw_from_form(&defs, &fields);
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    let url = format!("/{}/{id}", e.path);
    let title = record_name(e.kind, &record);
    let body = match to_json(&ui, &defs, &fields) {
        Ok(b) => b,
        Err(errors) => {
            return form_page(
                &ui,
                e,
                title,
                &raw,
                &errors,
                &choices,
                &format!("{url}/edit"),
                &url,
                &hidden,
            );
        }
    };
    match lists::update(&state, &ui, e.kind, id, body).await {
        Ok(_) => Redirect::to(&format!("{url}?msg=saved")).into_response(),
        Err(err) => match store_errors(&ui, err) {
            Ok(errors) => form_page(
                &ui,
                e,
                title,
                &raw,
                &errors,
                &choices,
                &format!("{url}/edit"),
                &url,
                &hidden,
            ),
            Err(err) => failure(&ui, err),
        },
    }
}

async fn delete(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    let Some(e) = entity(&path) else {
        return not_found(&ui);
    };
    match lists::delete(&state, &ui, e.kind, id).await {
        Ok(()) => Redirect::to(&format!("/{}?msg=deleted", e.path)).into_response(),
        Err(StoreError::Conflict(m)) => {
            let body = html! { div.flash.error role="alert" { (ui.tr.t1("error-conflict", "message", ui.tr.conflict(&m))) } a.btn href=(format!("/{}/{id}", e.path)) { "←" } };
            (
                StatusCode::CONFLICT,
                Html(
                    render(
                        &ui,
                        Page {
                            title: ui.tr.t("action-delete"),
                            nav: e.nav,
                            actions: None,
                            body,
                        },
                    )
                    .into_string(),
                ),
            )
                .into_response()
        }
        Err(err) => failure(&ui, err),
    }
}

/// The fields of a record as a definition list, each editable on its own:
/// its ✎ link (or a click on the value, or Enter on the link) swaps just that
/// field for an input; without JavaScript the link opens the whole form.
fn fields_view(
    ui: &Ui,
    e: &EntityUi,
    v: &Value,
    choices: &Choices,
    names: &HashMap<(EntityKind, Id), String>,
) -> Markup {
    html! {
        dl.fields {
            @for d in inline_defs(e) { (field_cell(ui, e, v, &d, choices, names)) }
        }
    }
}

/// The fields a record page edits one at a time (an activity's kind is fixed).
fn inline_defs(e: &EntityUi) -> Vec<Def> {
    e.defs
        .iter()
        .filter(|d| !(e.kind == EntityKind::Activity && d.name == "kind"))
        .copied()
        .collect()
}

fn is_empty_value(value: &Value) -> bool {
    value.is_null() || value.as_array().is_some_and(Vec::is_empty) || value.as_str() == Some("")
}

/// One field as shown on the record page: `#fv-{name}`, what a per-field
/// edit swaps out and back.
fn field_cell(
    ui: &Ui,
    e: &EntityUi,
    v: &Value,
    d: &Def,
    choices: &Choices,
    names: &HashMap<(EntityKind, Id), String>,
) -> Markup {
    let url = format!("/{}/{}", e.path, v["id"]);
    let label = d.label(ui);
    let value = &v[d.name];
    let empty = is_empty_value(value);
    let target = format!("#fv-{}", d.name);
    html! {
        div.fv.wide[d.wide].empty[empty] id=(format!("fv-{}", d.name)) {
            dt { (label) }
            dd {
                span.fv-value {
                    @if empty { span.muted { "—" } } @else { (field_value(ui, d, v, choices, names)) }
                }
                a.fv-edit href=(format!("{url}/edit#f-{}", d.name))
                    hx-get=(format!("{url}/field/{}", d.name)) hx-target=(target) hx-select=(target)
                    hx-swap="outerHTML" hx-push-url="false"
                    title=(ui.tr.t1("action-edit-field", "field", &label))
                    aria-label=(ui.tr.t1("action-edit-field", "field", &label)) { "✎" }
            }
        }
    }
}

fn field_value(
    ui: &Ui,
    d: &Def,
    v: &Value,
    choices: &Choices,
    names: &HashMap<(EntityKind, Id), String>,
) -> Markup {
    use super::form::Kind;
    let value = &v[d.name];
    html! {
        @match d.kind {
            Kind::Owner => (choices.user_name(value.as_i64().unwrap_or_default())),
            Kind::Stage => (choices.stage_name(value.as_i64().unwrap_or_default())),
            Kind::LeadSource | Kind::LossReason => (choices.lookup_name(value.as_i64().unwrap_or_default())),
            Kind::Enum(prefix, _) => (ui.tr.label(prefix, value.as_str().unwrap_or_default())),
            Kind::DateTime => (when(ui, value)),
            Kind::Date => (value.as_str().and_then(|d| voronka_core::Day::parse(d).ok()).map(|d| ui.tr.day(d)).unwrap_or_default()),
            Kind::Bool => (if value.as_bool() == Some(true) { ui.tr.t("yes") } else { ui.tr.t("no") }),
            Kind::Decimal if d.name == "amount" => (money_of(ui, v)),
            Kind::Ref(path) => {
                @let kind = if path == "accounts" { EntityKind::Account } else { EntityKind::Contact };
                @let id = value.as_i64().unwrap_or_default();
                a href=(format!("/{path}/{id}")) { (names.get(&(kind, id)).cloned().unwrap_or_else(|| format!("#{id}"))) }
            }
            Kind::List => {
                @for item in value.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    @if d.name == "phones" { a href=(format!("tel:{item}")) { (voronka_core::phone::format_phone(item)) } br; }
                    @else if d.name == "emails" { a href=(format!("mailto:{item}")) { (item) } br; }
                    @else { (item) br; }
                }
            }
            Kind::Textarea => { @for line in value.as_str().unwrap_or_default().lines() { (line) br; } }
            _ => (value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string())),
        }
    }
}

/// One field as an input, with its error: the form posts only that field.
#[allow(clippy::too_many_arguments)]
fn field_form(
    ui: &Ui,
    e: &EntityUi,
    id: Id,
    d: &Def,
    raw: &Raw,
    errors: &BTreeMap<String, String>,
    choices: &Choices,
) -> Markup {
    let url = format!("/{}/{id}", e.path);
    let action = format!("{url}/field/{}", d.name);
    let target = format!("#fv-{}", d.name);
    html! {
        div.fv.editing.wide[d.wide || matches!(d.kind, Kind::Textarea)] id=(format!("fv-{}", d.name)) {
            form.fv-form method="post" action=(action) hx-post=(action) hx-target=(target)
                hx-select=(target) hx-swap="outerHTML" hx-push-url="false" {
                (csrf(ui))
                (super::form::field(ui, d, raw, errors, choices))
                @if let Some(m) = errors.get("_") { div.error role="alert" { (m) } }
                div.formactions {
                    button.primary type="submit" { (ui.tr.t("action-save")) }
                    a.btn.fv-cancel href=(url) hx-get=(format!("{action}/view")) hx-target=(target)
                        hx-select=(target) hx-swap="outerHTML" hx-push-url="false" { (ui.tr.t("action-cancel")) }
                }
            }
        }
    }
}

/// The record and what its fields need to be shown, for the per-field endpoints.
async fn field_context(
    state: &AppState,
    ui: &Ui,
    path: &str,
    id: Id,
    name: &str,
) -> Result<(&'static EntityUi, Def, Value, Choices), Response> {
    let Some(e) = entity(path) else {
        return Err(not_found(ui));
    };
    let Some(d) = inline_defs(e).into_iter().find(|d| d.name == name) else {
        return Err(not_found(ui));
    };
    let v = load(state, ui, e.kind, id)
        .await
        .map_err(|err| failure(ui, err))?;
    let choices = Choices::load(&state.db)
        .await
        .map_err(|err| failure(ui, err))?;
    Ok((e, d, v, choices))
}

/// A fragment for htmx; a whole page (the fragment as a plain form) otherwise.
fn fragment(ui: &Ui, e: &EntityUi, title: String, status: StatusCode, body: Markup) -> Response {
    if ui.htmx {
        return (status, Html(body.into_string())).into_response();
    }
    let page = Page {
        title,
        nav: e.nav,
        actions: None,
        body: html! { section.card { dl.fields { (body) } } },
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

async fn field_edit(
    State(state): State<AppState>,
    ui: Ui,
    Path((path, id, name)): Path<(String, Id, String)>,
) -> Response {
    let (e, d, v, choices) = match field_context(&state, &ui, &path, id, &name).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let names = ref_names(&state, &ui, &v).await;
    let raw = raw_from_record(&ui, std::slice::from_ref(&d), &v, &names);
    let body = field_form(&ui, e, id, &d, &raw, &BTreeMap::new(), &choices);
    fragment(&ui, e, record_name(e.kind, &v), StatusCode::OK, body)
}

async fn field_show(
    State(state): State<AppState>,
    ui: Ui,
    Path((path, id, name)): Path<(String, Id, String)>,
) -> Response {
    let (e, d, v, choices) = match field_context(&state, &ui, &path, id, &name).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !ui.htmx {
        return Redirect::to(&format!("/{}/{id}", e.path)).into_response();
    }
    let names = lists::ref_names(&state, &ui, std::slice::from_ref(&v))
        .await
        .unwrap_or_default();
    let body = field_cell(&ui, e, &v, &d, &choices, &names);
    fragment(&ui, e, record_name(e.kind, &v), StatusCode::OK, body)
}

/// Saves one field: only it is sent to the store (the API's PATCH), so the
/// record's other fields stay as they are; its error comes back beside it.
async fn field_save(
    State(state): State<AppState>,
    Path((path, id, name)): Path<(String, Id, String)>,
    Post { ui, form: fields }: Post,
) -> Response {
    let (e, d, v, choices) = match field_context(&state, &ui, &path, id, &name).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let defs = std::slice::from_ref(&d);
    let raw = raw_from_form(defs, &fields);
    let title = record_name(e.kind, &v);
    let invalid = |errors: BTreeMap<String, String>| {
        let body = field_form(&ui, e, id, &d, &raw, &errors, &choices);
        fragment(
            &ui,
            e,
            title.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            body,
        )
    };
    let body = match to_json(&ui, defs, &fields) {
        Ok(b) => b,
        Err(errors) => return invalid(errors),
    };
    match lists::update(&state, &ui, e.kind, id, body).await {
        Ok(saved) if ui.htmx => {
            let names = lists::ref_names(&state, &ui, std::slice::from_ref(&saved))
                .await
                .unwrap_or_default();
            let body = field_cell(&ui, e, &saved, &d, &choices, &names);
            (StatusCode::OK, Html(body.into_string())).into_response()
        }
        Ok(_) => Redirect::to(&format!("/{}/{id}?msg=saved", e.path)).into_response(),
        Err(err) => match store_errors(&ui, err) {
            // A rule about another field (a deal's customer): shown here all the same.
            Ok(mut errors) => {
                let others: Vec<String> = errors
                    .iter()
                    .filter(|(k, _)| *k != d.name && !k.starts_with(&format!("{}[", d.name)))
                    .map(|(k, m)| {
                        if k == "_" {
                            m.clone()
                        } else {
                            format!("{}: {m}", ui.tr.t(&format!("field-{k}")))
                        }
                    })
                    .collect();
                errors.retain(|k, _| k == d.name || k.starts_with(&format!("{}[", d.name)));
                if !others.is_empty() {
                    errors.insert("_".to_owned(), others.join("; "));
                }
                invalid(errors)
            }
            Err(err) => failure(&ui, err),
        },
    }
}

fn change_text(ui: &Ui, field: &str, value: &Value, choices: &Choices) -> String {
    match (field, value) {
        (_, Value::Null) => "—".to_owned(),
        ("owner_id", Value::Number(n)) => choices.user_name(n.as_i64().unwrap_or_default()),
        ("stage_id", Value::Number(n)) => choices.stage_name(n.as_i64().unwrap_or_default()),
        ("status", Value::String(s)) => s.clone(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, other) => {
            let _ = ui;
            other.to_string()
        }
    }
}

/// A quote, order, invoice, act or shipment step on the deal's timeline.
fn document_step(ui: &Ui, ch: &voronka_store::audit::Change) -> Markup {
    let kind = ch.field.as_str();
    let id = ch.new["id"].as_i64().unwrap_or_default();
    let number = ch.new["number"].as_str().unwrap_or("—");
    let status = ch.new["status"].as_str().unwrap_or_default();
    let (href, prefix) = match kind {
        "quote" => (format!("/quotes/{id}"), Some("quote-status")),
        "order" => (format!("/orders/{id}"), Some("order-status")),
        "invoice" => (format!("/invoices/{id}"), Some("invoice-status")),
        _ => (format!("/{kind}s/{id}/print"), None),
    };
    html! {
        (ui.tr.t(&format!("doc-{kind}"))) " " a href=(href) { "№ " (number) } ": "
        @match prefix {
            Some(p) => span.badge { (ui.tr.label(p, status)) },
            None => (ui.tr.t("timeline-created")),
        }
    }
}

fn timeline_markup(ui: &Ui, entries: &[TimelineEntry], choices: &Choices) -> Markup {
    let who = |id: Option<Id>| {
        id.map(|i| choices.user_name(i))
            .unwrap_or_else(|| "Voronka".to_owned())
    };
    html! {
        @if entries.is_empty() { p.muted { (ui.tr.t("timeline-empty")) } }
        ul.timeline {
            @for e in entries.iter().take(100) {
                li {
                    div.when { (ui.tr.datetime(e.at())) }
                    @match e {
                        TimelineEntry::Change(c) => {
                            strong { (who(c.user_id)) } " "
                            @match c.action.as_str() {
                                "create" => (ui.tr.t("timeline-created")),
                                "document" => { @for ch in c.changes.iter().take(1) { (document_step(ui, ch)) } }
                                "converted_from_lead" | "convert" => (ui.tr.t("timeline-converted")),
                                "deal_lost" => {
                                    (ui.tr.t("timeline-deal-lost")) ": "
                                    @for ch in &c.changes { @if ch.field == "deal_title" || ch.field == "loss_reason" { (change_text(ui, &ch.field, &ch.new, choices)) " " } }
                                }
                                _ => {
                                    (ui.tr.t("timeline-changed")) ":"
                                    @for ch in c.changes.iter().take(8) {
                                        br; span.muted { (ui.tr.t(&format!("field-{}", ch.field))) ": " }
                                        (change_text(ui, &ch.field, &ch.old, choices)) " → " (change_text(ui, &ch.field, &ch.new, choices))
                                    }
                                }
                            }
                        }
                        TimelineEntry::StageMove(m) => {
                            strong { (who(m.user_id)) } " " (ui.tr.t("timeline-moved")) " "
                            @if let Some(from) = m.from_stage_id { span.muted { (choices.stage_name(from)) " → " } }
                            span.badge { (choices.stage_name(m.to_stage_id)) }
                        }
                        TimelineEntry::Activity(a) => {
                            span.badge { (ui.tr.label("activity-kind", a.record.data.kind.as_str())) } " "
                            a href=(format!("/activities/{}", a.record.id)) { (a.record.data.subject) }
                            " · " span.muted { (ui.tr.label("activity-status", a.record.data.status().as_str())) }
                        }
                        TimelineEntry::Note(n) => {
                            strong { (who(n.record.author_id)) } " · " span.muted { (ui.tr.t("timeline-note")) }
                            div { @for line in n.record.data.body.lines() { (line) br; } }
                        }
                    }
                }
            }
        }
    }
}

async fn related_list(
    state: &AppState,
    ui: &Ui,
    kind: EntityKind,
    params: Vec<(String, String)>,
    title: &str,
) -> Markup {
    let Ok(page) = lists::fetch(state, ui, kind, &params).await else {
        return html! {};
    };
    let path = entity_path(kind);
    html! {
        section.card {
            h2 { (ui.tr.t(title)) " " span.muted { (page.items.len()) } }
            @if page.items.is_empty() { p.muted { (ui.tr.t("list-empty")) } }
            table.list style="border: 0" { tbody {
                @for v in &page.items {
                    tr {
                        td { a href=(format!("/{path}/{}", v["id"])) { (record_name(kind, v)) } }
                        @if kind == EntityKind::Deal { td.num { (money_of(ui, v)) } }
                        @if kind == EntityKind::Activity {
                            td { (ui.tr.label("activity-status", v["status"].as_str().unwrap_or_default())) }
                            td { (when(ui, &v["due_at"])) (when(ui, &v["start_at"])) }
                        }
                    }
                }
            } }
        }
    }
}

async fn view(
    State(state): State<AppState>,
    ui: Ui,
    Path((path, id)): Path<(String, Id)>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let Some(e) = entity(&path) else {
        return not_found(&ui);
    };
    let v = match load(&state, &ui, e.kind, id).await {
        Ok(r) => r,
        Err(err) => return failure(&ui, err),
    };
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    let names = lists::ref_names(&state, &ui, std::slice::from_ref(&v))
        .await
        .unwrap_or_default();
    let name = record_name(e.kind, &v);
    let url = format!("/{}/{id}", e.path);
    let t = |k: &str| ui.tr.t(k);
    let entries = if e.kind.is_sales_record() {
        timeline::timeline(&state.db, &ui.actor, e.kind, id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let id_s = id.to_string();
    let related = |field: &str| {
        vec![
            (field.to_owned(), id_s.clone()),
            ("limit".to_owned(), "20".to_owned()),
        ]
    };
    let activities_of = vec![
        ("related_type".to_owned(), e.kind.as_str().to_owned()),
        ("related_id".to_owned(), id_s.clone()),
        ("limit".to_owned(), "20".to_owned()),
        ("sort".to_owned(), "-id".to_owned()),
    ];
    let mut sections = Vec::new();
    match e.kind {
        EntityKind::Account => {
            sections.push(
                related_list(
                    &state,
                    &ui,
                    EntityKind::Contact,
                    related("account_id"),
                    "section-contacts",
                )
                .await,
            );
            sections.push(
                related_list(
                    &state,
                    &ui,
                    EntityKind::Deal,
                    related("account_id"),
                    "section-deals",
                )
                .await,
            );
        }
        EntityKind::Contact => sections.push(
            related_list(
                &state,
                &ui,
                EntityKind::Deal,
                related("contact_id"),
                "section-deals",
            )
            .await,
        ),
        _ => {}
    }
    if e.kind.is_sales_record() {
        sections.push(
            related_list(
                &state,
                &ui,
                EntityKind::Activity,
                activities_of,
                "section-activities",
            )
            .await,
        );
    }
    if e.kind == EntityKind::Deal {
        sections.push(deal_sections(&state, &ui, id, &choices).await);
        sections.push(super::documents::deal_section(&state, &ui, id).await);
    }
    if e.kind == EntityKind::Account {
        sections.push(super::documents::account_section(&state, &ui, id).await);
    }
    let status = v["status"].as_str().unwrap_or_default();
    let badge = match e.kind {
        EntityKind::Deal => html! {
            span.badge.won[status == "won"].lost[status == "lost"] { (choices.stage_name(v["stage_id"].as_i64().unwrap_or_default())) }
            " " strong { (money_of(&ui, &v)) }
            @if status == "lost" {
                @let reason = [v["loss_reason_id"].as_i64().map(|r| choices.lookup_name(r)), v["loss_reason"].as_str().map(str::to_owned)];
                " · " span.muted { (t("field-reason_id")) ": " } (reason.into_iter().flatten().filter(|r| !r.is_empty()).collect::<Vec<_>>().join(" — ")) " ·"
            }
        },
        EntityKind::Lead => html! { span.badge { (ui.tr.label("lead-status", status)) } },
        EntityKind::Account => {
            html! { span.badge.won[v["kind"] == "customer"] { (ui.tr.label("account-kind", v["kind"].as_str().unwrap_or_default())) } }
        }
        EntityKind::Activity => html! { span.badge { (ui.tr.label("activity-status", status)) } },
        _ => html! {},
    };
    let actions = html! {
        @if e.kind == EntityKind::Lead && status != "converted" { a.btn.primary href=(format!("{url}/convert")) { (t("action-convert")) } }
        @if e.kind == EntityKind::Deal && status == "open" {
            form method="post" action=(format!("{url}/close")) { (csrf(&ui)) input type="hidden" name="outcome" value="won"; button.btn.won type="submit" { "✓ " (t("action-close-won")) } }
            a.btn href=(format!("{url}?lose=1#lose")) { "✕ " (t("action-close-lost")) }
        }
        @if e.kind == EntityKind::Deal && status != "open" {
            form method="post" action=(format!("{url}/reopen")) { (csrf(&ui)) button type="submit" { (t("action-reopen")) } }
        }
        a.btn href=(format!("{url}/edit")) { (t("action-edit")) }
        form method="post" action=(format!("{url}/delete")) data-confirm=(ui.tr.t1("confirm-delete", "name", &name)) {
            (csrf(&ui)) button.danger type="submit" { (t("action-delete")) }
        }
    };
    let lose = query_get(&q, "lose").is_some() && e.kind == EntityKind::Deal;
    let body = html! {
        (flash(&ui, query_get(&q, "msg")))
        @if let Some(err) = query_get(&q, "error").filter(|e| ["products", "document"].contains(e)) {
            div.flash.error role="alert" { (t(&format!("error-{err}-not-saved"))) }
        }
        p { (badge) " " span.muted { (t("field-owner_id")) ": " (choices.user_name(v["owner_id"].as_i64().unwrap_or_default())) } }
        @if lose {
            form #lose .card method="post" action=(format!("{url}/close")) style="margin-bottom: 16px" {
                (csrf(&ui)) input type="hidden" name="outcome" value="lost";
                h2 { (t("board-lost-title")) }
                div.field { label for="reason_id" { (t("field-reason_id")) }
                    select #reason_id name="reason_id" { option value="" { "—" } @for r in choices.reasons.iter().filter(|r| r.data.active) { option value=(r.id) { (r.data.name) } } } }
                div.field { label for="reason" { (t("field-reason")) } input #reason name="reason"; }
                div.formactions style="margin-top: 8px" { button.primary type="submit" { (t("action-close-lost")) } a.btn href=(url) { (t("action-cancel")) } }
            }
        }
        div.grid2 {
            div.stack {
                // Edited in place: links and forms inside are boosted by htmx and
                // only their `#fields-inner` part comes back; without JavaScript
                // the same links open the edit page.
                section.card #fields hx-boost="true" hx-target="#fields" hx-select="#fields-inner"
                    hx-swap="innerHTML" hx-push-url="false" {
                    div #fields-inner {
                        (fields_view(&ui, e, &v, &choices, &names))
                        div.formactions style="margin-top: 10px" {
                            a.btn href=(format!("{url}/edit")) { "✎ " (t("action-edit")) }
                        }
                    }
                }
                @for s in &sections { (s) }
            }
            @if e.kind.is_sales_record() {
                div.stack {
                    section.card {
                        div.quickadd {
                            @for (kind, label) in [("task", "action-add-task"), ("interaction", "action-add-call"), ("event", "action-add-meeting")] {
                                a.btn href=(format!("/activities/new?kind={kind}&related_type={}&related_id={id}", e.kind.as_str())) { "+ " (t(label)) }
                            }
                        }
                        form method="post" action="/notes" {
                            (csrf(&ui))
                            input type="hidden" name="related_type" value=(e.kind.as_str());
                            input type="hidden" name="related_id" value=(id);
                            label for="note-body" { (t("action-add-note")) }
                            textarea #note-body name="body" required {}
                            button type="submit" style="margin-top: 6px" { (t("action-add-note")) }
                        }
                    }
                    section.card { h2 { (t("section-timeline")) } (timeline_markup(&ui, &entries, &choices)) }
                }
            }
        }
    };
    Html(
        render(
            &ui,
            Page {
                title: name,
                nav: e.nav,
                actions: Some(actions),
                body,
            },
        )
        .into_string(),
    )
    .into_response()
}

async fn deal_sections(state: &AppState, ui: &Ui, id: Id, choices: &Choices) -> Markup {
    let team = deals::team(&state.db, &ui.actor, id)
        .await
        .unwrap_or_default();
    let competitors = deals::competitors(&state.db, &ui.actor, id)
        .await
        .unwrap_or_default();
    let t = |k: &str| ui.tr.t(k);
    html! {
        section.card {
            h2 { (t("section-team")) }
            ul { @for m in &team { li { (m.name) @if !m.role.is_empty() { " · " span.muted { (m.role) } } } } }
            form.filters method="post" action=(format!("/deals/{id}/team")) {
                (csrf(ui))
                select name="user_id" aria-label=(t("field-owner_id")) { @for u in choices.users.iter().filter(|u| u.data.active) { option value=(u.id) { (u.data.name) } } }
                input name="role" placeholder=(t("field-role")) aria-label=(t("field-role"));
                button type="submit" { "+" }
            }
        }
        section.card {
            h2 { (t("section-competitors")) }
            ul { @for c in &competitors { li { (c.name) " · " span.muted { (ui.tr.label("competitor-status", c.status.as_str())) } } } }
            form.filters method="post" action=(format!("/deals/{id}/competitors")) {
                (csrf(ui))
                input name="name" required placeholder=(t("section-competitors")) aria-label=(t("field-name"));
                select name="status" aria-label=(t("field-status")) {
                    @for s in ["active", "won_against", "lost_to"] { option value=(s) { (ui.tr.label("competitor-status", s)) } }
                }
                button type="submit" { "+" }
            }
        }
    }
}

/// Adds a competitor to the deal (or changes where it stands); a new name joins the catalog.
async fn competitor(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    use voronka_core::records::{Competitor, CompetitorStatus};
    let name = fields.get("name").unwrap_or_default().trim().to_owned();
    let status = fields
        .get("status")
        .and_then(CompetitorStatus::parse)
        .unwrap_or(CompetitorStatus::Active);
    let mut items: Vec<deals::DealCompetitorInput> =
        match deals::competitors(&state.db, &ui.actor, id).await {
            Ok(list) => list
                .into_iter()
                .map(|c| deals::DealCompetitorInput {
                    competitor_id: c.competitor_id,
                    status: c.status,
                })
                .collect(),
            Err(e) => return failure(&ui, e),
        };
    if !name.is_empty() {
        let found =
            rules::list::<Competitor>(&state.db, &ui.actor, &[("name".into(), name.clone())])
                .await
                .ok()
                .and_then(|p| p.items.into_iter().next());
        let competitor = match found {
            Some(c) => c,
            None => match rules::create::<Competitor>(&state.db, &ui.actor, json!({"name": name}))
                .await
            {
                Ok(c) => c,
                Err(e) => return failure(&ui, e),
            },
        };
        items.retain(|i| i.competitor_id != competitor.id);
        items.push(deals::DealCompetitorInput {
            competitor_id: competitor.id,
            status,
        });
    }
    match deals::set_competitors(&state.db, &ui.actor, id, items).await {
        Ok(_) => Redirect::to(&format!("/deals/{id}?msg=saved")).into_response(),
        Err(e) => failure(&ui, e),
    }
}

async fn team(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    let mut members: Vec<deals::TeamMemberInput> = match deals::team(&state.db, &ui.actor, id).await
    {
        Ok(t) => t
            .into_iter()
            .map(|m| deals::TeamMemberInput {
                user_id: m.user_id,
                role: m.role,
            })
            .collect(),
        Err(e) => return failure(&ui, e),
    };
    if let Some(user) = fields.get("user_id").and_then(|v| v.parse::<Id>().ok()) {
        members.retain(|m| m.user_id != user);
        members.push(deals::TeamMemberInput {
            user_id: user,
            role: fields.get("role").unwrap_or_default().to_owned(),
        });
    }
    match deals::set_team(&state.db, &ui.actor, id, members).await {
        Ok(_) => Redirect::to(&format!("/deals/{id}?msg=saved")).into_response(),
        Err(e) => failure(&ui, e),
    }
}

async fn add_note(State(state): State<AppState>, Post { ui, form: fields }: Post) -> Response {
    let kind = fields.get("related_type").and_then(EntityKind::parse);
    let id = fields.get("related_id").and_then(|v| v.parse::<Id>().ok());
    let (Some(kind), Some(id)) = (kind, id) else {
        return not_found(&ui);
    };
    let body = json!({"related_type": kind, "related_id": id, "body": fields.get("body").unwrap_or_default()});
    match notes::create(&state.db, &ui.actor, body).await {
        Ok(_) | Err(StoreError::Invalid(_)) => {
            Redirect::to(&format!("/{}/{id}", entity_path(kind))).into_response()
        }
        Err(e) => failure(&ui, e),
    }
}

fn deal_action_result(ui: &Ui, id: Id, result: voronka_store::Result<Deal>) -> Response {
    match result {
        Ok(_) if ui.htmx => StatusCode::NO_CONTENT.into_response(),
        Ok(_) => Redirect::to(&format!("/deals/{id}?msg=saved")).into_response(),
        Err(StoreError::Invalid(inv)) if ui.htmx => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ui.tr
                .errors(&inv.0)
                .into_values()
                .collect::<Vec<_>>()
                .join("; "),
        )
            .into_response(),
        Err(StoreError::Invalid(_)) => {
            Redirect::to(&format!("/deals/{id}?lose=1#lose")).into_response()
        }
        Err(StoreError::Conflict(m)) => (StatusCode::CONFLICT, ui.tr.conflict(&m)).into_response(),
        Err(e) => failure(ui, e),
    }
}

fn opt_id(fields: &Fields, k: &str) -> Option<Id> {
    fields.get(k).and_then(|v| v.parse::<Id>().ok())
}

fn opt_text(fields: &Fields, k: &str) -> Option<String> {
    fields
        .get(k)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

async fn move_deal(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    let Some(stage_id) = opt_id(&fields, "stage_id") else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "stage_id").into_response();
    };
    let req = deals::MoveDeal {
        stage_id,
        reason_id: opt_id(&fields, "reason_id"),
        reason: opt_text(&fields, "reason"),
    };
    let r = deals::move_deal(&state.db, &ui.actor, id, req).await;
    deal_action_result(&ui, id, r)
}

async fn close_deal(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    let outcome = if fields.get("outcome") == Some("lost") {
        voronka_core::records::Outcome::Lost
    } else {
        voronka_core::records::Outcome::Won
    };
    let req = voronka_core::records::CloseDeal {
        outcome,
        reason_id: opt_id(&fields, "reason_id"),
        reason: opt_text(&fields, "reason"),
    };
    let r = deals::close(&state.db, &ui.actor, id, req).await;
    deal_action_result(&ui, id, r)
}

async fn reopen_deal(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    let r = deals::reopen(&state.db, &ui.actor, id, deals::ReopenDeal::default()).await;
    deal_action_result(&ui, id, r)
}

async fn convert_page(State(state): State<AppState>, ui: Ui, Path(id): Path<Id>) -> Response {
    let lead = match rules::get::<Lead>(&state.db, &ui.actor, id).await {
        Ok(l) => l,
        Err(e) => return failure(&ui, e),
    };
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    convert_form(&ui, &lead, &choices, &Fields::default(), None)
}

fn convert_form(
    ui: &Ui,
    lead: &Lead,
    choices: &Choices,
    fields: &Fields,
    problem: Option<Markup>,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let checked = |k: &str, default: bool| {
        if fields.0.is_empty() {
            default
        } else {
            fields.get(k).is_some()
        }
    };
    let body = html! {
        @if let Some(p) = &problem { (p) }
        form.card.stack method="post" action=(format!("/leads/{}/convert", lead.id)) {
            (csrf(ui))
            fieldset {
                legend { (t("convert-account")) }
                div.field { label for="account_name" { (t("convert-account-new")) }
                    input #account_name name="account_name" value=(fields.get("account_name").map(str::to_owned).or(lead.data.company.clone()).unwrap_or_default()); }
                div.field { label for="account_inn" { (t("field-inn")) } input #account_inn name="account_inn" value=(fields.get("account_inn").unwrap_or_default()); }
                div.field { label for="account_id" { (t("convert-account-existing")) }
                    input #account_id name="account_id" list="dl-account" autocomplete="off" value=(fields.get("account_id").unwrap_or_default())
                        hx-get="/options/accounts" hx-trigger="input changed delay:200ms" hx-target="#dl-account" hx-swap="innerHTML";
                    datalist #dl-account {} }
            }
            fieldset {
                legend { (t("convert-contact")) }
                label { input type="checkbox" name="create_contact" checked[checked("create_contact", lead.data.last_name.is_some() || lead.data.first_name.is_some())]; " " (t("convert-contact-new")) ": " (lead.display_name()) }
            }
            fieldset {
                legend { label { input type="checkbox" name="create_deal" checked[checked("create_deal", true)]; " " (t("convert-deal")) } }
                div.field { label for="deal_title" { (t("field-title")) } input #deal_title name="deal_title" value=(fields.get("deal_title").map(str::to_owned).unwrap_or_else(|| lead.display_name())); }
                div.field { label for="deal_pipeline" { (t("field-pipeline_id")) }
                    select #deal_pipeline name="pipeline_id" { @for p in &choices.pipelines { option value=(p.id) selected[fields.get("pipeline_id") == Some(p.id.to_string().as_str())] { (p.data.name) } } } }
                div.field { label for="deal_amount" { (t("field-amount")) } input #deal_amount name="amount" inputmode="decimal" value=(fields.get("amount").unwrap_or("0")); }
            }
            div.formactions {
                button.primary type="submit" { (t("action-convert")) }
                a.btn href=(format!("/leads/{}", lead.id)) { (t("action-cancel")) }
            }
        }
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        Html(
            render(
                ui,
                Page {
                    title: format!("{}: {}", t("convert-title"), lead.display_name()),
                    nav: Nav::Leads,
                    actions: None,
                    body,
                },
            )
            .into_string(),
        ),
    )
        .into_response()
}

async fn convert(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form: fields }: Post,
) -> Response {
    let lead = match rules::get::<Lead>(&state.db, &ui.actor, id).await {
        Ok(l) => l,
        Err(e) => return failure(&ui, e),
    };
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(err) => return failure(&ui, err),
    };
    let existing = fields
        .get("account_id")
        .and_then(|v| v.rsplit('#').next())
        .and_then(|v| v.trim().parse::<Id>().ok());
    let mut account = serde_json::Map::new();
    if let Some(n) = opt_text(&fields, "account_name") {
        account.insert("name".into(), json!(n));
    }
    if let Some(inn) = opt_text(&fields, "account_inn") {
        account.insert("inn".into(), json!(inn));
    }
    let amount = opt_text(&fields, "amount")
        .unwrap_or_else(|| "0".into())
        .replace([' ', '\u{a0}'], "")
        .replace(',', ".");
    let req = json!({
        "account_id": existing,
        "account": if existing.is_none() && !account.is_empty() { Value::Object(account) } else { Value::Null },
        "contact": null,
        "create_contact": fields.get("create_contact").is_some(),
        "deal": if fields.get("create_deal").is_some() {
            json!({"title": opt_text(&fields, "deal_title"), "pipeline_id": opt_id(&fields, "pipeline_id"), "amount": amount})
        } else { Value::Null },
        "force": fields.get("force").is_some(),
    });
    let req = match voronka_store::table::parse::<leads::ConvertLead>(req) {
        Ok(r) => r,
        Err(inv) => {
            return convert_form(
                &ui,
                &lead,
                &choices,
                &fields,
                Some(errors_box(&ui, ui.tr.errors(&inv.0))),
            );
        }
    };
    match leads::convert(&state.db, &ui.actor, id, req).await {
        Ok(c) => {
            let target = match &c.deal {
                Some(d) => format!("/deals/{}", d.id),
                None => format!("/leads/{id}"),
            };
            Redirect::to(&format!("{target}?msg=converted")).into_response()
        }
        Err(StoreError::Duplicates(found)) => {
            let problem = html! {
                div.flash.error role="alert" {
                    (ui.tr.t("convert-duplicates"))
                    ul { @for d in &found { li { a href=(format!("/{}/{}", entity_path(d.entity), d.id)) { (d.name) } " (" (d.matched_on.join(", ")) ")" } } }
                    form method="post" action=(format!("/leads/{id}/convert")) {
                        (csrf(&ui))
                        @for (k, v) in fields.0.iter().filter(|(k, _)| k != "_csrf") { input type="hidden" name=(k) value=(v); }
                        input type="hidden" name="force" value="1";
                        button type="submit" { (ui.tr.t("convert-force")) }
                    }
                }
            };
            convert_form(&ui, &lead, &choices, &fields, Some(problem))
        }
        Err(err) => match store_errors(&ui, err) {
            Ok(errors) => {
                convert_form(&ui, &lead, &choices, &fields, Some(errors_box(&ui, errors)))
            }
            Err(err) => failure(&ui, err),
        },
    }
}

fn errors_box(ui: &Ui, errors: BTreeMap<String, String>) -> Markup {
    html! {
        div.flash.error role="alert" {
            (ui.tr.t("error-form"))
            ul { @for (k, v) in &errors { li { (k) ": " (v) } } }
        }
    }
}
