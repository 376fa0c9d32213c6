//! The product catalog in the browser: the list (filters, sort, search,
//! pages), the product's page and its form. Everyone reads; administrators
//! and heads of sales add, change and delete (the store decides, exactly as
//! behind `/api/v1/products`).

use super::form::{
    Choices, Def, Fields, Kind, Raw, f, field, raw_from_record, to_json, urlencode, wide,
};
use super::layout::{Nav, Page, csrf, flash, render};
use super::{Post, Ui};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use voronka_core::records::{CurrencyData, Id, Locale, Product, Unit, VatRate};
use voronka_store::{StoreError, catalog, rules};

type Errors = BTreeMap<String, String>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/products", get(list_page))
        .route("/products/new", get(new_page).post(create))
        .route("/products/{id}", get(view).post(update))
        .route("/products/{id}/delete", post(delete))
}

pub const KINDS: &[&str] = &["goods", "service"];

/// The fields the form engine draws; unit, currency and VAT rate are lists
/// from the database, drawn here.
const DEFS: &[Def] = &[
    wide("name", Kind::Text),
    f("kind", Kind::Enum("product-kind", KINDS)),
    f("sku", Kind::Text),
    f("price", Kind::Decimal),
    f("cost", Kind::Decimal),
    f("category", Kind::Text),
    f("active", Kind::Bool),
    wide("description", Kind::Textarea),
];

/// The name of a unit in the user's language, or its code.
pub fn unit_name(ui: &Ui, units: &[Unit], code: &str) -> String {
    units
        .iter()
        .find(|u| u.code == code)
        .map(|u| match ui.tr.locale {
            Locale::Ru => u.name_ru.clone(),
            Locale::En => u.name_en.clone(),
        })
        .unwrap_or_else(|| code.to_owned())
}

/// `22 %`, or «Без НДС» for `none`.
pub fn vat_label(ui: &Ui, code: &str) -> String {
    if code == "none" {
        ui.tr.t("vat-none")
    } else {
        format!("{code}\u{a0}%")
    }
}

pub fn money(ui: &Ui, v: &Value, key: &str) -> String {
    let amount = v[key]
        .as_str()
        .and_then(|a| a.parse::<rust_decimal::Decimal>().ok())
        .unwrap_or_default();
    ui.tr.money(amount, v["currency"].as_str().unwrap_or("RUB"))
}

fn failure(ui: &Ui, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => {
            let body = html! { div.card { (ui.tr.t("error-not-found")) } };
            let page = Page {
                title: ui.tr.t("error-not-found"),
                nav: Nav::Products,
                actions: None,
                body,
            };
            (StatusCode::NOT_FOUND, Html(render(ui, page).into_string())).into_response()
        }
        StoreError::Forbidden(m) => {
            let body = html! { div.card { (m) } };
            let page = Page {
                title: ui.tr.t("nav-products"),
                nav: Nav::Products,
                actions: None,
                body,
            };
            (StatusCode::FORBIDDEN, Html(render(ui, page).into_string())).into_response()
        }
        other => ApiError::from(other).into_response(),
    }
}

// ---------------------------------------------------------------- list

fn is_page_param(k: &str) -> bool {
    matches!(k, "msg")
}

fn with_param(q: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| k != key && k != "cursor" && !is_page_param(k) && !v.is_empty())
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

