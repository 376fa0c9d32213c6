//! Pages for the money side: lists of quotes, orders, invoices and payments;
//! a document page with its line editor (live totals through htmx, plain
//! form posts without it) and its lifecycle buttons; the products and
//! documents of a deal; an account's balance.
//!
//! Every action calls the same store functions as the JSON API, so the
//! rules (read-only active quotes, numbering, over-shipment) are the same.

use super::form::{Fields, date_error, date_input, iso_day, urlencode};
use super::layout::{Nav, Page, csrf, flash, render};
use super::{Post, Ui};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::str::FromStr;
use voronka_core::documents::QuoteAction;
use voronka_core::pricing::DocTotals;
use voronka_core::records::{Account, Contact, Deal, DocKind, DocStatus, Document, Id, Line};
use voronka_store::documents::{self, Source};
use voronka_store::{StoreError, payments, rules};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quotes", get(list_quotes))
        .route("/orders", get(list_orders))
        .route("/invoices", get(list_invoices))
        .route("/payments", get(list_payments).post(new_payment))
        .route("/quotes/{id}", get(view_quote))
        .route("/orders/{id}", get(view_order))
        .route("/invoices/{id}", get(view_invoice))
        .route("/quotes/new-doc", post(new_quote))
        .route("/orders/new-doc", post(new_order))
        .route("/invoices/new-doc", post(new_invoice_by_hand))
        .route("/{entity}/{id}/save", post(save))
        .route("/{entity}/{id}/preview", post(preview))
        .route("/{entity}/{id}/do/{action}", post(act))
        .route("/{entity}/{id}/remove", post(remove))
        .route("/{entity}/{id}/new-invoice", post(new_invoice))
        .route("/deals/{id}/new-quote", post(deal_new_quote))
        .route("/deals/{id}/products", post(save_deal_products))
        .route("/deals/{id}/products/preview", post(preview_deal_products))
        .route("/invoices/{id}/payment", post(record_payment))
        .route("/invoices/{id}/apply/{payment}", post(apply_credit))
        .route("/invoices/{id}/deliver/{what}", post(deliver))
}

fn kind_of(path: &str) -> Option<DocKind> {
    match path {
        "quotes" => Some(DocKind::Quote),
        "orders" => Some(DocKind::Order),
        "invoices" => Some(DocKind::Invoice),
        _ => None,
    }
}

fn path_of(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Quote => "quotes",
        DocKind::Order => "orders",
        _ => "invoices",
    }
}

fn nav_of(kind: DocKind) -> Nav {
    match kind {
        DocKind::Quote => Nav::Quotes,
        DocKind::Order => Nav::Orders,
        _ => Nav::Invoices,
    }
}

fn page(ui: &Ui, title: String, nav: Nav, actions: Option<Markup>, body: Markup) -> Response {
    Html(
        render(
            ui,
            Page {
                title,
                nav,
                actions,
                body,
            },
        )
        .into_string(),
    )
    .into_response()
}

fn failure(ui: &Ui, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => {
            let body = html! { div.card { (ui.tr.t("error-not-found")) } };
            let mut r = page(ui, ui.tr.t("error-not-found"), Nav::None, None, body);
            *r.status_mut() = StatusCode::NOT_FOUND;
            r
        }
        other => crate::error::ApiError::from(other).into_response(),
    }
}

/// After an action: back to the page, or the page again with what went wrong.
async fn after(
    state: &AppState,
    ui: &Ui,
    kind: DocKind,
    id: Id,
    result: Result<(), StoreError>,
) -> Response {
    after_typed(state, ui, kind, id, result, None).await
}

/// [`after`] for a form of the page whose values, `typed`, go back into it
/// when it is refused: the invoice's payment form.
async fn after_typed(
    state: &AppState,
    ui: &Ui,
    kind: DocKind,
    id: Id,
    result: Result<(), StoreError>,
    typed: Option<&Fields>,
) -> Response {
    let url = format!("/{}/{id}", path_of(kind));
    let (status, message) = match result {
        Ok(()) => return Redirect::to(&format!("{url}?msg=saved")).into_response(),
        Err(StoreError::Conflict(m)) => (StatusCode::CONFLICT, ui.tr.conflict(&m)),
        Err(StoreError::Invalid(inv)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            readable(ui.tr.errors(&inv.0), ui)
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Err(e) => return failure(ui, e),
    };
    match documents::get(&state.db, &ui.actor, kind, id).await {
        Ok(doc) => {
            let mut r = render_doc(state, ui, &doc, None, Some(message), None, typed).await;
            *r.status_mut() = status;
            r
        }
        Err(e) => failure(ui, e),
    }
}

fn money(ui: &Ui, d: Decimal, currency: &str) -> String {
    ui.tr.money(d, currency)
}

fn status_label(ui: &Ui, s: DocStatus) -> String {
    let prefix = match s {
        DocStatus::Quote(_) => "quote-status",
        DocStatus::Order(_) => "order-status",
        DocStatus::Invoice(_) => "invoice-status",
    };
    ui.tr.label(prefix, s.as_str())
}

fn doc_name(ui: &Ui, d: &Document) -> String {
    let kind = ui.tr.t(&format!("doc-{}", d.kind.as_str()));
    match (&d.number, d.revision) {
        (Some(n), Some(r)) if r > 1 => format!("{kind} № {n}-{r}"),
        (Some(n), _) => format!("{kind} № {n}"),
        (None, _) => format!("{kind} ({})", ui.tr.t("invoice-status-draft")),
    }
}

async fn customer_name(state: &AppState, ui: &Ui, d: &Document) -> Option<(String, String)> {
    if let Some(id) = d.account_id
        && let Ok(a) = rules::get::<Account>(&state.db, &ui.actor, id).await
    {
        return Some((a.data.name, format!("/accounts/{id}")));
    }
    if let Some(id) = d.contact_id
        && let Ok(c) = rules::get::<Contact>(&state.db, &ui.actor, id).await
    {
        return Some((c.display_name(), format!("/contacts/{id}")));
    }
    None
}

// ---------------------------------------------------------------- lists

async fn list_quotes(state: State<AppState>, ui: Ui, q: Query<Vec<(String, String)>>) -> Response {
    doc_list(state, ui, q, DocKind::Quote).await
}
async fn list_orders(state: State<AppState>, ui: Ui, q: Query<Vec<(String, String)>>) -> Response {
    doc_list(state, ui, q, DocKind::Order).await
}
async fn list_invoices(
    state: State<AppState>,
    ui: Ui,
    q: Query<Vec<(String, String)>>,
) -> Response {
    doc_list(state, ui, q, DocKind::Invoice).await
}

const QUOTE_STATUSES: &[&str] = &["draft", "active", "won", "lost", "revised"];
const ORDER_STATUSES: &[&str] = &["created", "approved", "shipped", "canceled"];
const INVOICE_STATUSES: &[&str] = &["draft", "sent", "partially_paid", "paid", "canceled"];

async fn doc_list(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Vec<(String, String)>>,
    kind: DocKind,
) -> Response {
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let mut params: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| ["q", "status", "cursor", "sort"].contains(&k.as_str()) && !v.is_empty())
        .cloned()
        .collect();
    params.push(("limit".into(), "50".into()));
    let docs = match documents::list(&state.db, &ui.actor, kind, &params).await {
        Ok(p) => p,
        Err(e) => return failure(&ui, e),
    };
    let path = path_of(kind);
    let (statuses, prefix) = match kind {
        DocKind::Quote => (QUOTE_STATUSES, "quote-status"),
        DocKind::Order => (ORDER_STATUSES, "order-status"),
        _ => (INVOICE_STATUSES, "invoice-status"),
    };
    let t = |k: &str| ui.tr.t(k);
    let mut names = BTreeMap::new();
    for d in &docs.items {
        if let Some((n, link)) = customer_name(&state, &ui, d).await {
            names.insert(d.id, (n, link));
        }
    }
    let body = html! {
        (flash(&ui, get("msg")))
        @if get("error") == Some("customer") {
            div.flash.error role="alert" { (t("error-document-customer")) }
        }
        // A document by hand, for a customer without a deal (or before one).
        details.card {
            summary { (t(&format!("action-new-{}", kind.as_str()))) }
            form.filters method="post" action=(format!("/{path}/new-doc")) {
                (csrf(&ui))
                label for="nd-account" { (t("field-account_id")) }
                input #nd-account name="account_id" list="dl-nd-account" autocomplete="off" required
                    hx-get="/options/accounts" hx-trigger="input changed delay:200ms" hx-target="#dl-nd-account" hx-swap="innerHTML";
                datalist #dl-nd-account {}
                label for="nd-title" { (t("field-title")) }
                input #nd-title name="title";
                button.primary type="submit" { (t("action-create")) }
            }
        }
        form.filters method="get" action=(format!("/{path}")) {
            label.sr-only for="flt-q" { (t("search-placeholder")) }
            input #flt-q type="search" name="q" value=(get("q").unwrap_or_default()) placeholder=(t("search-placeholder"));
            select name="status" aria-label=(t("field-status")) {
                option value="" { (t("field-status")) ": " (t("list-any")) }
                @for s in statuses { option value=(s) selected[get("status") == Some(*s)] { (ui.tr.label(prefix, s)) } }
            }
            button type="submit" { (t("action-apply")) }
        }
        @if docs.items.is_empty() {
            div.card.muted { (t("list-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th scope="col" { (t("field-number")) }
                    th scope="col" { (t("field-title")) }
                    th.optional scope="col" { (t("field-customer")) }
                    th scope="col" { (t("field-doc_date")) }
                    th scope="col" { (t("field-status")) }
                    th.num scope="col" { (t("totals-total")) }
                    @if kind == DocKind::Invoice { th.num.optional scope="col" { (t("field-paid")) } }
                } }
                tbody {
                    @for d in &docs.items {
                        tr {
                            td { a href=(format!("/{path}/{}", d.id)) { (d.number.clone().unwrap_or_else(|| "—".into())) @if let Some(r) = d.revision.filter(|r| *r > 1) { "-" (r) } } }
                            td { (d.title) }
                            td.optional { @if let Some((n, link)) = names.get(&d.id) { a href=(link) { (n) } } }
                            td { (ui.tr.day(d.doc_date)) }
                            td { span.badge.won[matches!(d.status.as_str(), "won" | "paid" | "shipped")] .lost[matches!(d.status.as_str(), "lost" | "canceled")] { (status_label(&ui, d.status)) } }
                            td.num { (money(&ui, d.total, d.currency.as_str())) }
                            @if kind == DocKind::Invoice { td.num.optional { (money(&ui, d.paid.unwrap_or_default(), d.currency.as_str())) } }
                        }
                    }
                }
            }
            @if let Some(c) = &docs.next_cursor {
                p { a.btn href=(format!("/{path}?cursor={}{}{}", urlencode(c),
                    get("status").map(|s| format!("&status={}", urlencode(s))).unwrap_or_default(),
                    get("q").map(|s| format!("&q={}", urlencode(s))).unwrap_or_default())) { (t("action-next")) } }
            }
        }
    };
    page(&ui, t(&format!("nav-{path}")), nav_of(kind), None, body)
}

