//! Settings of the catalog and of our company: our legal details, price
//! books with their prices, currencies with their exchange rates, VAT rates.
//!
//! Everyone signed in may look (the documents show these values); the forms
//! are drawn only for those who may change them — administrators, and heads
//! of sales for price books — and the store refuses everyone else anyway.
//! A refused form comes back with the messages above it.

use super::catalog::{currency_options, select, vat_label};
use super::form::{
    Choices, Def, Fields, Kind, Raw, date_input, f, field, iso_day, raw_from_record, shown_day,
    to_json, wide,
};
use super::layout::{Nav, Page, csrf, flash, render};
use super::settings::subnav;
use super::{Post, Ui};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use voronka_core::Day;
use voronka_core::records::{Id, Product};
use voronka_core::vat::TaxRegime;
use voronka_store::{StoreError, catalog, company, rules};

type Errors = BTreeMap<String, String>;
type QueryPairs = Query<Vec<(String, String)>>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/company", get(company_page).post(save_company))
        .route("/settings/price-books", get(books_page).post(create_book))
        .route(
            "/settings/price-books/{id}",
            get(book_page).post(update_book),
        )
        .route("/settings/price-books/{id}/delete", post(delete_book))
        .route("/settings/price-books/{id}/entries", post(put_entry))
        .route(
            "/settings/price-books/{id}/entries/{product_id}/delete",
            post(delete_entry),
        )
        .route(
            "/settings/currencies",
            get(currencies_page).post(create_currency),
        )
        .route(
            "/settings/currencies/{code}",
            get(rates_page).post(put_rate),
        )
        .route("/settings/currencies/{code}/active", post(toggle_currency))
        .route("/settings/vat-rates", get(vat_page).post(create_vat))
        .route("/settings/vat-rates/{id}", post(update_vat))
        .route("/settings/vat-rates/{id}/delete", post(delete_vat))
}

// ---------------------------------------------------------------- frame

fn frame(
    ui: &Ui,
    status: StatusCode,
    title: String,
    current: &str,
    actions: Option<Markup>,
    body: Markup,
) -> Response {
    let body = html! {
        // The settings menu is for administrators; others came by a link.
        @if ui.actor.is_admin() { (subnav(ui, current)) }
        (body)
    };
    let page = Page {
        title,
        nav: Nav::Settings,
        actions,
        body,
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

fn failure(ui: &Ui, e: StoreError) -> Response {
    let (status, message) = match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, ui.tr.t("error-not-found")),
        StoreError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
        other => return ApiError::from(other).into_response(),
    };
    let body = html! { div.card { (message) } };
    frame(ui, status, ui.tr.t("nav-settings"), "", None, body)
}

/// A refusal the user can act on becomes messages; anything else is a failure.
/// Messages are in the user's language.
fn refusal(ui: &Ui, e: StoreError) -> Result<(StatusCode, Errors), StoreError> {
    match e {
        StoreError::Invalid(inv) => Ok((StatusCode::UNPROCESSABLE_ENTITY, ui.tr.errors(&inv.0))),
        StoreError::Conflict(m) => Ok((
            StatusCode::CONFLICT,
            [("_".to_owned(), ui.tr.conflict(&m))].into(),
        )),
        other => Err(other),
    }
}

/// The messages of a refused form, above the page.
fn alert(ui: &Ui, errors: &Errors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.flash.error role="alert" {
                @if let Some(m) = errors.get("_") {
                    (ui.tr.t1("error-conflict", "message", m))
                } @else {
                    (ui.tr.t("error-form"))
                    @for (k, v) in errors { " · " (ui.tr.t(&format!("field-{k}"))) ": " (v) }
                }
            }
        }
    }
}

fn msg(q: &[(String, String)]) -> Option<&str> {
    q.iter().find(|(k, _)| k == "msg").map(|(_, v)| v.as_str())
}