async fn list_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut params: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| !v.is_empty() && !is_page_param(k))
        .cloned()
        .collect();
    if !params.iter().any(|(k, _)| k == "sort") {
        params.push(("sort".into(), "name".into()));
    }
    params.push(("total".into(), "capped".into()));
    let (page, error) = match rules::list::<Product>(&state.db, &ui.actor, &params).await {
        Ok(p) => (p, None),
        Err(StoreError::Invalid(inv)) => {
            // A hand-edited address: the whole list, with the message.
            let msg = inv
                .0
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let all = [("sort".to_owned(), "name".to_owned())];
            match rules::list::<Product>(&state.db, &ui.actor, &all).await {
                Ok(p) => (p, Some(msg)),
                Err(e) => return failure(&ui, e),
            }
        }
        Err(e) => return failure(&ui, e),
    };
    let units = catalog::list_units(&state.db).await.unwrap_or_default();
    let t = |id: &str| ui.tr.t(id);
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let sort = get("sort").unwrap_or("name");
    let writer = catalog::can_edit_catalog(&ui.actor);
    let header = |label: &str, key: &str| -> Markup {
        let (next, arrow) = if sort == key {
            (format!("-{key}"), " ↑")
        } else if sort == format!("-{key}") {
            (key.to_owned(), " ↓")
        } else {
            (key.to_owned(), "")
        };
        html! { a href=(format!("/products{}", with_param(&q, "sort", Some(&next)))) { (t(label)) (arrow) } }
    };
    let body = html! {
        (flash(&ui, get("msg")))
        @if let Some(err) = &error { div.flash.error role="alert" { (err) } }
        div.chips {
            a.chip href="/products" aria-current=[q.iter().all(|(k, _)| is_page_param(k)).then_some("true")] { (t("list-any")) }
            a.chip href="/products?active=true" { (t("products-active")) }
            a.chip href="/settings/price-books" { (t("settings-price-books")) }
        }
        form.filters method="get" action="/products" {
            label.sr-only for="flt-q" { (t("search-placeholder")) }
            input #flt-q type="search" name="q" value=(get("q").unwrap_or_default()) placeholder=(t("products-search"));
            select name="kind" aria-label=(t("field-kind")) {
                option value="" { (t("field-kind")) ": " (t("list-any")) }
                @for k in KINDS { option value=(k) selected[get("kind") == Some(*k)] { (ui.tr.label("product-kind", k)) } }
            }
            select name="active" aria-label=(t("field-active")) {
                option value="" { (t("field-active")) ": " (t("list-any")) }
                option value="true" selected[get("active") == Some("true")] { (t("yes")) }
                option value="false" selected[get("active") == Some("false")] { (t("no")) }
            }
            label.sr-only for="flt-category" { (t("field-category")) }
            input #flt-category type="text" name="category__contains" value=(get("category__contains").unwrap_or_default()) placeholder=(t("field-category")) size="14";
            input type="hidden" name="sort" value=(sort);
            button type="submit" { (t("action-apply")) }
        }
        @if page.items.is_empty() {
            div.card.muted { (t("list-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th scope="col" { (header("field-name", "name")) }
                    th.optional scope="col" { (header("field-sku", "sku")) }
                    th.optional scope="col" { (header("field-kind", "kind")) }
                    th.optional scope="col" { (t("field-unit_code")) }
                    th.num scope="col" { (header("field-price", "price")) }
                    th.optional scope="col" { (header("field-vat_rate", "vat_rate")) }
                    th.optional scope="col" { (header("field-category", "category")) }
                    th scope="col" { (t("field-active")) }
                } }
                tbody {
                    @for p in &page.items {
                        @let v = serde_json::to_value(p).unwrap_or(Value::Null);
                        tr {
                            td { a href=(format!("/products/{}", p.id)) { (p.data.name) } }
                            td.optional { (p.data.sku.as_deref().unwrap_or_default()) }
                            td.optional { (ui.tr.label("product-kind", p.data.kind.as_str())) }
                            td.optional { (unit_name(&ui, &units, &p.data.unit_code)) }
                            td.num { (money(&ui, &v, "price")) }
                            td.optional { (vat_label(&ui, &p.data.vat_rate)) }
                            td.optional { (p.data.category.as_deref().unwrap_or_default()) }
                            td { @if p.data.active { (t("yes")) } @else { span.badge.lost { (t("no")) } } }
                        }
                    }
                }
            }
        }
        div.listfoot {
            @if let Some(total) = page.total {
                @if total > voronka_store::list::TOTAL_CAP as i64 { span { (ui.tr.t1("list-total", "total", format!("{}+", voronka_store::list::TOTAL_CAP))) } }
                @else { span { (ui.tr.count("count-records", total)) } }
            }
            @if q.iter().any(|(k, _)| k == "cursor") { a href=(format!("/products{}", with_param(&q, "cursor", None))) { (t("action-prev")) } }
            @if let Some(cursor) = &page.next_cursor { a href=(format!("/products{}", with_param(&q, "cursor", Some(cursor)))) { (t("action-next")) } }
        }
    };
    let page = Page {
        title: t("nav-products"),
        nav: Nav::Products,
        actions: writer
            .then(|| html! { a.btn.primary href="/products/new" { "+ " (t("new-product")) } }),
        body,
    };
    Html(render(&ui, page).into_string()).into_response()
}