async fn list_payments(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    payments_page(&state, &ui, &q, None).await
}

/// Records a payment from the payments page: incoming from a customer (its
/// credit until allocated) or outgoing to a vendor.
async fn new_payment(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let text = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty());
    let account = text("account_id")
        .and_then(|v| v.rsplit('#').next())
        .and_then(|v| v.trim().parse::<Id>().ok());
    let mut errors = BTreeMap::new();
    let amount = text("amount").and_then(parse_decimal);
    if amount.is_none() {
        errors.insert("amount".to_owned(), ui.tr.t("error-not-a-number"));
    }
    let result = if errors.is_empty() {
        let body = json!({
            "direction": text("direction").unwrap_or("incoming"),
            "account_id": account,
            "amount": amount.map(|a| a.to_string()),
            "currency": text("currency"),
            "paid_on": text("paid_on").map(|d| iso_day(&ui, d)),
            "method": text("method").unwrap_or("bank_transfer"),
            "reference": text("reference"),
            "description": text("description"),
        });
        payments::create(&state.db, &ui.actor, body)
            .await
            .map(|_| ())
    } else {
        Err(StoreError::Invalid(voronka_core::Invalid(to_field_errors(
            errors,
        ))))
    };
    match result {
        Ok(()) => Redirect::to("/payments?msg=saved").into_response(),
        Err(StoreError::Invalid(inv)) => {
            let errors = readable(inv.0.into_map(), &ui);
            let mut r = payments_page(&state, &ui, &[], Some((errors, &form))).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => failure(&ui, e),
    }
}