fn text(fields: &Fields, name: &str) -> String {
    fields.get(name).unwrap_or_default().trim().to_owned()
}

fn opt_text(fields: &Fields, name: &str) -> Value {
    let v = text(fields, name);
    if v.is_empty() { Value::Null } else { json!(v) }
}

/// `1 234,5` as typed in Russian → `1234.5`.
fn decimal_text(fields: &Fields, name: &str) -> String {
    text(fields, name)
        .replace([' ', '\u{a0}'], "")
        .replace(',', ".")
}

fn done(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---------------------------------------------------------------- our company

const COMPANY_DEFS: &[Def] = &[
    wide("legal_name", Kind::Text),
    f("short_name", Kind::Text),
    f("director", Kind::Text),
    f("inn", Kind::Text),
    f("kpp", Kind::Text),
    f("ogrn", Kind::Text),
    f("chief_accountant", Kind::Text),
    wide("legal_address", Kind::Text),
    wide("postal_address", Kind::Text),
    f("phone", Kind::Text),
    f("email", Kind::Text),
    f("bank_name", Kind::Text),
    f("bic", Kind::Text),
    f("settlement_account", Kind::Text),
    f("correspondent_account", Kind::Text),
    f("tax_regime", Kind::Enum("tax-regime", &TaxRegime::CODES)),
    f("invoice_number_format", Kind::Text),
];

async fn company_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    company_view(&state, &ui, msg(&q), None).await
}

async fn company_view(
    state: &AppState,
    ui: &Ui,
    msg: Option<&str>,
    refused: Option<(StatusCode, Raw, Errors)>,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (c, currencies) = match (
        company::get(&state.db).await,
        catalog::list_currencies(&state.db).await,
    ) {
        (Ok(c), Ok(l)) => (c, l),
        (Err(e), _) | (_, Err(e)) => return failure(ui, e),
    };
    let v = serde_json::to_value(&c.data).unwrap_or(Value::Null);
    let (status, raw, errors) = refused.unwrap_or_else(|| {
        let mut raw = raw_from_record(ui, COMPANY_DEFS, &v, &BTreeMap::new());
        raw.insert("base_currency".into(), c.data.base_currency.to_string());
        (StatusCode::OK, raw, Errors::new())
    });
    let choices = Choices::default();
    let base = raw.get("base_currency").cloned().unwrap_or_default();
    let body = html! {
        (flash(ui, msg))
        (alert(ui, &errors))
        p.muted {
            (t(if c.vat_payer { "company-vat-payer" } else { "company-not-vat-payer" }))
            " · " (t("field-invoice_number_format")) ": "
            (c.data.number_format().map(|f| f.render(state.db.now().day().inner().year(), 1)).unwrap_or_else(|_| "1".to_owned()))
        }
        @if ui.actor.is_admin() {
            form.fields.card method="post" action="/settings/company" {
                (csrf(ui))
                @for d in COMPANY_DEFS { (field(ui, d, &raw, &errors, &choices)) }
                (select(ui, "base_currency", &currency_options(&currencies, &base), &base, &errors))
                p.wide.muted style="margin: 0; font-size: 12px" { (t("company-format-hint")) }
                div.formactions { button.primary type="submit" { (t("action-save")) } }
            }
        } @else {
            section.card {
                dl.fields {
                    @for d in COMPANY_DEFS {
                        @let value = raw.get(d.name).cloned().unwrap_or_default();
                        @if !value.is_empty() {
                            div.wide[d.wide] {
                                dt { (d.label(ui)) }
                                dd { @if d.name == "tax_regime" { (ui.tr.label("tax-regime", &value)) } @else { (value) } }
                            }
                        }
                    }
                    div { dt { (t("field-base_currency")) } dd { (base) } }
                }
            }
        }
    };
    frame(
        ui,
        status,
        t("settings-company"),
        "/settings/company",
        None,
        body,
    )
}