// ---------------------------------------------------------------- form

/// What the selects are filled from.
struct Lists {
    units: Vec<Unit>,
    currencies: Vec<CurrencyData>,
    rates: Vec<VatRate>,
}

async fn lists(state: &AppState) -> voronka_store::Result<Lists> {
    Ok(Lists {
        units: catalog::list_units(&state.db).await?,
        currencies: catalog::list_currencies(&state.db).await?,
        rates: catalog::list_vat_rates(&state.db).await?,
    })
}

/// A labelled select with its message, drawn like the form engine's fields.
pub fn select(
    ui: &Ui,
    name: &str,
    options: &[(String, String)],
    current: &str,
    errors: &Errors,
) -> Markup {
    let id = format!("f-{name}");
    let error = errors.get(name);
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (ui.tr.t(&format!("field-{name}"))) }
            select id=(id) name=(name) {
                @for (value, label) in options {
                    option value=(value) selected[value == current] { (label) }
                }
            }
            @if let Some(e) = error { div.error role="alert" { (e) } }
        }
    }
}

/// The VAT codes of every regime, `22`, `10`, `0` … and none.
pub fn vat_options(ui: &Ui, rates: &[VatRate], current: &str) -> Vec<(String, String)> {
    let mut codes: Vec<String> = rates.iter().map(|r| r.data.rate.clone()).collect();
    if !current.is_empty() {
        codes.push(current.to_owned());
    }
    codes.sort_by_key(|c| (c == "none", std::cmp::Reverse(c.parse::<u8>().unwrap_or(0))));
    codes.dedup();
    codes
        .into_iter()
        .map(|c| {
            let label = vat_label(ui, &c);
            (c, label)
        })
        .collect()
}

pub fn currency_options(currencies: &[CurrencyData], current: &str) -> Vec<(String, String)> {
    currencies
        .iter()
        .filter(|c| c.active || c.code.as_str() == current)
        .map(|c| (c.code.to_string(), format!("{} · {}", c.code, c.name)))
        .collect()
}

fn product_form(
    ui: &Ui,
    lists: &Lists,
    raw: &Raw,
    errors: &Errors,
    action: &str,
    cancel: &str,
) -> Markup {
    let choices = Choices::default();
    let get = |k: &str| raw.get(k).map(String::as_str).unwrap_or_default();
    let units: Vec<(String, String)> = lists
        .units
        .iter()
        .map(|u| {
            (
                u.code.clone(),
                format!("{} ({})", unit_name(ui, &lists.units, &u.code), u.code),
            )
        })
        .collect();
    let known = [
        "name",
        "kind",
        "sku",
        "price",
        "cost",
        "category",
        "active",
        "description",
        "unit_code",
        "currency",
        "vat_rate",
    ];
    html! {
        @if !errors.is_empty() {
            div.flash.error role="alert" {
                (ui.tr.t("error-form"))
                @for (k, v) in errors.iter().filter(|(k, _)| !known.contains(&k.as_str())) { " · " (k) ": " (v) }
            }
        }
        form.fields.card method="post" action=(action) {
            (csrf(ui))
            @for d in &DEFS[..3] { (field(ui, d, raw, errors, &choices)) }
            (select(ui, "unit_code", &units, get("unit_code"), errors))
            @for d in &DEFS[3..5] { (field(ui, d, raw, errors, &choices)) }
            (select(ui, "currency", &currency_options(&lists.currencies, get("currency")), get("currency"), errors))
            (select(ui, "vat_rate", &vat_options(ui, &lists.rates, get("vat_rate")), get("vat_rate"), errors))
            @for d in &DEFS[5..] { (field(ui, d, raw, errors, &choices)) }
            div.formactions {
                button.primary type="submit" { (ui.tr.t("action-save")) }
                a.btn href=(cancel) { (ui.tr.t("action-cancel")) }
            }
        }
    }
}