/// The payments page; after a refused payment (`failed`), with its errors
/// and the form as typed, so that nothing has to be typed again.
async fn payments_page(
    state: &AppState,
    ui: &Ui,
    q: &[(String, String)],
    failed: Option<(BTreeMap<String, String>, &Fields)>,
) -> Response {
    let (errors, typed) = match failed {
        Some((errors, form)) => (Some(errors), Some(form)),
        None => (None, None),
    };
    let typed = |k: &str| typed.and_then(|f| f.get(k));
    let mut params: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| ["cursor", "direction"].contains(&k.as_str()) && !v.is_empty())
        .cloned()
        .collect();
    params.push(("limit".into(), "50".into()));
    params.push(("sort".into(), "-paid_on".into()));
    let list = match payments::list(&state.db, &ui.actor, &params).await {
        Ok(p) => p,
        Err(e) => return failure(ui, e),
    };
    let base = match voronka_store::company::read_base_currency(&state.db).await {
        Ok(b) => b,
        Err(e) => return failure(ui, e),
    };
    let t = |k: &str| ui.tr.t(k);
    let mut names = BTreeMap::new();
    for p in &list.items {
        if let Some(id) = p.account_id
            && let Ok(a) = rules::get::<Account>(&state.db, &ui.actor, id).await
        {
            names.insert(p.id, (a.data.name, format!("/accounts/{id}")));
        }
    }
    let msg = q.iter().find(|(k, _)| k == "msg").map(|(_, v)| v.as_str());
    let body = html! {
        (flash(ui, msg))
        details.card open[errors.is_some()] {
            summary { (t("action-new-payment")) }
            @if let Some(errors) = &errors {
                div.flash.error role="alert" { ul { @for (k, v) in errors { li { (k) ": " (v) } } } }
            }
            form method="post" action="/payments" {
                (csrf(ui))
                div.grid2 {
                    div.field { label for="p-direction" { (t("field-direction")) }
                        select #p-direction name="direction" { @for d in ["incoming", "outgoing"] {
                            option value=(d) selected[typed("direction") == Some(d)] { (ui.tr.label("payment-direction", d)) } } } }
                    div.field { label for="p-account" { (t("field-account_id")) }
                        input #p-account name="account_id" list="dl-p-account" autocomplete="off" required value=(typed("account_id").unwrap_or(""))
                            hx-get="/options/accounts" hx-trigger="input changed delay:200ms" hx-target="#dl-p-account" hx-swap="innerHTML";
                        datalist #dl-p-account {} }
                    div.field { label for="p-amount" { (t("field-amount")) }
                        input #p-amount name="amount" inputmode="decimal" required value=(typed("amount").unwrap_or("")); }
                    div.field { label for="p-currency" { (t("field-currency")) }
                        input #p-currency name="currency" value=(typed("currency").unwrap_or(base.as_str())) size="4" maxlength="3"; }
                    div.field { label for="p-date" { (t("field-paid_on")) } (date_input(ui, "p-date", "paid_on", typed("paid_on").unwrap_or(""), None)) }
                    div.field { label for="p-method" { (t("field-method")) }
                        select #p-method name="method" { @for m in ["bank_transfer", "cash", "card", "other"] {
                            option value=(m) selected[typed("method") == Some(m)] { (ui.tr.label("payment-method", m)) } } } }
                    div.field { label for="p-ref" { (t("field-reference")) } input #p-ref name="reference" value=(typed("reference").unwrap_or("")); }
                    div.field { label for="p-desc" { (t("field-description")) } input #p-desc name="description" value=(typed("description").unwrap_or("")); }
                }
                div.formactions { button.primary type="submit" { (t("action-record-payment")) } }
            }
        }
        @if list.items.is_empty() {
            div.card.muted { (t("list-empty")) }
        } @else {
            table.list {
                thead { tr {
                    th scope="col" { (t("field-paid_on")) }
                    th scope="col" { (t("field-direction")) }
                    th scope="col" { (t("field-customer")) }
                    th.optional scope="col" { (t("field-reference")) }
                    th.num scope="col" { (t("field-amount")) }
                    th.num.optional scope="col" { (t("field-unallocated")) }
                } }
                tbody {
                    @for p in &list.items {
                        tr {
                            td { (ui.tr.day(p.paid_on)) }
                            td { (ui.tr.label("payment-direction", p.direction.as_str())) }
                            td { @if let Some((n, link)) = names.get(&p.id) { a href=(link) { (n) } } }
                            td.optional { (p.reference.clone().unwrap_or_default()) }
                            td.num { (money(ui, p.amount, p.currency.as_str())) }
                            td.num.optional { (money(ui, p.unallocated, p.currency.as_str())) }
                        }
                    }
                }
            }
        }
    };
    page(ui, t("nav-payments"), Nav::Payments, None, body)
}

// ---------------------------------------------------------------- the document page

async fn view_quote(
    state: State<AppState>,
    ui: Ui,
    id: Path<Id>,
    q: Query<Vec<(String, String)>>,
) -> Response {
    view(state, ui, id, q, DocKind::Quote).await
}
async fn view_order(
    state: State<AppState>,
    ui: Ui,
    id: Path<Id>,
    q: Query<Vec<(String, String)>>,
) -> Response {
    view(state, ui, id, q, DocKind::Order).await
}
async fn view_invoice(
    state: State<AppState>,
    ui: Ui,
    id: Path<Id>,
    q: Query<Vec<(String, String)>>,
) -> Response {
    view(state, ui, id, q, DocKind::Invoice).await
}

/// The buttons a status allows: (action, label key, style).
fn actions_for(s: DocStatus) -> Vec<(&'static str, &'static str, &'static str)> {
    use voronka_core::documents::{InvoiceStatus as I, OrderStatus as O, QuoteStatus as Q};
    match s {
        DocStatus::Quote(Q::Draft) => vec![("activate", "action-activate", "primary")],
        DocStatus::Quote(Q::Active) => vec![
            ("win", "action-win", "won"),
            ("lose", "action-lose", ""),
            ("revise", "action-revise", ""),
        ],
        DocStatus::Quote(Q::Lost) => vec![("revise", "action-revise", "")],
        DocStatus::Order(O::Created) => vec![
            ("approve", "action-approve", "primary"),
            ("cancel", "action-cancel-doc", "danger"),
        ],
        DocStatus::Order(O::Approved) => vec![
            ("ship", "action-ship", "primary"),
            ("cancel", "action-cancel-doc", "danger"),
        ],
        DocStatus::Invoice(I::Draft) => vec![
            ("send", "action-send", "primary"),
            ("cancel", "action-cancel-doc", "danger"),
        ],
        DocStatus::Invoice(I::Sent) => vec![("cancel", "action-cancel-doc", "danger")],
        _ => vec![],
    }
}

async fn view(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<Id>,
    Query(q): Query<Vec<(String, String)>>,
    kind: DocKind,
) -> Response {
    let doc = match documents::get(&state.db, &ui.actor, kind, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    let msg = q
        .iter()
        .find(|(key, _)| key == "msg")
        .map(|(_, v)| v.as_str());
    render_doc(&state, &ui, &doc, msg, None, None, None).await
}

async fn render_doc(
    state: &AppState,
    ui: &Ui,
    doc: &Document,
    msg: Option<&str>,
    error: Option<String>,
    form_errors: Option<BTreeMap<String, String>>,
    typed: Option<&Fields>,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let url = format!("/{}/{}", path_of(doc.kind), doc.id);
    let customer = customer_name(state, ui, doc).await;
    let choices = if doc.status.editable() {
        editor_choices(state).await
    } else {
        EditorChoices::default()
    };
    let deal = match doc.deal_id {
        Some(d) => rules::get::<Deal>(&state.db, &ui.actor, d).await.ok(),
        None => None,
    };
    let cur = doc.currency.as_str();
    let actions = html! {
        @for (action, label, style) in actions_for(doc.status) {
            form method="post" action=(format!("{url}/do/{action}")) {
                (csrf(ui))
                button.primary[style == "primary"].won[style == "won"].danger[style == "danger"] type="submit" { (t(label)) }
            }
        }
        @if matches!(doc.status.as_str(), "active" | "won" | "approved" | "shipped" | "created") && doc.kind != DocKind::Invoice {
            form method="post" action=(format!("{url}/new-invoice")) { (csrf(ui)) button type="submit" { (t("action-new-invoice")) } }
        }
        @if doc.kind == DocKind::Quote || (doc.kind == DocKind::Invoice && doc.number.is_some()) {
            a.btn href=(format!("{url}/print")) target="_blank" rel="noopener" { (t("action-print")) }
        }
        @if doc.status.editable() && doc.number.is_none() || doc.status.as_str() == "draft" {
            form method="post" action=(format!("{url}/remove")) data-confirm=(ui.tr.t1("confirm-delete", "name", doc_name(ui, doc))) {
                (csrf(ui)) button.danger type="submit" { (t("action-delete")) }
            }
        }
    };
    let invoice_extra = if doc.kind == DocKind::Invoice {
        invoice_sections(state, ui, doc, typed).await
    } else {
        html! {}
    };
    let body = html! {
        (flash(ui, msg))
        @if let Some(e) = &error { div.flash.error role="alert" { (e) } }
        p {
            span.badge.won[matches!(doc.status.as_str(), "won" | "paid" | "shipped")] .lost[matches!(doc.status.as_str(), "lost" | "canceled")] { (status_label(ui, doc.status)) }
            " " strong { (money(ui, doc.total, cur)) }
            @if let Some((n, link)) = &customer { " · " a href=(link) { (n) } }
            @if let Some(d) = &deal { " · " span.muted { (t("field-deal_id")) ": " } a href=(format!("/deals/{}", d.id)) { (d.data.title) } }
            @if let Some(qid) = doc.quote_id { " · " a href=(format!("/quotes/{qid}")) { (t("doc-quote")) } }
            @if let Some(oid) = doc.order_id { " · " a href=(format!("/orders/{oid}")) { (t("doc-order")) } }
            @if let Some(pid) = doc.previous_id { " · " a href=(format!("/quotes/{pid}")) { (t("doc-previous-revision")) } }
        }
        @if doc.status.editable() {
            (editor(ui, doc, &url, form_errors.unwrap_or_default(), &choices))
        } @else {
            section.card {
                p.muted { (t("doc-read-only")) }
                (header_view(ui, doc))
                (lines_table(ui, &doc.lines, cur))
                (totals_view(ui, doc.net, doc.vat, doc.total, Some((doc.cost, doc.gross_profit)), cur))
            }
        }
        (invoice_extra)
    };
    page(ui, doc_name(ui, doc), nav_of(doc.kind), Some(actions), body)
}

fn header_view(ui: &Ui, doc: &Document) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    html! {
        dl.fields {
            dt { (t("field-doc_date")) } dd { (ui.tr.day(doc.doc_date)) }
            @if let Some(v) = doc.valid_until { dt { (t("field-valid_until")) } dd { (ui.tr.day(v)) } }
            @if let Some(v) = doc.due_date { dt { (t("field-due_date")) } dd { (ui.tr.day(v)) } }
            dt { (t("field-tax_mode")) } dd { (ui.tr.label("tax-mode", doc.tax_mode.as_str())) }
            @if let Some(terms) = &doc.terms { dt { (t("field-terms")) } dd { (terms) } }
            @if let Some(p) = &doc.payer { @if let Some(n) = p["name"].as_str() {
                dt { (t("field-payer")) } dd { (n) @if let Some(inn) = p["inn"].as_str() { " · " (t("field-inn")) " " (inn) } }
            } }
        }
    }
}