async fn save_company(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let mut raw: Raw = COMPANY_DEFS
        .iter()
        .map(|d| {
            (
                d.name.to_owned(),
                form.get(d.name).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    raw.insert("base_currency".into(), text(&form, "base_currency"));
    let mut body = match to_json(&ui, COMPANY_DEFS, &form) {
        Ok(b) => b,
        Err(errors) => {
            return company_view(
                &state,
                &ui,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, raw, errors)),
            )
            .await;
        }
    };
    for k in ["legal_name", "invoice_number_format"] {
        if body[k].is_null() {
            body[k] = json!("");
        }
    }
    let base = text(&form, "base_currency");
    if !base.is_empty() {
        body["base_currency"] = json!(base);
    }
    match company::save(&state.db, &ui.actor, body, true).await {
        Ok(_) => done("/settings/company?msg=saved"),
        Err(e) => match refusal(&ui, e) {
            Ok((status, errors)) => {
                company_view(&state, &ui, None, Some((status, raw, errors))).await
            }
            Err(e) => failure(&ui, e),
        },
    }
}

// ---------------------------------------------------------------- price books

async fn books_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    books_view(
        &state,
        &ui,
        msg(&q),
        StatusCode::OK,
        &Errors::new(),
        &Fields::default(),
    )
    .await
}

async fn books_view(
    state: &AppState,
    ui: &Ui,
    msg: Option<&str>,
    status: StatusCode,
    errors: &Errors,
    typed: &Fields,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (books, currencies, base) = match (
        catalog::list_price_books(&state.db).await,
        catalog::list_currencies(&state.db).await,
        voronka_store::company::read_base_currency(&state.db).await,
    ) {
        (Ok(b), Ok(c), Ok(base)) => (b, c, base),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failure(ui, e),
    };
    let writer = catalog::can_edit_catalog(&ui.actor);
    let currency = typed.get("currency").unwrap_or(base.as_str()).to_owned();
    let body = html! {
        (flash(ui, msg))
        (alert(ui, errors))
        @if books.is_empty() {
            div.card.muted { (t("price-books-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th { (t("field-name")) }
                    th { (t("field-currency")) }
                    th { (t("field-is_default")) }
                    th { (t("field-active")) }
                } }
                tbody {
                    @for b in &books {
                        tr {
                            td { a href=(format!("/settings/price-books/{}", b.id)) { (b.data.name) } }
                            td { (b.data.currency) }
                            td { @if b.data.is_default { span.badge.won { (t("settings-default")) } } }
                            td { @if b.data.active { (t("yes")) } @else { span.badge.lost { (t("no")) } } }
                        }
                    }
                }
            }
        }
        @if writer {
            section.card #new-book style="margin-top: 16px" {
                h2 { (t("price-books-new")) }
                form.fields method="post" action="/settings/price-books" {
                    (csrf(ui))
                    div.field { label for="f-name" { (t("field-name")) } input #f-name name="name" value=(typed.get("name").unwrap_or_default()) required; }
                    (select(ui, "currency", &currency_options(&currencies, &currency), &currency, &Errors::new()))
                    div.field { label { input type="checkbox" name="is_default" checked[typed.get("is_default").is_some()]; " " (t("field-is_default")) } }
                    div.formactions { button.primary type="submit" { (t("action-create")) } }
                }
            }
        }
    };
    frame(
        ui,
        status,
        t("settings-price-books"),
        "/settings/price-books",
        None,
        body,
    )
}

async fn create_book(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let body = json!({
        "name": text(&form, "name"),
        "currency": text(&form, "currency"),
        "is_default": form.get("is_default").is_some(),
    });
    match catalog::create_price_book(&state.db, &ui.actor, body).await {
        Ok(b) => done(&format!("/settings/price-books/{}?msg=saved", b.id)),
        Err(e) => match refusal(&ui, e) {
            Ok((status, errors)) => books_view(&state, &ui, None, status, &errors, &form).await,
            Err(e) => failure(&ui, e),
        },
    }
}