fn raw_from(form: &Fields) -> Raw {
    let mut raw: Raw = DEFS
        .iter()
        .map(|d| {
            (
                d.name.to_owned(),
                form.get(d.name).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    raw.insert(
        "active".into(),
        if form.get("active").is_some() {
            "on".into()
        } else {
            String::new()
        },
    );
    for k in ["unit_code", "currency", "vat_rate"] {
        raw.insert(k.into(), form.get(k).unwrap_or_default().to_owned());
    }
    raw
}

fn body_from(ui: &Ui, form: &Fields) -> Result<Value, Errors> {
    let mut v = to_json(ui, DEFS, form)?;
    for k in ["unit_code", "currency", "vat_rate"] {
        if let Some(x) = form.get(k).map(str::trim).filter(|x| !x.is_empty()) {
            v[k] = json!(x);
        }
    }
    // An empty amount is zero, not "no price".
    for k in ["price", "cost"] {
        if v[k].is_null() {
            v[k] = json!("0");
        }
    }
    Ok(v)
}

fn form_page(ui: &Ui, status: StatusCode, title: String, body: Markup) -> Response {
    let page = Page {
        title,
        nav: Nav::Products,
        actions: None,
        body,
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

async fn new_page(State(state): State<AppState>, ui: Ui) -> Response {
    if let Err(e) = catalog::require_catalog_writer(&ui.actor) {
        return failure(&ui, e);
    }
    let lists = match lists(&state).await {
        Ok(l) => l,
        Err(e) => return failure(&ui, e),
    };
    let base = match voronka_store::company::read_base_currency(&state.db).await {
        Ok(b) => b,
        Err(e) => return failure(&ui, e),
    };
    let raw: Raw = [
        ("kind", "goods"),
        ("unit_code", "796"),
        ("currency", base.as_str()),
        ("vat_rate", "22"),
        ("active", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let body = product_form(
        &ui,
        &lists,
        &raw,
        &Errors::new(),
        "/products/new",
        "/products",
    );
    form_page(&ui, StatusCode::OK, ui.tr.t("new-product"), body)
}

async fn create(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    if let Err(e) = catalog::require_catalog_writer(&ui.actor) {
        return failure(&ui, e);
    }
    let errors = match body_from(&ui, &form) {
        Ok(body) => match catalog::create_product(&state.db, &ui.actor, body).await {
            Ok(p) => {
                return Redirect::to(&format!("/products/{}?msg=saved", p.id)).into_response();
            }
            Err(StoreError::Invalid(inv)) => ui.tr.errors(&inv.0),
            Err(e) => return failure(&ui, e),
        },
        Err(errors) => errors,
    };
    let lists = match lists(&state).await {
        Ok(l) => l,
        Err(e) => return failure(&ui, e),
    };
    let body = product_form(
        &ui,
        &lists,
        &raw_from(&form),
        &errors,
        "/products/new",
        "/products",
    );
    form_page(
        &ui,
        StatusCode::UNPROCESSABLE_ENTITY,
        ui.tr.t("new-product"),
        body,
    )
}

// ---------------------------------------------------------------- record

async fn view(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<Id>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let msg = q.iter().find(|(k, _)| k == "msg").map(|(_, v)| v.as_str());
    show(&state, &ui, id, msg, None).await
}

/// The product's page; for those who may change it, the form below, with
/// what was typed and the messages when a change was refused.
async fn show(
    state: &AppState,
    ui: &Ui,
    id: Id,
    msg: Option<&str>,
    refused: Option<(StatusCode, Raw, Errors)>,
) -> Response {
    let p = match rules::get::<Product>(&state.db, &ui.actor, id).await {
        Ok(p) => p,
        Err(e) => return failure(ui, e),
    };
    let lists = match lists(state).await {
        Ok(l) => l,
        Err(e) => return failure(ui, e),
    };
    let v = serde_json::to_value(&p).unwrap_or(Value::Null);
    let t = |k: &str| ui.tr.t(k);
    let writer = catalog::can_edit_catalog(&ui.actor);
    let (status, raw, errors) = match refused {
        Some((status, raw, errors)) if !raw.is_empty() => (status, raw, errors),
        other => {
            let mut raw = raw_from_record(ui, DEFS, &v, &BTreeMap::new());
            for k in ["unit_code", "currency", "vat_rate"] {
                raw.insert(k.into(), v[k].as_str().unwrap_or_default().to_owned());
            }
            let (status, errors) =
                other.map_or((StatusCode::OK, Errors::new()), |(s, _, e)| (s, e));
            (status, raw, errors)
        }
    };
    let row = |label: &str, value: String| -> Markup {
        html! { @if !value.is_empty() { div { dt { (t(label)) } dd { (value) } } } }
    };
    let body = html! {
        (flash(ui, msg))
        @if let Some(m) = errors.get("_") { div.flash.error role="alert" { (ui.tr.t1("error-conflict", "message", m)) } }
        section.card {
            dl.fields {
                (row("field-kind", ui.tr.label("product-kind", p.data.kind.as_str())))
                (row("field-sku", p.data.sku.clone().unwrap_or_default()))
                (row("field-unit_code", format!("{} ({})", unit_name(ui, &lists.units, &p.data.unit_code), p.data.unit_code)))
                (row("field-price", money(ui, &v, "price")))
                (row("field-cost", money(ui, &v, "cost")))
                (row("field-vat_rate", vat_label(ui, &p.data.vat_rate)))
                (row("field-category", p.data.category.clone().unwrap_or_default()))
                (row("field-active", if p.data.active { t("yes") } else { t("no") }))
                (row("field-updated_at", ui.tr.datetime(p.updated_at)))
                @if let Some(d) = &p.data.description { div.wide { dt { (t("field-description")) } dd style="white-space: pre-wrap" { (d) } } }
            }
        }
        @if writer {
            h2 #edit { (t("action-edit")) }
            (product_form(ui, &lists, &raw, &errors, &format!("/products/{id}"), &format!("/products/{id}")))
        }
    };
    let actions = writer.then(|| {
        html! {
            a.btn href="#edit" { (t("action-edit")) }
            form.inline method="post" action=(format!("/products/{id}/delete")) data-confirm=(ui.tr.t1("confirm-delete", "name", &p.data.name)) {
                (csrf(ui))
                button.danger type="submit" { (t("action-delete")) }
            }
        }
    });
    let page = Page {
        title: p.data.name.clone(),
        nav: Nav::Products,
        actions,
        body,
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    if let Err(e) = catalog::require_catalog_writer(&ui.actor) {
        return failure(&ui, e);
    }
    let errors = match body_from(&ui, &form) {
        Ok(body) => match catalog::update_product(&state.db, &ui.actor, id, body).await {
            Ok(_) => return Redirect::to(&format!("/products/{id}?msg=saved")).into_response(),
            Err(StoreError::Invalid(inv)) => ui.tr.errors(&inv.0),
            Err(e) => return failure(&ui, e),
        },
        Err(errors) => errors,
    };
    show(
        &state,
        &ui,
        id,
        None,
        Some((StatusCode::UNPROCESSABLE_ENTITY, raw_from(&form), errors)),
    )
    .await
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    match rules::delete::<Product>(&state.db, &ui.actor, id).await {
        Ok(()) => Redirect::to("/products?msg=deleted").into_response(),
        Err(StoreError::Conflict(m)) => {
            let raw = Raw::new();
            let errors: Errors = [("_".to_owned(), ui.tr.conflict(&m))].into();
            show(
                &state,
                &ui,
                id,
                None,
                Some((StatusCode::CONFLICT, raw, errors)),
            )
            .await
        }
        Err(e) => failure(&ui, e),
    }
}