fn lines_table(ui: &Ui, lines: &[Line], cur: &str) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    html! {
        table.list {
            thead { tr {
                th scope="col" { "№" }
                th scope="col" { (t("col-product")) }
                th.num scope="col" { (t("col-quantity")) }
                th.num scope="col" { (t("col-price")) }
                th.num.optional scope="col" { (t("col-discount")) }
                th.num.optional scope="col" { (t("col-vat")) }
                th.num scope="col" { (t("totals-total")) }
            } }
            tbody {
                @for (i, l) in lines.iter().enumerate() {
                    tr {
                        td { (i + 1) }
                        td { (l.name) }
                        td.num { (ui.tr.number(l.quantity, l.quantity.scale())) " " (unit_name(ui, &l.unit_code)) }
                        td.num { (money(ui, l.unit_price, cur)) }
                        td.num.optional { @if !l.discount_amount.is_zero() { (money(ui, l.discount_amount, cur)) } }
                        td.num.optional { (vat_label(ui, l.vat_rate)) " · " (money(ui, l.vat, cur)) }
                        td.num { (money(ui, l.total, cur)) }
                    }
                }
            }
        }
    }
}

fn vat_label(ui: &Ui, r: voronka_core::vat::VatRate) -> String {
    match r {
        voronka_core::vat::VatRate::None => ui.tr.t("vat-none"),
        voronka_core::vat::VatRate::Percent(p) => format!("{p}%"),
    }
}

fn unit_name(ui: &Ui, code: &str) -> String {
    let key = format!("unit-{code}");
    if ui.tr.has(&key) {
        ui.tr.t(&key)
    } else {
        code.to_owned()
    }
}

fn totals_view(
    ui: &Ui,
    net: Decimal,
    vat: Decimal,
    total: Decimal,
    profit: Option<(Decimal, Decimal)>,
    cur: &str,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    html! {
        dl.fields.totals #totals aria-live="polite" {
            dt { (t("totals-net")) } dd.num { (money(ui, net, cur)) }
            dt { (t("totals-vat")) } dd.num { (money(ui, vat, cur)) }
            dt { strong { (t("totals-total")) } } dd.num { strong { (money(ui, total, cur)) } }
            @if let Some((cost, gp)) = profit {
                dt { (t("totals-cost")) } dd.num { (money(ui, cost, cur)) }
                dt { (t("totals-gross-profit")) } dd.num { (money(ui, gp, cur)) }
            }
        }
    }
}

/// Rows a user may fill in beyond the existing lines (works without JavaScript).
const BLANK_ROWS: usize = 3;

fn discount_text(ui: &Ui, d: Option<voronka_core::pricing::Discount>) -> String {
    use voronka_core::pricing::Discount;
    match d {
        None => String::new(),
        Some(Discount::Percent(p)) => {
            format!("{}%", ui.tr.number(p.normalize(), p.normalize().scale()))
        }
        Some(Discount::Amount(a)) => ui.tr.number(a, 2),
    }
}

fn plain(ui: &Ui, d: Decimal) -> String {
    // Inputs carry numbers without group separators, with the locale's point.
    let s = d.normalize().to_string();
    if ui.tr.locale.as_str() == "ru" {
        s.replace('.', ",")
    } else {
        s
    }
}