async fn book_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<Id>,
    Query(q): QueryPairs,
) -> Response {
    book_view(&state, &ui, id, msg(&q), StatusCode::OK, &Errors::new()).await
}

async fn book_view(
    state: &AppState,
    ui: &Ui,
    id: Id,
    msg: Option<&str>,
    status: StatusCode,
    errors: &Errors,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (book, entries, currencies) = match (
        catalog::get_price_book(&state.db, id).await,
        catalog::list_entries(&state.db, id).await,
        catalog::list_currencies(&state.db).await,
    ) {
        (Ok(b), Ok(e), Ok(c)) => (b, e, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failure(ui, e),
    };
    let writer = catalog::can_edit_catalog(&ui.actor);
    let products = if writer {
        let params = [
            ("active".to_owned(), "true".to_owned()),
            ("sort".to_owned(), "name".to_owned()),
            ("limit".to_owned(), "500".to_owned()),
        ];
        match rules::list::<Product>(&state.db, &ui.actor, &params).await {
            Ok(p) => p.items,
            Err(e) => return failure(ui, e),
        }
    } else {
        Vec::new()
    };
    let currency = book.data.currency.to_string();
    let body = html! {
        (flash(ui, msg))
        (alert(ui, errors))
        section.card {
            dl.fields {
                div { dt { (t("field-currency")) } dd { (currency) } }
                div { dt { (t("field-is_default")) } dd { (if book.data.is_default { t("yes") } else { t("no") }) } }
                div { dt { (t("field-active")) } dd { (if book.data.active { t("yes") } else { t("no") }) } }
                div { dt { (t("price-books-count")) } dd { (entries.len()) } }
            }
        }
        h2 { (t("price-books-entries")) }
        @if entries.is_empty() {
            div.card.muted { (t("list-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th { (t("field-product_id")) }
                    th.optional { (t("field-sku")) }
                    th.num { (t("field-price")) }
                    @if writer { th { span.sr-only { (t("action-edit")) } } }
                } }
                tbody {
                    @for e in &entries {
                        tr {
                            td { a href=(format!("/products/{}", e.product_id)) { (e.product_name) } }
                            td.optional { (e.sku.as_deref().unwrap_or_default()) }
                            td.num { (ui.tr.money(e.price, e.currency.as_str())) }
                            @if writer {
                                td {
                                    form.inline method="post" action=(format!("/settings/price-books/{id}/entries")) {
                                        (csrf(ui))
                                        input type="hidden" name="product_id" value=(e.product_id);
                                        label.sr-only for=(format!("price-{}", e.product_id)) { (t("field-price")) }
                                        input id=(format!("price-{}", e.product_id)) name="price" inputmode="decimal" size="10" value=(ui.tr.number(e.price, 2));
                                        button type="submit" { (t("action-save")) }
                                    }
                                    form.inline method="post" action=(format!("/settings/price-books/{id}/entries/{}/delete", e.product_id)) {
                                        (csrf(ui))
                                        button.danger type="submit" { (t("price-books-remove")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if writer {
            section.card style="margin-top: 16px" {
                h2 { (t("price-books-add")) }
                form.fields method="post" action=(format!("/settings/price-books/{id}/entries")) {
                    (csrf(ui))
                    div.field {
                        label for="f-product_id" { (t("field-product_id")) }
                        select #f-product_id name="product_id" required {
                            @for p in &products { option value=(p.id) { (p.data.name) @if let Some(s) = &p.data.sku { " · " (s) } } }
                        }
                    }
                    div.field { label for="f-price" { (t("field-price")) } input #f-price name="price" inputmode="decimal" required; }
                    div.formactions { button.primary type="submit" { (t("action-save")) } }
                }
            }
            section.card style="margin-top: 16px" {
                h2 { (t("action-edit")) }
                form.fields method="post" action=(format!("/settings/price-books/{id}")) {
                    (csrf(ui))
                    div.field { label for="f-name" { (t("field-name")) } input #f-name name="name" value=(book.data.name) required; }
                    (select(ui, "currency", &currency_options(&currencies, &currency), &currency, &Errors::new()))
                    div.field { label { input type="checkbox" name="is_default" checked[book.data.is_default]; " " (t("field-is_default")) } }
                    div.field { label { input type="checkbox" name="active" checked[book.data.active]; " " (t("field-active")) } }
                    div.formactions { button.primary type="submit" { (t("action-save")) } }
                }
            }
        }
    };
    let actions = writer.then(|| html! {
        form.inline method="post" action=(format!("/settings/price-books/{id}/delete")) data-confirm=(ui.tr.t1("confirm-delete", "name", &book.data.name)) {
            (csrf(ui))
            button.danger type="submit" { (t("action-delete")) }
        }
    });
    frame(
        ui,
        status,
        book.data.name.clone(),
        "/settings/price-books",
        actions,
        body,
    )
}

async fn book_done(
    state: &AppState,
    ui: &Ui,
    id: Id,
    result: voronka_store::Result<()>,
) -> Response {
    match result {
        Ok(()) => done(&format!("/settings/price-books/{id}?msg=saved")),
        Err(e) => match refusal(ui, e) {
            Ok((status, errors)) => book_view(state, ui, id, None, status, &errors).await,
            Err(e) => failure(ui, e),
        },
    }
}

async fn update_book(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let body = json!({
        "name": text(&form, "name"),
        "currency": text(&form, "currency"),
        "is_default": form.get("is_default").is_some(),
        "active": form.get("active").is_some(),
    });
    let r = catalog::update_price_book(&state.db, &ui.actor, id, body).await;
    book_done(&state, &ui, id, r.map(drop)).await
}

async fn delete_book(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    match catalog::delete_price_book(&state.db, &ui.actor, id).await {
        Ok(()) => done("/settings/price-books?msg=deleted"),
        Err(e) => book_done(&state, &ui, id, Err(e)).await,
    }
}

async fn put_entry(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let Ok(product) = text(&form, "product_id").parse::<Id>() else {
        let errors: Errors = [("product_id".to_owned(), "choose a product".to_owned())].into();
        return book_view(
            &state,
            &ui,
            id,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            &errors,
        )
        .await;
    };
    let body = json!({"price": decimal_text(&form, "price")});
    let r = catalog::put_entry(&state.db, &ui.actor, id, product, body).await;
    book_done(&state, &ui, id, r.map(drop)).await
}

async fn delete_entry(
    State(state): State<AppState>,
    Path((id, product)): Path<(Id, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    let r = catalog::delete_entry(&state.db, &ui.actor, id, product).await;
    book_done(&state, &ui, id, r).await
}

// ---------------------------------------------------------------- currencies

async fn currencies_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    currencies_view(
        &state,
        &ui,
        msg(&q),
        StatusCode::OK,
        &Errors::new(),
        &Fields::default(),
    )
    .await
}

/// A rate as entered: all its decimals, at least two.
fn rate_text(ui: &Ui, rate: Decimal) -> String {
    ui.tr.number(rate, rate.scale().max(2))
}

async fn currencies_view(
    state: &AppState,
    ui: &Ui,
    msg: Option<&str>,
    status: StatusCode,
    errors: &Errors,
    typed: &Fields,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (list, company) = match (
        catalog::list_currencies(&state.db).await,
        company::get(&state.db).await,
    ) {
        (Ok(l), Ok(c)) => (l, c),
        (Err(e), _) | (_, Err(e)) => return failure(ui, e),
    };
    let base = company.data.base_currency.clone();
    let mut latest = BTreeMap::new();
    for c in &list {
        if c.code != base
            && let Ok(rates) = catalog::list_rates(&state.db, c.code.as_str()).await
            && let Some(r) = rates.into_iter().next()
        {
            latest.insert(c.code.to_string(), r);
        }
    }
    let admin = ui.actor.is_admin();
    let body = html! {
        (flash(ui, msg))
        (alert(ui, errors))
        p.muted { (ui.tr.t1("currencies-base", "code", &base)) }
        table.list {
            thead { tr {
                th { (t("field-code")) }
                th { (t("field-name")) }
                th.num { (t("currencies-latest-rate")) }
                th { (t("field-active")) }
            } }
            tbody {
                @for c in &list {
                    tr {
                        td { a href=(format!("/settings/currencies/{}", c.code)) { (c.code) } }
                        td { (c.name) }
                        td.num {
                            @if c.code == base { "1" }
                            @else if let Some(r) = latest.get(c.code.as_str()) { (rate_text(ui, r.rate)) " " span.muted { (ui.tr.day(r.day)) } }
                            @else { "—" }
                        }
                        td {
                            @if !c.active { span.badge.lost { (t("settings-inactive")) } " " }
                            @if admin && c.code != base {
                                form.inline method="post" action=(format!("/settings/currencies/{}/active", c.code)) {
                                    (csrf(ui))
                                    input type="hidden" name="active" value=(if c.active { "0" } else { "1" });
                                    button type="submit" { (if c.active { t("settings-deactivate") } else { t("settings-activate") }) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            section.card style="margin-top: 16px" {
                h2 { (t("currencies-new")) }
                form.fields method="post" action="/settings/currencies" {
                    (csrf(ui))
                    div.field { label for="f-code" { (t("field-code")) } input #f-code name="code" maxlength="3" size="4" value=(typed.get("code").unwrap_or_default()) required; }
                    div.field { label for="f-name" { (t("field-name")) } input #f-name name="name" value=(typed.get("name").unwrap_or_default()) required; }
                    div.formactions { button.primary type="submit" { (t("action-create")) } }
                }
            }
        }
    };
    frame(
        ui,
        status,
        t("settings-currencies"),
        "/settings/currencies",
        None,
        body,
    )
}

async fn create_currency(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let body = json!({"code": text(&form, "code"), "name": text(&form, "name")});
    match catalog::create_currency(&state.db, &ui.actor, body).await {
        Ok(_) => done("/settings/currencies?msg=saved"),
        Err(e) => match refusal(&ui, e) {
            Ok((status, errors)) => {
                currencies_view(&state, &ui, None, status, &errors, &form).await
            }
            Err(e) => failure(&ui, e),
        },
    }
}

async fn toggle_currency(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Post { ui, form }: Post,
) -> Response {
    let body = json!({"active": form.get("active") == Some("1")});
    match catalog::update_currency(&state.db, &ui.actor, &code, body).await {
        Ok(_) => done("/settings/currencies?msg=saved"),
        Err(e) => match refusal(&ui, e) {
            Ok((status, errors)) => {
                currencies_view(&state, &ui, None, status, &errors, &Fields::default()).await
            }
            Err(e) => failure(&ui, e),
        },
    }
}

async fn rates_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): QueryPairs,
) -> Response {
    rates_view(&state, &ui, &code, msg(&q), StatusCode::OK, &Errors::new()).await
}

async fn rates_view(
    state: &AppState,
    ui: &Ui,
    code: &str,
    msg: Option<&str>,
    status: StatusCode,
    errors: &Errors,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let (currency, rates, company) = match (
        catalog::get_currency(&state.db, code).await,
        catalog::list_rates(&state.db, code).await,
        company::get(&state.db).await,
    ) {
        (Ok(c), Ok(r), Ok(co)) => (c, r, co),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failure(ui, e),
    };
    let base = company.data.base_currency;
    let is_base = currency.code == base;
    let today = ui
        .tr
        .today(state.db.now())
        .map(|d| d.to_string())
        .unwrap_or_default();
    let body = html! {
        (flash(ui, msg))
        (alert(ui, errors))
        @if is_base {
            p.muted { (ui.tr.t1("currencies-base", "code", &base)) }
        } @else {
            p.muted { (ui.tr.t1("currencies-rate-meaning", "code", &base)) }
            @if ui.actor.is_admin() {
                section.card {
                    form.fields method="post" action=(format!("/settings/currencies/{}", currency.code)) {
                        (csrf(ui))
                        div.field { label for="f-day" { (t("field-day")) } (date_input(ui, "f-day", "day", &shown_day(ui, &today), None)) }
                        div.field { label for="f-rate" { (t("field-rate")) } input #f-rate name="rate" inputmode="decimal" required; }
                        div.formactions { button.primary type="submit" { (t("action-save")) } }
                    }
                }
            }
            @if rates.is_empty() {
                div.card.muted style="margin-top: 16px" { (t("list-empty")) }
            } @else {
                table.list style="margin-top: 16px" {
                    thead { tr { th { (t("field-day")) } th.num { (t("field-rate")) } } }
                    tbody {
                        @for r in &rates {
                            tr { td { (ui.tr.day(r.day)) } td.num { (rate_text(ui, r.rate)) } }
                        }
                    }
                }
            }
        }
    };
    let title = format!("{} · {}", currency.code, currency.name);
    frame(ui, status, title, "/settings/currencies", None, body)
}

async fn put_rate(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Post { ui, form }: Post,
) -> Response {
    let body =
        json!({"day": iso_day(&ui, &text(&form, "day")), "rate": decimal_text(&form, "rate")});
    match catalog::put_rate(&state.db, &ui.actor, &code, body).await {
        Ok(_) => done(&format!(
            "/settings/currencies/{}?msg=saved",
            code.to_uppercase()
        )),
        Err(e) => match refusal(&ui, e) {
            Ok((status, errors)) => rates_view(&state, &ui, &code, None, status, &errors).await,
            Err(e) => failure(&ui, e),
        },
    }
}

// ---------------------------------------------------------------- VAT rates

async fn vat_page(State(state): State<AppState>, ui: Ui, Query(q): QueryPairs) -> Response {
    vat_view(&state, &ui, msg(&q), StatusCode::OK, &Errors::new()).await
}

fn day_text(ui: &Ui, d: Option<Day>) -> String {
    d.map(|d| ui.tr.day(d)).unwrap_or_else(|| "—".into())
}

async fn vat_view(
    state: &AppState,
    ui: &Ui,
    msg: Option<&str>,
    status: StatusCode,
    errors: &Errors,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let rates = match catalog::list_vat_rates(&state.db).await {
        Ok(r) => r,
        Err(e) => return failure(ui, e),
    };
    let admin = ui.actor.is_admin();
    let regimes = |current: &str| -> Markup {
        html! { @for r in TaxRegime::CODES { option value=(r) selected[r == current] { (ui.tr.label("tax-regime", r)) } } }
    };
    let body = html! {
        (flash(ui, msg))
        (alert(ui, errors))
        table.list {
            thead { tr {
                th { (t("field-tax_regime")) }
                th { (t("field-vat_rate")) }
                th { (t("field-valid_from")) }
                th { (t("field-valid_to")) }
                th { (t("field-is_default")) }
                @if admin { th { span.sr-only { (t("action-edit")) } } }
            } }
            tbody {
                @for r in &rates {
                    tr {
                        td { (ui.tr.label("tax-regime", &r.data.regime)) }
                        td { (vat_label(ui, &r.data.rate)) }
                        td { (day_text(ui, r.data.valid_from)) }
                        td { (day_text(ui, r.data.valid_to)) }
                        td { @if r.data.is_default { span.badge.won { (t("settings-default")) } } }
                        @if admin {
                            td {
                                form.inline method="post" action=(format!("/settings/vat-rates/{}", r.id)) {
                                    (csrf(ui))
                                    label.sr-only for=(format!("rate-{}", r.id)) { (t("field-vat_rate")) }
                                    input id=(format!("rate-{}", r.id)) name="rate" size="4" value=(r.data.rate);
                                    (date_input(ui, &format!("vf-{}", r.id), "valid_from", &r.data.valid_from.map(|d| ui.tr.day(d)).unwrap_or_default(), Some(&t("field-valid_from"))))
                                    (date_input(ui, &format!("vt-{}", r.id), "valid_to", &r.data.valid_to.map(|d| ui.tr.day(d)).unwrap_or_default(), Some(&t("field-valid_to"))))
                                    label { input type="checkbox" name="is_default" checked[r.data.is_default]; " " (t("field-is_default")) }
                                    button type="submit" { (t("action-save")) }
                                }
                                form.inline method="post" action=(format!("/settings/vat-rates/{}/delete", r.id)) data-confirm=(ui.tr.t1("confirm-delete", "name", vat_label(ui, &r.data.rate))) {
                                    (csrf(ui))
                                    button.danger type="submit" { (t("action-delete")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            section.card style="margin-top: 16px" {
                h2 { (t("vat-rates-new")) }
                form.fields method="post" action="/settings/vat-rates" {
                    (csrf(ui))
                    div.field { label for="f-regime" { (t("field-tax_regime")) } select #f-regime name="regime" { (regimes("general")) } }
                    div.field { label for="f-rate" { (t("field-vat_rate")) } input #f-rate name="rate" required placeholder="22"; }
                    div.field { label for="f-valid_from" { (t("field-valid_from")) } (date_input(ui, "f-valid_from", "valid_from", "", None)) }
                    div.field { label for="f-valid_to" { (t("field-valid_to")) } (date_input(ui, "f-valid_to", "valid_to", "", None)) }
                    div.field { label { input type="checkbox" name="is_default"; " " (t("field-is_default")) } }
                    div.formactions { button.primary type="submit" { (t("action-create")) } }
                }
            }
        }
    };
    frame(
        ui,
        status,
        t("settings-vat-rates"),
        "/settings/vat-rates",
        None,
        body,
    )
}

fn vat_body(ui: &Ui, form: &Fields, with_regime: bool) -> Value {
    let day = |k: &str| match opt_text(form, k) {
        Value::String(d) => json!(iso_day(ui, &d)),
        other => other,
    };
    let mut v = json!({
        "rate": text(form, "rate"),
        "valid_from": day("valid_from"),
        "valid_to": day("valid_to"),
        "is_default": form.get("is_default").is_some(),
    });
    if with_regime {
        v["regime"] = json!(text(form, "regime"));
    }
    v
}

async fn vat_done(
    state: &AppState,
    ui: &Ui,
    result: voronka_store::Result<()>,
    ok: &str,
) -> Response {
    match result {
        Ok(()) => done(&format!("/settings/vat-rates?msg={ok}")),
        Err(e) => match refusal(ui, e) {
            Ok((status, errors)) => vat_view(state, ui, None, status, &errors).await,
            Err(e) => failure(ui, e),
        },
    }
}

async fn create_vat(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let r = catalog::create_vat_rate(&state.db, &ui.actor, vat_body(&ui, &form, true)).await;
    vat_done(&state, &ui, r.map(drop), "saved").await
}

async fn update_vat(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let r = catalog::update_vat_rate(&state.db, &ui.actor, id, vat_body(&ui, &form, false)).await;
    vat_done(&state, &ui, r.map(drop), "saved").await
}

async fn delete_vat(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    let r = catalog::delete_vat_rate(&state.db, &ui.actor, id).await;
    vat_done(&state, &ui, r, "deleted").await
}