/// The line editor of a draft: header fields, lines, live totals.
fn editor(
    ui: &Ui,
    doc: &Document,
    url: &str,
    errors: BTreeMap<String, String>,
    choices: &EditorChoices,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let cur = doc.currency.as_str();
    html! {
        form.card method="post" action=(format!("{url}/save"))
            hx-post=(format!("{url}/preview")) hx-trigger="change" hx-target="#totals" hx-swap="outerHTML" {
            (csrf(ui))
            @if !errors.is_empty() {
                div.flash.error role="alert" { ul { @for (k, v) in &errors { li { (k) ": " (v) } } } }
            }
            div.grid2 {
                div.field { label for="d-title" { (t("field-title")) } input #d-title name="title" value=(doc.title); }
                div.field { label for="d-date" { (t("field-doc_date")) } (date_input(ui, "d-date", "doc_date", &ui.tr.day(doc.doc_date), None)) }
                @if doc.kind == DocKind::Quote {
                    div.field { label for="d-valid" { (t("field-valid_until")) } (date_input(ui, "d-valid", "valid_until", &doc.valid_until.map(|d| ui.tr.day(d)).unwrap_or_default(), None)) }
                }
                @if doc.kind == DocKind::Invoice {
                    div.field { label for="d-due" { (t("field-due_date")) } (date_input(ui, "d-due", "due_date", &doc.due_date.map(|d| ui.tr.day(d)).unwrap_or_default(), None)) }
                }
                div.field { label for="d-mode" { (t("field-tax_mode")) }
                    select #d-mode name="tax_mode" { @for m in ["individual", "group", "inclusive"] { option value=(m) selected[doc.tax_mode.as_str() == m] { (ui.tr.label("tax-mode", m)) } } } }
                div.field { label for="d-discount" { (t("field-discount")) } input #d-discount name="discount" value=(discount_text(ui, doc.discount)) placeholder="10% / 500"; }
                div.field { label for="d-shipping" { (t("field-shipping")) } input #d-shipping name="shipping" inputmode="decimal" value=(if doc.shipping.is_zero() { String::new() } else { plain(ui, doc.shipping) }); }
            }
            (line_rows(ui, &doc.lines, choices))
            div.field { label for="d-terms" { (t("field-terms")) } textarea #d-terms name="terms" { (doc.terms.clone().unwrap_or_default()) } }
            (totals_view(ui, doc.net, doc.vat, doc.total, Some((doc.cost, doc.gross_profit)), cur))
            div.formactions { button.primary type="submit" { (t("action-save")) } }
        }
    }
}

/// What a line editor offers: active products ("Name #id" while typing) and units.
#[derive(Default)]
struct EditorChoices {
    products: Vec<(Id, String, String, Decimal, voronka_core::money::Currency)>,
    units: Vec<voronka_core::records::Unit>,
}

async fn editor_choices(state: &AppState) -> EditorChoices {
    let units = match state.db.reader().await {
        Ok(mut r) => voronka_store::catalog::units(&mut r)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    EditorChoices {
        products: documents::product_choices(&state.db)
            .await
            .unwrap_or_default(),
        units,
    }
}

/// Line inputs: the existing lines and a few blank rows. The product field
/// takes free text (a line of its own) or a catalog product picked from the
/// list ("Name #id"), whose name, unit, price and VAT rate then apply.
fn line_rows(ui: &Ui, lines: &[Line], choices: &EditorChoices) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let unit_label = |u: &voronka_core::records::Unit| {
        if ui.tr.locale.as_str() == "ru" {
            u.name_ru.clone()
        } else {
            u.name_en.clone()
        }
    };
    html! {
        datalist #dl-products {
            @for (id, name, _, price, cur) in &choices.products {
                option value=(format!("{name} #{id}")) { (money(ui, *price, cur.as_str())) }
            }
        }
        table.list.lines {
            thead { tr {
                th scope="col" { (t("col-product")) }
                th scope="col" { (t("col-quantity")) }
                th.optional scope="col" { (t("col-unit")) }
                th scope="col" { (t("col-price")) }
                th scope="col" { (t("col-discount")) }
                th scope="col" { (t("col-vat")) }
            } }
            tbody {
                @for i in 0..(lines.len() + BLANK_ROWS) {
                    @let l = lines.get(i);
                    tr {
                        td {
                            input type="hidden" name="line_product" value=(l.and_then(|l| l.product_id).map(|p| p.to_string()).unwrap_or_default());
                            input name="line_name" list="dl-products" autocomplete="off" value=(l.map(|l| l.name.clone()).unwrap_or_default()) aria-label=(format!("{} {}", t("col-product"), i + 1));
                        }
                        td { input name="line_qty" inputmode="decimal" size="6" value=(l.map(|l| plain(ui, l.quantity)).unwrap_or_default()) aria-label=(format!("{} {}", t("col-quantity"), i + 1)); }
                        td.optional {
                            @let current = l.map(|l| l.unit_code.clone()).unwrap_or_default();
                            select name="line_unit" aria-label=(format!("{} {}", t("col-unit"), i + 1)) title=(t("unit-okei-hint")) {
                                option value="" { "—" }
                                @for u in &choices.units { option value=(u.code) selected[u.code == current] { (unit_label(u)) } }
                                @if !current.is_empty() && !choices.units.iter().any(|u| u.code == current) {
                                    option value=(current) selected { (current) }
                                }
                            }
                        }
                        td { input name="line_price" inputmode="decimal" size="10" value=(l.map(|l| plain(ui, l.unit_price)).unwrap_or_default()) aria-label=(format!("{} {}", t("col-price"), i + 1)); }
                        td { input name="line_discount" size="6" value=(discount_text(ui, l.and_then(|l| l.discount))) aria-label=(format!("{} {}", t("col-discount"), i + 1)); }
                        td {
                            select name="line_vat" aria-label=(format!("{} {}", t("col-vat"), i + 1)) {
                                option value="" { "—" }
                                @for r in ["22", "20", "10", "7", "5", "0", "none"] {
                                    option value=(r) selected[l.is_some_and(|l| l.vat_rate.code() == r)] { @if r == "none" { (t("vat-none")) } @else { (r) "%" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A decimal as people type it: spaces as group separators, a comma or a point.
fn parse_decimal(s: &str) -> Option<Decimal> {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    Decimal::from_str(&cleaned).ok()
}

fn discount_json(s: &str, field: &str, errors: &mut BTreeMap<String, String>, ui: &Ui) -> Value {
    let s = s.trim();
    if s.is_empty() {
        return Value::Null;
    }
    let (text, percent) = match s.strip_suffix('%') {
        Some(p) => (p, true),
        None => (s, false),
    };
    match parse_decimal(text) {
        Some(d) if percent => json!({"percent": d.to_string()}),
        Some(d) => json!({"amount": d.to_string()}),
        None => {
            errors.insert(field.to_owned(), ui.tr.t("error-not-a-number"));
            Value::Null
        }
    }
}

/// The form as the store's JSON: header fields and the filled-in lines.
fn document_json<'a>(
    ui: &Ui,
    form: &'a Fields,
    kind: Option<DocKind>,
) -> Result<Value, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut body = Map::new();
    let text = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty());
    // Days are typed in the user's format; a bad one is named beside its field.
    let day = |k: &str, errors: &mut BTreeMap<String, String>| -> Option<String> {
        let v = text(k)?;
        match ui.tr.parse_day(v) {
            Some(d) => Some(d.to_string()),
            None => {
                errors.insert(k.to_owned(), date_error(ui));
                None
            }
        }
    };
    if kind.is_some() {
        body.insert("title".into(), json!(text("title")));
        body.insert("terms".into(), json!(text("terms")));
        body.insert("doc_date".into(), json!(day("doc_date", &mut errors)));
    }
    if kind == Some(DocKind::Quote) {
        body.insert("valid_until".into(), json!(day("valid_until", &mut errors)));
    }
    if kind == Some(DocKind::Invoice) {
        body.insert("due_date".into(), json!(day("due_date", &mut errors)));
    }
    if let Some(m) = text("tax_mode") {
        body.insert("tax_mode".into(), json!(m));
    }
    if kind.is_some() {
        body.insert(
            "discount".into(),
            discount_json(
                form.get("discount").unwrap_or(""),
                "discount",
                &mut errors,
                ui,
            ),
        );
        let shipping = match text("shipping") {
            None => Decimal::ZERO,
            Some(s) => parse_decimal(s).unwrap_or_else(|| {
                errors.insert("shipping".into(), ui.tr.t("error-not-a-number"));
                Decimal::ZERO
            }),
        };
        body.insert("shipping".into(), json!(shipping.to_string()));
    }
    let col = |k: &str| form.all(k);
    let (products, names, qtys, units, prices, discounts, vats) = (
        col("line_product"),
        col("line_name"),
        col("line_qty"),
        col("line_unit"),
        col("line_price"),
        col("line_discount"),
        col("line_vat"),
    );
    let mut lines = Vec::new();
    for i in 0..names.len() {
        let at = |v: &[&'a str]| -> &'a str { v.get(i).map_or("", |s| s.trim()) };
        // "Name #id" is a product picked from the list; other text names the line.
        let typed = at(&names);
        let picked = typed
            .rsplit_once(" #")
            .and_then(|(_, id)| id.trim().parse::<Id>().ok());
        let product = picked.or_else(|| at(&products).parse::<Id>().ok());
        let name = if picked.is_some() { "" } else { typed };
        let price = at(&prices);
        if product.is_none() && name.is_empty() && price.is_empty() {
            continue;
        }
        let n = lines.len();
        let mut line = Map::new();
        line.insert("product_id".into(), json!(product));
        if !name.is_empty() {
            line.insert("name".into(), json!(name));
        }
        if !at(&units).is_empty() {
            line.insert("unit_code".into(), json!(at(&units)));
        }
        let qty = at(&qtys);
        if !qty.is_empty() {
            match parse_decimal(qty) {
                Some(q) => {
                    line.insert("quantity".into(), json!(q.to_string()));
                }
                None => {
                    errors.insert(
                        format!("lines[{n}].quantity"),
                        ui.tr.t("error-not-a-number"),
                    );
                }
            }
        }
        if !price.is_empty() {
            match parse_decimal(price) {
                Some(p) => {
                    line.insert("unit_price".into(), json!(p.to_string()));
                }
                None => {
                    errors.insert(
                        format!("lines[{n}].unit_price"),
                        ui.tr.t("error-not-a-number"),
                    );
                }
            }
        }
        line.insert(
            "discount".into(),
            discount_json(
                at(&discounts),
                &format!("lines[{n}].discount"),
                &mut errors,
                ui,
            ),
        );
        if !at(&vats).is_empty() {
            line.insert("vat_rate".into(), json!(at(&vats)));
        }
        lines.push(Value::Object(line));
    }
    body.insert("lines".into(), Value::Array(lines));
    if errors.is_empty() {
        Ok(Value::Object(body))
    } else {
        Err(errors)
    }
}

/// Field names people read, with messages already in their language. Line
/// numbers people read start at 1: `lines[0].quantity` → `2. …` is confusing.
fn readable(errors: BTreeMap<String, String>, ui: &Ui) -> BTreeMap<String, String> {
    errors
        .into_iter()
        .map(|(k, v)| {
            let label = match k.strip_prefix("lines[").and_then(|r| r.split_once(']')) {
                Some((n, rest)) => {
                    let line = format!(
                        "{} {}",
                        ui.tr.t("col-line"),
                        n.parse::<usize>().map(|n| n + 1).unwrap_or(0)
                    );
                    match rest.strip_prefix('.') {
                        Some(field) => format!("{line} · {}", line_field(ui, field)),
                        None => line,
                    }
                }
                // A field without a message of its own keeps its name rather
                // than showing the message id.
                None if ui.tr.has(&format!("field-{k}")) => ui.tr.t(&format!("field-{k}")),
                None => k,
            };
            (label, v)
        })
        .collect()
}

/// The column a line's field is typed in, as the editor labels it.
fn line_field(ui: &Ui, field: &str) -> String {
    let key = match field {
        "name" | "product_id" => "col-product",
        "quantity" => "col-quantity",
        "unit_code" => "col-unit",
        "unit_price" => "col-price",
        "discount" => "col-discount",
        "vat" | "vat_rate" => "col-vat",
        other => return other.to_owned(),
    };
    ui.tr.t(key)
}

async fn save(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, form }: Post,
) -> Response {
    let Some(kind) = kind_of(&path) else {
        return failure(&ui, StoreError::NotFound);
    };
    let result = match document_json(&ui, &form, Some(kind)) {
        Ok(body) => documents::update(&state.db, &ui.actor, kind, id, body).await,
        Err(errors) => Err(StoreError::Invalid(voronka_core::Invalid(to_field_errors(
            errors,
        )))),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/{path}/{id}?msg=saved")).into_response(),
        Err(StoreError::Invalid(inv)) => {
            let doc = match documents::get(&state.db, &ui.actor, kind, id).await {
                Ok(d) => d,
                Err(e) => return failure(&ui, e),
            };
            let mut r = render_doc(
                &state,
                &ui,
                &doc,
                None,
                None,
                Some(readable(ui.tr.errors(&inv.0), &ui)),
                None,
            )
            .await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => after(&state, &ui, kind, id, Err(e)).await,
    }
}

fn to_field_errors(errors: BTreeMap<String, String>) -> voronka_core::FieldErrors {
    let mut f = voronka_core::FieldErrors::new();
    for (k, v) in errors {
        f.add(k, v);
    }
    f
}

/// The live totals of the line editor, priced by the server without saving.
async fn preview(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, form }: Post,
) -> Response {
    let Some(kind) = kind_of(&path) else {
        return failure(&ui, StoreError::NotFound);
    };
    let doc = match documents::get(&state.db, &ui.actor, kind, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    preview_markup(&state, &ui, &form, Some(kind), doc.currency.as_str()).await
}

async fn preview_markup(
    state: &AppState,
    ui: &Ui,
    form: &Fields,
    kind: Option<DocKind>,
    cur: &str,
) -> Response {
    let body = match document_json(ui, form, kind) {
        Ok(mut b) => {
            if let Some(m) = b.as_object_mut() {
                m.insert("currency".into(), json!(cur));
            }
            b
        }
        Err(errors) => return preview_errors(ui, errors),
    };
    match documents::preview(&state.db, body).await {
        Ok((data, totals)) => {
            let cost: Decimal = data
                .lines
                .iter()
                .map(|l| {
                    voronka_core::pricing::line_cost(l.quantity, l.unit_cost.unwrap_or_default())
                })
                .sum();
            Html(totals_markup(ui, &totals, cost, cur).into_string()).into_response()
        }
        Err(StoreError::Invalid(inv)) => preview_errors(ui, ui.tr.errors(&inv.0)),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

fn totals_markup(ui: &Ui, totals: &DocTotals, cost: Decimal, cur: &str) -> Markup {
    totals_view(
        ui,
        totals.net,
        totals.vat,
        totals.total,
        Some((cost, totals.net - cost)),
        cur,
    )
}

fn preview_errors(ui: &Ui, errors: BTreeMap<String, String>) -> Response {
    Html(
        html! {
            div.flash.error #totals role="alert" aria-live="polite" {
                ul { @for (k, v) in readable(errors, ui) { li { (k) ": " (v) } } }
            }
        }
        .into_string(),
    )
    .into_response()
}

fn parse_action<T: serde::de::DeserializeOwned>(a: &str) -> Option<T> {
    serde_json::from_value(Value::String(a.to_owned())).ok()
}

async fn act(
    State(state): State<AppState>,
    Path((path, id, action)): Path<(String, Id, String)>,
    Post { ui, .. }: Post,
) -> Response {
    let Some(kind) = kind_of(&path) else {
        return failure(&ui, StoreError::NotFound);
    };
    let result: Result<Option<String>, StoreError> = match Some(kind) {
        Some(DocKind::Quote) => match parse_action(&action) {
            Some(a) => documents::quote_action(&state.db, &ui.actor, id, a)
                .await
                .map(|o| {
                    o.created.map(|c| match a {
                        QuoteAction::Win => format!("/orders/{}", c.id),
                        _ => format!("/quotes/{}", c.id),
                    })
                }),
            None => Err(StoreError::NotFound),
        },
        Some(DocKind::Order) => match parse_action(&action) {
            Some(a) => documents::order_action(&state.db, &ui.actor, id, a)
                .await
                .map(|_| None),
            None => Err(StoreError::NotFound),
        },
        Some(DocKind::Invoice) => match parse_action(&action) {
            Some(a) => documents::invoice_action(&state.db, &ui.actor, id, a)
                .await
                .map(|_| None),
            None => Err(StoreError::NotFound),
        },
        _ => Err(StoreError::NotFound),
    };
    match result {
        Ok(Some(next)) => Redirect::to(&format!("{next}?msg=saved")).into_response(),
        Ok(None) => after(&state, &ui, kind, id, Ok(())).await,
        Err(e) => after(&state, &ui, kind, id, Err(e)).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    let Some(kind) = kind_of(&path) else {
        return failure(&ui, StoreError::NotFound);
    };
    match documents::delete(&state.db, &ui.actor, kind, id).await {
        Ok(()) => Redirect::to(&format!("/{path}?msg=deleted")).into_response(),
        Err(e) => after(&state, &ui, kind, id, Err(e)).await,
    }
}

async fn new_invoice(
    State(state): State<AppState>,
    Path((path, id)): Path<(String, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    let (kind, source) = match kind_of(&path) {
        Some(DocKind::Quote) => (DocKind::Quote, Source::Quote(id)),
        Some(DocKind::Order) => (DocKind::Order, Source::Order(id)),
        _ => return failure(&ui, StoreError::NotFound),
    };
    match documents::create_from(&state.db, &ui.actor, DocKind::Invoice, source, json!({})).await {
        Ok(d) => opened(&d),
        Err(e) => after(&state, &ui, kind, id, Err(e)).await,
    }
}

fn opened(d: &Document) -> Response {
    Redirect::to(&format!("/{}/{}?msg=saved", path_of(d.kind), d.id)).into_response()
}

async fn deal_new_quote(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let kind = match form.get("kind") {
        Some("invoice") => DocKind::Invoice,
        _ => DocKind::Quote,
    };
    match documents::create_from(&state.db, &ui.actor, kind, Source::Deal(id), json!({})).await {
        Ok(d) => opened(&d),
        Err(StoreError::NotFound) => failure(&ui, StoreError::NotFound),
        Err(StoreError::Conflict(_) | StoreError::Invalid(_)) => {
            Redirect::to(&format!("/deals/{id}?error=document")).into_response()
        }
        Err(e) => failure(&ui, e),
    }
}

// ---------------------------------------------------------------- invoices: payments, acts, shipments

/// The payments, deliveries and credit of an issued invoice; `typed` is a
/// refused payment's form, shown again as it was typed.
async fn invoice_sections(
    state: &AppState,
    ui: &Ui,
    doc: &Document,
    typed: Option<&Fields>,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let typed_value = |k: &str| typed.and_then(|f| f.get(k)).unwrap_or("");
    let amount = match typed.and_then(|f| f.get("amount")) {
        Some(a) => a.to_owned(),
        None => plain(ui, doc.balance()),
    };
    let cur = doc.currency.as_str();
    let url = format!("/invoices/{}", doc.id);
    let acts = payments::deliveries(&state.db, &ui.actor, DocKind::Act, doc.id)
        .await
        .unwrap_or_default();
    let shipments = payments::deliveries(&state.db, &ui.actor, DocKind::Shipment, doc.id)
        .await
        .unwrap_or_default();
    let issued = matches!(doc.status.as_str(), "sent" | "partially_paid" | "paid");
    // The customer's payments with something left: applied to this invoice in one click.
    let credit: Vec<voronka_core::records::Payment> = match doc.account_id {
        Some(account) if issued => {
            let params = vec![
                ("account_id".to_owned(), account.to_string()),
                ("direction".to_owned(), "incoming".to_owned()),
                ("currency".to_owned(), cur.to_owned()),
                ("limit".to_owned(), "100".to_owned()),
            ];
            payments::list(&state.db, &ui.actor, &params)
                .await
                .map(|p| p.items)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.unallocated > Decimal::ZERO)
                .collect()
        }
        _ => Vec::new(),
    };
    html! {
        @if issued {
            section.card {
                h2 { (t("section-payments")) }
                p { (t("field-paid")) ": " strong { (money(ui, doc.paid.unwrap_or_default(), cur)) } " · "
                    (t("field-balance")) ": " strong { (money(ui, doc.balance(), cur)) } }
                @if doc.balance() > Decimal::ZERO {
                    @for p in &credit {
                        form.inline method="post" action=(format!("{url}/apply/{}", p.id)) {
                            (csrf(ui))
                            span.muted { (t("field-credit")) ": " (ui.tr.day(p.paid_on)) " · " (money(ui, p.unallocated, cur)) " " }
                            button type="submit" { (t("action-apply-credit")) }
                        }
                    }
                    form.filters method="post" action=(format!("{url}/payment")) {
                        (csrf(ui))
                        label for="pay-amount" { (t("field-amount")) }
                        input #pay-amount name="amount" inputmode="decimal" required size="10" value=(amount);
                        label for="pay-date" { (t("field-paid_on")) }
                        (date_input(ui, "pay-date", "paid_on", typed_value("paid_on"), None))
                        label for="pay-ref" { (t("field-reference")) }
                        input #pay-ref name="reference" size="12" value=(typed_value("reference"));
                        button.primary type="submit" { (t("action-record-payment")) }
                    }
                }
            }
            section.card {
                h2 { (t("section-deliveries")) }
                @for (label, path, list) in [("doc-act", "acts", &acts), ("doc-shipment", "shipments", &shipments)] {
                    @for d in list {
                        p { (t(label)) " № " (d.number) " · " (ui.tr.day(d.doc_date)) " · " (money(ui, d.total, cur))
                            " · " span.muted { (d.lines.iter().map(|l| format!("{} × {}", l.name, ui.tr.number(l.quantity, l.quantity.scale()))).collect::<Vec<_>>().join(", ")) }
                            " · " a href=(format!("/{path}/{}/print", d.id)) target="_blank" rel="noopener" { (t("action-print")) } }
                    }
                }
                // Quantities per line for a partial act or shipment; left
                // empty, the act takes the services left and the shipment the goods.
                form method="post" action=(format!("{url}/deliver/shipment")) {
                    (csrf(ui))
                    table.list.lines {
                        thead { tr {
                            th scope="col" { (t("col-product")) }
                            th.num scope="col" { (t("col-quantity")) }
                            th scope="col" { (t("col-deliver")) }
                        } }
                        tbody {
                            @for (i, l) in doc.lines.iter().enumerate() {
                                tr {
                                    td { (i + 1) ". " (l.name) }
                                    td.num { (ui.tr.number(l.quantity, l.quantity.scale())) " " (unit_name(ui, &l.unit_code)) }
                                    td { input name=(format!("q_{}", l.id)) inputmode="decimal" size="6"
                                        aria-label=(format!("{} {}: {}", t("col-deliver"), i + 1, l.name)); }
                                }
                            }
                        }
                    }
                    div.formactions {
                        button type="submit" formaction=(format!("{url}/deliver/act")) { (t("action-create-act")) }
                        button type="submit" { (t("action-create-shipment")) }
                    }
                }
            }
        }
    }
}

async fn record_payment(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let doc = match documents::get(&state.db, &ui.actor, DocKind::Invoice, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    let Some(amount) = form.get("amount").and_then(parse_decimal) else {
        let e = voronka_core::Invalid::field("amount", ui.tr.t("error-not-a-number"));
        return after_typed(
            &state,
            &ui,
            DocKind::Invoice,
            id,
            Err(e.into()),
            Some(&form),
        )
        .await;
    };
    let text = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty());
    let body = json!({
        "account_id": doc.account_id, "contact_id": doc.contact_id,
        "amount": amount.to_string(), "currency": doc.currency.as_str(),
        "paid_on": text("paid_on").map(|d| iso_day(&ui, d)), "reference": text("reference"),
        "allocations": [{"invoice_id": id}],
    });
    let result = payments::create(&state.db, &ui.actor, body)
        .await
        .map(|_| ());
    after_typed(&state, &ui, DocKind::Invoice, id, result, Some(&form)).await
}

async fn deliver(
    State(state): State<AppState>,
    Path((id, what)): Path<(Id, String)>,
    Post { ui, form }: Post,
) -> Response {
    let kind = match what.as_str() {
        "act" => DocKind::Act,
        "shipment" => DocKind::Shipment,
        _ => return failure(&ui, StoreError::NotFound),
    };
    // `q_{line id}` fields with a quantity make a partial delivery of those lines.
    let mut lines = Vec::new();
    for (k, v) in &form.0 {
        let (Some(line_id), v) = (
            k.strip_prefix("q_").and_then(|id| id.parse::<Id>().ok()),
            v.trim(),
        ) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let Some(quantity) = parse_decimal(v) else {
            let e = voronka_core::Invalid::field("quantity", ui.tr.t("error-not-a-number"));
            return after(&state, &ui, DocKind::Invoice, id, Err(e.into())).await;
        };
        lines.push(voronka_core::records::DeliveryLine { line_id, quantity });
    }
    let req = voronka_core::records::DeliveryData {
        doc_date: None,
        lines: (!lines.is_empty()).then_some(lines),
    };
    let result = payments::deliver(&state.db, &ui.actor, kind, id, req)
        .await
        .map(|_| ());
    after(&state, &ui, DocKind::Invoice, id, result).await
}

// ---------------------------------------------------------------- on the deal and account pages

/// The deal's products (editable), what they add up to, and its documents.
pub async fn deal_section(state: &AppState, ui: &Ui, deal_id: Id) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let Ok(products) = documents::deal_products(&state.db, &ui.actor, deal_id).await else {
        return html! {};
    };
    let choices = editor_choices(state).await;
    let cur = products.currency.as_str().to_owned();
    let mut docs = Vec::new();
    for kind in [DocKind::Quote, DocKind::Order, DocKind::Invoice] {
        let params = vec![
            ("deal_id".to_owned(), deal_id.to_string()),
            ("limit".to_owned(), "20".to_owned()),
        ];
        if let Ok(p) = documents::list(&state.db, &ui.actor, kind, &params).await {
            docs.extend(p.items);
        }
    }
    let url = format!("/deals/{deal_id}/products");
    html! {
        section.card #products {
            h2 { (t("section-products")) }
            form method="post" action=(url) hx-post=(format!("{url}/preview")) hx-trigger="change" hx-target="#totals" hx-swap="outerHTML" {
                (csrf(ui))
                input type="hidden" name="tax_mode" value=(products.tax_mode.as_str());
                (line_rows(ui, &products.lines, &choices))
                (totals_view(ui, products.net, products.vat, products.total, Some((products.cost, products.gross_profit)), &cur))
                div.formactions { button.primary type="submit" { (t("action-save")) } }
            }
        }
        section.card {
            h2 { (t("section-documents")) " " span.muted { (docs.len()) } }
            @if docs.is_empty() { p.muted { (t("list-empty")) } }
            table.list style="border: 0" { tbody {
                @for d in &docs {
                    tr {
                        td { a href=(format!("/{}/{}", path_of(d.kind), d.id)) { (doc_name(ui, d)) } }
                        td { (status_label(ui, d.status)) }
                        td.num { (money(ui, d.total, d.currency.as_str())) }
                    }
                }
            } }
            div.formactions {
                form method="post" action=(format!("/deals/{deal_id}/new-quote")) { (csrf(ui)) button type="submit" { "+ " (t("action-new-quote")) } }
                form method="post" action=(format!("/deals/{deal_id}/new-quote")) { (csrf(ui)) input type="hidden" name="kind" value="invoice"; button type="submit" { "+ " (t("action-new-invoice")) } }
            }
        }
    }
}

async fn save_deal_products(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let url = format!("/deals/{id}");
    let req = match document_json(&ui, &form, None) {
        Ok(v) => {
            voronka_store::table::parse::<documents::SetDealProducts>(v).map_err(StoreError::from)
        }
        Err(errors) => Err(StoreError::Invalid(voronka_core::Invalid(to_field_errors(
            errors,
        )))),
    };
    let result = match req {
        Ok(req) => documents::set_deal_products(&state.db, &ui.actor, id, req)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    // The editor's live totals name each problem as it is typed; a refused
    // save without JavaScript says so in general terms.
    match result {
        Ok(()) => Redirect::to(&format!("{url}?msg=saved#products")).into_response(),
        Err(StoreError::Invalid(_) | StoreError::Conflict(_)) => {
            Redirect::to(&format!("{url}?error=products#products")).into_response()
        }
        Err(e) => failure(&ui, e),
    }
}

async fn preview_deal_products(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, form }: Post,
) -> Response {
    let deal = match rules::get::<Deal>(&state.db, &ui.actor, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    preview_markup(&state, &ui, &form, None, deal.data.currency.as_str()).await
}

/// An account's balance per currency and its invoices.
pub async fn account_section(state: &AppState, ui: &Ui, account_id: Id) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let balances = payments::balance(&state.db, &ui.actor, account_id)
        .await
        .unwrap_or_default();
    let params = vec![
        ("account_id".to_owned(), account_id.to_string()),
        ("limit".to_owned(), "20".to_owned()),
    ];
    let invoices = documents::list(&state.db, &ui.actor, DocKind::Invoice, &params)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    html! {
        section.card {
            h2 { (t("section-balance")) }
            @if balances.is_empty() { p.muted { (t("list-empty")) } }
            @for b in &balances {
                dl.fields {
                    dt { (t("field-invoiced")) } dd.num { (money(ui, b.invoiced, b.currency.as_str())) }
                    dt { (t("field-paid")) } dd.num { (money(ui, b.paid, b.currency.as_str())) }
                    dt { strong { (t("field-balance")) } } dd.num { strong { (money(ui, b.balance, b.currency.as_str())) } }
                    @if !b.credit.is_zero() { dt { (t("field-credit")) } dd.num { (money(ui, b.credit, b.currency.as_str())) } }
                }
            }
            @if !invoices.is_empty() {
                table.list style="border: 0" { tbody {
                    @for d in &invoices {
                        tr {
                            td { a href=(format!("/invoices/{}", d.id)) { (doc_name(ui, d)) } }
                            td { (status_label(ui, d.status)) }
                            td.num { (money(ui, d.total, d.currency.as_str())) }
                        }
                    }
                } }
            }
        }
    }
}

/// Applies what is left of one of the customer's payments to the invoice.
async fn apply_credit(
    State(state): State<AppState>,
    Path((id, payment)): Path<(Id, Id)>,
    Post { ui, .. }: Post,
) -> Response {
    let req = voronka_core::records::AllocationData {
        invoice_id: id,
        amount: None,
    };
    let result = payments::allocate(&state.db, &ui.actor, payment, req)
        .await
        .map(|_| ());
    after(&state, &ui, DocKind::Invoice, id, result).await
}

/// A quote, order or invoice by hand: the customer and a title, then the
/// editor for its lines.
async fn new_quote(state: State<AppState>, post: Post) -> Response {
    new_document(state, post, DocKind::Quote).await
}
async fn new_order(state: State<AppState>, post: Post) -> Response {
    new_document(state, post, DocKind::Order).await
}
async fn new_invoice_by_hand(state: State<AppState>, post: Post) -> Response {
    new_document(state, post, DocKind::Invoice).await
}

async fn new_document(
    State(state): State<AppState>,
    Post { ui, form }: Post,
    kind: DocKind,
) -> Response {
    let path = path_of(kind);
    let account = form
        .get("account_id")
        .and_then(|v| v.rsplit('#').next())
        .and_then(|v| v.trim().parse::<Id>().ok());
    let title = form.get("title").map(str::trim).filter(|t| !t.is_empty());
    let body = json!({"account_id": account, "title": title, "lines": []});
    match documents::create(&state.db, &ui.actor, kind, body).await {
        Ok(d) => opened(&d),
        Err(StoreError::Invalid(_)) => {
            Redirect::to(&format!("/{path}?error=customer")).into_response()
        }
        Err(e) => failure(&ui, e),
    }
}
