//! Printed forms: the quote (коммерческое предложение), the invoice (счёт на
//! оплату), the act of services rendered and the shipment (a simplified
//! ТОРГ-12 товарная накладная), as A4 pages without the application's frame,
//! so the browser's "Print / Save as PDF" gives a clean document.
//!
//! An issued invoice prints the payer's and our details frozen when it was
//! issued, and so do its acts and shipments; a quote (and a draft invoice,
//! marked as such) prints them as they are now. The language is the user's:
//! Russian forms for Russian users, English versions with the amount in
//! English words for English ones.

use super::Ui;
use super::layout::{Nav, Page, render};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use voronka_core::Day;
use voronka_core::money::Currency;
use voronka_core::pricing::{TaxMode, round_money};
use voronka_core::records::{Account, Contact, Delivery, DocKind, Document, Id, Line, Locale};
use voronka_core::vat::VatRate;
use voronka_core::words::{amount_in_words_en, amount_in_words_ru};
use voronka_store::{StoreError, documents, payments, rules};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quotes/{id}/print", get(print_quote))
        .route("/invoices/{id}/print", get(print_invoice))
        .route("/acts/{id}/print", get(print_act))
        .route("/shipments/{id}/print", get(print_shipment))
}

// ---------------------------------------------------------------- handlers

async fn print_quote(State(state): State<AppState>, ui: Ui, Path(id): Path<Id>) -> Response {
    let doc = match documents::get(&state.db, &ui.actor, DocKind::Quote, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    let seller = match documents::seller_details(&state.db).await {
        Ok(s) => s,
        Err(e) => return failure(&ui, e),
    };
    let customer = live_payer(&state, &ui, &doc).await;
    let body = quote_form(&ui, &doc, &seller, &customer);
    sheet(
        &ui,
        &title_of(&ui, "print-quote", &quote_number(&doc), doc.doc_date),
        &format!("/quotes/{id}"),
        body,
    )
}

async fn print_invoice(State(state): State<AppState>, ui: Ui, Path(id): Path<Id>) -> Response {
    let doc = match documents::get(&state.db, &ui.actor, DocKind::Invoice, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    let (seller, payer) = match parties(&state, &ui, &doc).await {
        Ok(p) => p,
        Err(e) => return failure(&ui, e),
    };
    let number = doc.number.clone().unwrap_or_default();
    let body = invoice_form(&ui, &doc, &seller, &payer);
    sheet(
        &ui,
        &title_of(&ui, "print-invoice", &number, doc.doc_date),
        &format!("/invoices/{id}"),
        body,
    )
}

async fn print_act(state: State<AppState>, ui: Ui, id: Path<Id>) -> Response {
    print_delivery(state, ui, id, DocKind::Act).await
}

async fn print_shipment(state: State<AppState>, ui: Ui, id: Path<Id>) -> Response {
    print_delivery(state, ui, id, DocKind::Shipment).await
}

async fn print_delivery(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<Id>,
    kind: DocKind,
) -> Response {
    let delivery = match payments::get_delivery(&state.db, &ui.actor, kind, id).await {
        Ok(d) => d,
        Err(e) => return failure(&ui, e),
    };
    let invoice =
        match documents::get(&state.db, &ui.actor, DocKind::Invoice, delivery.invoice_id).await {
            Ok(d) => d,
            Err(e) => return failure(&ui, e),
        };
    let (seller, payer) = match parties(&state, &ui, &invoice).await {
        Ok(p) => p,
        Err(e) => return failure(&ui, e),
    };
    let back = format!("/invoices/{}", invoice.id);
    match kind {
        DocKind::Act => {
            let title = title_of(&ui, "print-act", &delivery.number, delivery.doc_date);
            let body = act_form(&ui, &delivery, &invoice, &seller, &payer);
            sheet(&ui, &title, &back, body)
        }
        _ => {
            let title = title_of(&ui, "print-shipment", &delivery.number, delivery.doc_date);
            let body = shipment_form(&ui, &delivery, &invoice, &seller, &payer);
            sheet(&ui, &title, &back, body)
        }
    }
}

fn failure(ui: &Ui, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => {
            let page = Page {
                title: ui.tr.t("error-not-found"),
                nav: Nav::None,
                actions: None,
                body: html! { div.card { (ui.tr.t("error-not-found")) } },
            };
            (StatusCode::NOT_FOUND, Html(render(ui, page).into_string())).into_response()
        }
        other => crate::error::ApiError::from(other).into_response(),
    }
}

/// Our details and the payer's: frozen on an issued invoice, as they are now
/// on a draft.
async fn parties(state: &AppState, ui: &Ui, doc: &Document) -> Result<(Value, Value), StoreError> {
    let seller = match doc.seller.clone().filter(|v| !v.is_null()) {
        Some(s) => s,
        None => documents::seller_details(&state.db).await?,
    };
    let payer = match doc.payer.clone().filter(|v| !v.is_null()) {
        Some(p) => p,
        None => live_payer(state, ui, doc).await,
    };
    Ok((seller, payer))
}

/// The customer's details as they are now, in the shape an invoice freezes.
async fn live_payer(state: &AppState, ui: &Ui, doc: &Document) -> Value {
    if let Some(id) = doc.account_id
        && let Ok(a) = rules::get::<Account>(&state.db, &ui.actor, id).await
    {
        let d = &a.data;
        return json!({
            "account_id": a.id, "name": d.name, "inn": d.inn, "kpp": d.kpp, "ogrn": d.ogrn,
            "legal_address": d.legal_address, "bank_name": d.bank_name, "bic": d.bic,
            "settlement_account": d.settlement_account,
            "correspondent_account": d.correspondent_account,
        });
    }
    if let Some(id) = doc.contact_id
        && let Ok(c) = rules::get::<Contact>(&state.db, &ui.actor, id).await
    {
        return json!({"contact_id": c.id, "name": c.display_name()});
    }
    Value::Null
}

// ---------------------------------------------------------------- formatting

/// A non-empty text field of a details object.
fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn name_of(v: &Value) -> &str {
    s(v, "legal_name").or_else(|| s(v, "name")).unwrap_or("")
}

/// "ООО «Вектор», ИНН 7701234567, КПП 770101001, адрес, тел. …"; with the
/// bank account for a consignor or a supplier on a waybill.
fn party_line(ui: &Ui, v: &Value, with_bank: bool) -> String {
    let t = |k: &str| ui.tr.t(k);
    let mut parts: Vec<String> = Vec::new();
    let name = name_of(v);
    if !name.is_empty() {
        parts.push(name.to_owned());
    }
    if let Some(inn) = s(v, "inn") {
        parts.push(format!("{} {inn}", t("print-inn")));
    }
    if let Some(kpp) = s(v, "kpp") {
        parts.push(format!("{} {kpp}", t("print-kpp")));
    }
    if let Some(a) = s(v, "legal_address") {
        parts.push(a.to_owned());
    }
    if let Some(p) = s(v, "phone") {
        parts.push(format!("{} {}", t("print-phone"), p.replace(' ', "\u{a0}")));
    }
    if with_bank {
        if let Some(acc) = s(v, "settlement_account") {
            parts.push(format!("{} {acc}", t("print-rs")));
        }
        if let Some(bank) = s(v, "bank_name") {
            parts.push(format!("{} {bank}", t("print-in-bank")));
        }
        if let Some(bic) = s(v, "bic") {
            parts.push(format!("{} {bic}", t("print-bic")));
        }
        if let Some(ks) = s(v, "correspondent_account") {
            parts.push(format!("{} {ks}", t("print-ks")));
        }
    }
    parts.join(", ")
}

const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "23 ноября 2026 г." / "23 November 2026", as documents are dated.
fn long_date(ui: &Ui, d: Day) -> String {
    let date = d.inner();
    let m = usize::from(u8::from(date.month())).saturating_sub(1);
    match ui.tr.locale {
        Locale::Ru => format!(
            "{} {} {} г.",
            date.day(),
            MONTHS_RU.get(m).unwrap_or(&""),
            date.year()
        ),
        Locale::En => format!(
            "{} {} {}",
            date.day(),
            MONTHS_EN.get(m).unwrap_or(&""),
            date.year()
        ),
    }
}

/// "Счёт на оплату № 2026-00001 от 23 ноября 2026 г."
fn title_of(ui: &Ui, kind_key: &str, number: &str, date: Day) -> String {
    let no = if number.is_empty() {
        String::new()
    } else {
        format!(" {} {number}", ui.tr.t("print-no"))
    };
    format!(
        "{}{no} {} {}",
        ui.tr.t(kind_key),
        ui.tr.t("print-dated"),
        long_date(ui, date)
    )
}

fn quote_number(doc: &Document) -> String {
    match (&doc.number, doc.revision) {
        (Some(n), Some(r)) if r > 1 => format!("{n}-{r}"),
        (Some(n), _) => n.clone(),
        (None, _) => String::new(),
    }
}

fn num(ui: &Ui, d: Decimal) -> String {
    ui.tr.number(d, 2)
}

fn qty(ui: &Ui, d: Decimal) -> String {
    let d = d.normalize();
    ui.tr.number(d, d.scale())
}

/// "1 234,56 руб." in Russian; "₽1,234.56" in English.
fn sum_text(ui: &Ui, d: Decimal, cur: &Currency) -> String {
    match (ui.tr.locale, cur.as_str()) {
        (Locale::Ru, "RUB") => format!("{}\u{a0}руб.", num(ui, d)),
        (Locale::Ru, other) => format!("{}\u{a0}{other}", num(ui, d)),
        (Locale::En, other) => ui.tr.money(d, other),
    }
}

fn in_words(ui: &Ui, d: Decimal, cur: &Currency) -> String {
    match ui.tr.locale {
        Locale::Ru => amount_in_words_ru(d, cur),
        Locale::En => amount_in_words_en(d, cur),
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

fn rate_label(ui: &Ui, r: VatRate) -> String {
    match r {
        VatRate::None => ui.tr.t("print-no-vat"),
        VatRate::Percent(p) => format!("{p}%"),
    }
}

/// A printed row: what the line's figures become on paper.
struct Row {
    name: String,
    unit_code: String,
    quantity: Decimal,
    /// In the document's own terms (with VAT when prices include it).
    price: Decimal,
    /// The line after discounts, in the same terms.
    sum: Decimal,
    price_net: Decimal,
    net: Decimal,
    rate: VatRate,
    vat: Decimal,
    total: Decimal,
}

/// The price to print beside a sum: the unit price when quantity × price
/// makes the sum, else the sum per unit (a discount was applied).
fn shown_price(quantity: Decimal, unit_price: Decimal, sum: Decimal) -> Decimal {
    if quantity.is_zero() {
        return unit_price;
    }
    let plain = quantity.checked_mul(unit_price).map(round_money);
    if plain == Some(sum) {
        unit_price
    } else {
        sum.checked_div(quantity)
            .map(round_money)
            .unwrap_or(unit_price)
    }
}

fn rows(ui: &Ui, doc: &Document, lines: &[Line], with_shipping: bool) -> Vec<Row> {
    let inclusive = doc.tax_mode == TaxMode::Inclusive;
    let rate_of = |l: &Line| {
        if doc.tax_mode == TaxMode::Group {
            doc.group_vat
        } else {
            l.vat_rate
        }
    };
    let mut out: Vec<Row> = lines
        .iter()
        .map(|l| {
            let sum = if inclusive { l.total } else { l.net };
            Row {
                name: l.name.clone(),
                unit_code: l.unit_code.clone(),
                quantity: l.quantity,
                price: shown_price(l.quantity, l.unit_price, sum),
                sum,
                price_net: shown_price(
                    l.quantity,
                    if inclusive {
                        Decimal::ZERO
                    } else {
                        l.unit_price
                    },
                    l.net,
                ),
                net: l.net,
                rate: rate_of(l),
                vat: l.vat,
                total: l.total,
            }
        })
        .collect();
    if with_shipping && !doc.shipping.is_zero() {
        // The document's totals include shipping; on paper it is a line of its own.
        let (net_lines, vat_lines): (Decimal, Decimal) = lines
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(n, v), l| {
                (n + l.net, v + l.vat)
            });
        let net = doc.net - net_lines;
        let vat = doc.vat - vat_lines;
        out.push(Row {
            name: ui.tr.t("print-shipping"),
            unit_code: "876".into(),
            quantity: Decimal::ONE,
            price: doc.shipping,
            sum: doc.shipping,
            price_net: net,
            net,
            rate: doc.shipping_vat,
            vat,
            total: net + vat,
        });
    }
    out
}

/// Whether nothing on the document carries VAT (a simplified-regime seller).
fn without_vat(rows: &[Row], vat: Decimal) -> bool {
    vat.is_zero() && rows.iter().all(|r| r.rate == VatRate::None)
}

// ---------------------------------------------------------------- the page

const PRINT_CSS: &str = r#"
@page { size: A4; margin: 12mm 12mm 14mm 18mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font: 10pt/1.35 Arial, "Liberation Sans", Helvetica, sans-serif; color: #000; background: #e8eaed; }
.toolbar { display: flex; gap: 12px; align-items: center; justify-content: center; padding: 10px; font-size: 11pt; }
.toolbar button { font: inherit; padding: 6px 16px; cursor: pointer; border: 1px solid #2f6fed; background: #2f6fed; color: #fff; border-radius: 6px; }
.toolbar a { color: #2f6fed; }
.sheet { width: 210mm; min-height: 297mm; margin: 0 auto 24px; padding: 12mm 12mm 14mm 18mm; background: #fff; box-shadow: 0 1px 6px rgba(0,0,0,.25); }
h1 { font-size: 14pt; margin: 14px 0 10px; padding-bottom: 6px; border-bottom: 2px solid #000; }
h1.center { text-align: center; border: 0; }
table { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; }
table.grid th { font-weight: bold; text-align: center; background: #f3f3f3; }
table.bank td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; }
table.bank small { font-size: 8pt; }
table.bank td.nw { white-space: nowrap; width: 1%; }
table.parties td { padding: 3px 4px; vertical-align: top; }
table.parties td.label { width: 30mm; white-space: nowrap; }
table.totals { width: auto; margin: 6px 0 0 auto; }
table.totals td { padding: 1px 4px; font-weight: bold; text-align: right; }
.num { text-align: right; white-space: nowrap; }
.center { text-align: center; }
.words { font-weight: bold; margin: 2px 0 10px; }
.rule { border-bottom: 2px solid #000; margin: 10px 0; }
.muted { color: #555; }
.draft { border: 2px solid #b00; color: #b00; font-weight: bold; padding: 4px 8px; display: inline-block; }
.signs { display: flex; gap: 12mm; margin-top: 18px; }
.signs > div { flex: 1; min-width: 0; }
.sign { display: flex; align-items: flex-end; gap: 4px; margin: 12px 0 0; }
.sign strong, .sign .name { white-space: nowrap; }
.sign .line { flex: 1; min-width: 15mm; border-bottom: 1px solid #000; height: 1em; }
.stamp { margin-top: 8px; }
.pre { white-space: pre-line; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
@media print {
  body { background: #fff; }
  .noprint { display: none; }
  .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
"#;

fn sheet(ui: &Ui, title: &str, back: &str, body: Markup) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang=(ui.tr.locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(PRINT_CSS)) }
            }
            body {
                div.toolbar.noprint {
                    a href=(back) { (ui.tr.t("print-back")) }
                    button type="button" onclick="window.print()" { (ui.tr.t("action-print")) }
                }
                main.sheet { (body) }
            }
        }
    };
    Html(page.into_string()).into_response()
}

/// Items table of an invoice, an act or a quote.
fn items_table(ui: &Ui, rows: &[Row], name_key: &str) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    html! {
        table.grid {
            thead { tr {
                th { (t("print-no")) }
                th { (t(name_key)) }
                th { (t("print-col-qty")) }
                th { (t("print-col-unit")) }
                th { (t("print-col-price")) }
                th { (t("print-col-sum")) }
            } }
            tbody {
                @for (i, r) in rows.iter().enumerate() {
                    tr {
                        td.center { (i + 1) }
                        td { (r.name) }
                        td.num { (qty(ui, r.quantity)) }
                        td { (unit_name(ui, &r.unit_code)) }
                        td.num { (num(ui, r.price)) }
                        td.num { (num(ui, r.sum)) }
                    }
                }
            }
        }
    }
}

/// Итого / В том числе НДС (or Сумма НДС, or Без НДС) / Всего к оплате.
fn totals_block(
    ui: &Ui,
    doc: &Document,
    rows: &[Row],
    vat: Decimal,
    total: Decimal,
    last_key: &str,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let inclusive = doc.tax_mode == TaxMode::Inclusive;
    let subtotal: Decimal = rows.iter().map(|r| r.sum).sum();
    html! {
        table.totals {
            tr { td { (t("print-subtotal")) ":" } td.num { (num(ui, subtotal)) } }
            @if without_vat(rows, vat) {
                tr { td { (t("print-no-vat")) } td.num { "—" } }
            } @else if inclusive {
                tr { td { (t("print-vat-included")) ":" } td.num { (num(ui, vat)) } }
            } @else {
                tr { td { (t("print-vat-added")) ":" } td.num { (num(ui, vat)) } }
            }
            tr { td { (t(last_key)) ":" } td.num { (num(ui, total)) } }
        }
    }
}

fn sign(ui: &Ui, role_key: &str, name: Option<&str>) -> Markup {
    html! {
        div.sign {
            strong { (ui.tr.t(role_key)) }
            span.line { }
            @if let Some(n) = name { span.name { "/ " (n) " /" } } @else { span.line { } }
        }
    }
}

// ---------------------------------------------------------------- the forms

fn invoice_form(ui: &Ui, doc: &Document, seller: &Value, payer: &Value) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let cur = &doc.currency;
    let rows = rows(ui, doc, &doc.lines, true);
    let title = title_of(
        ui,
        "print-invoice",
        doc.number.as_deref().unwrap_or(""),
        doc.doc_date,
    );
    let dash = |o: Option<&str>| o.unwrap_or("").to_owned();
    html! {
        @if doc.number.is_none() { p { span.draft { (t("print-draft")) } } }
        table.bank {
            tr {
                td colspan="2" rowspan="2" style="width: 62%" {
                    (dash(s(seller, "bank_name"))) br; small { (t("print-bank")) }
                }
                td.nw { (t("print-bic")) }
                td { (dash(s(seller, "bic"))) }
            }
            tr {
                td.nw { (t("print-account-no")) }
                td { (dash(s(seller, "correspondent_account"))) }
            }
            tr {
                td { (t("print-inn")) " " (dash(s(seller, "inn"))) }
                td { (t("print-kpp")) " " (dash(s(seller, "kpp"))) }
                td.nw rowspan="2" { (t("print-account-no")) }
                td rowspan="2" { (dash(s(seller, "settlement_account"))) }
            }
            tr {
                td colspan="2" { (name_of(seller)) br; small { (t("print-recipient")) } }
            }
        }
        h1 { (title) }
        table.parties {
            tr { td.label { (t("print-supplier")) ":" } td { strong { (party_line(ui, seller, false)) } } }
            tr { td.label { (t("print-buyer")) ":" } td { strong { (party_line(ui, payer, false)) } } }
        }
        (items_table(ui, &rows, "print-col-goods"))
        (totals_block(ui, doc, &rows, doc.vat, doc.total, "print-to-pay"))
        p { (ui.tr.t1("print-invoice-items", "count", rows.len())) " " (sum_text(ui, doc.total, cur)) }
        p.words { (in_words(ui, doc.total, cur)) }
        @if let Some(due) = doc.due_date { p { (t("print-due")) " " (long_date(ui, due)) } }
        @if let Some(terms) = &doc.terms { p.pre { (terms) } }
        div.rule {}
        div.signs {
            div { (sign(ui, "print-director", s(seller, "director"))) }
            div { (sign(ui, "print-accountant", s(seller, "chief_accountant"))) }
        }
    }
}

fn basis(ui: &Ui, invoice: &Document) -> String {
    title_of(
        ui,
        "print-invoice",
        invoice.number.as_deref().unwrap_or(""),
        invoice.doc_date,
    )
}

fn act_form(ui: &Ui, d: &Delivery, invoice: &Document, seller: &Value, payer: &Value) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let cur = &d.currency;
    let rows = rows(ui, invoice, &d.lines, false);
    html! {
        h1 { (title_of(ui, "print-act", &d.number, d.doc_date)) }
        table.parties {
            tr { td.label { (t("print-contractor")) ":" } td { strong { (party_line(ui, seller, false)) } } }
            tr { td.label { (t("print-customer")) ":" } td { strong { (party_line(ui, payer, false)) } } }
            tr { td.label { (t("print-basis")) ":" } td { (basis(ui, invoice)) } }
        }
        (items_table(ui, &rows, "print-col-services"))
        (totals_block(ui, invoice, &rows, d.vat, d.total, "print-grand-total"))
        p { (ui.tr.t1("print-act-items", "count", rows.len())) " " (sum_text(ui, d.total, cur)) }
        p.words { (in_words(ui, d.total, cur)) }
        p { (t("print-act-statement")) }
        div.rule {}
        div.signs {
            div {
                p { strong { (t("print-contractor")) } }
                p { (name_of(seller)) }
                (sign(ui, "print-director", s(seller, "director")))
                p.stamp.muted { (t("print-stamp")) }
            }
            div {
                p { strong { (t("print-customer")) } }
                p { (name_of(payer)) }
                (sign(ui, "print-director", None))
                p.stamp.muted { (t("print-stamp")) }
            }
        }
    }
}

fn shipment_form(
    ui: &Ui,
    d: &Delivery,
    invoice: &Document,
    seller: &Value,
    payer: &Value,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let cur = &d.currency;
    let rows = rows(ui, invoice, &d.lines, false);
    let total_qty: Decimal = rows.iter().map(|r| r.quantity).sum();
    let total_net: Decimal = rows.iter().map(|r| r.net).sum();
    html! {
        table.parties {
            tr { td.label { (t("print-consignor")) ":" } td { (party_line(ui, seller, true)) } }
            tr { td.label { (t("print-consignee")) ":" } td { (party_line(ui, payer, false)) } }
            tr { td.label { (t("print-supplier")) ":" } td { (party_line(ui, seller, true)) } }
            tr { td.label { (t("print-payer")) ":" } td { (party_line(ui, payer, true)) } }
            tr { td.label { (t("print-basis")) ":" } td { (basis(ui, invoice)) } }
        }
        h1.center { (title_of(ui, "print-shipment", &d.number, d.doc_date)) }
        table.grid {
            thead {
                tr {
                    th rowspan="2" { (t("print-no")) }
                    th rowspan="2" { (t("print-col-product")) }
                    th colspan="2" { (t("print-col-unit")) }
                    th rowspan="2" { (t("print-col-qty")) }
                    th rowspan="2" { (t("print-col-price-net")) }
                    th rowspan="2" { (t("print-col-net")) }
                    th colspan="2" { (t("print-col-vat-head")) }
                    th rowspan="2" { (t("print-col-total")) }
                }
                tr {
                    th { (t("print-col-unit-name")) }
                    th { (t("print-col-okei")) }
                    th { (t("print-col-vat-rate")) }
                    th { (t("print-col-vat")) }
                }
            }
            tbody {
                @for (i, r) in rows.iter().enumerate() {
                    tr {
                        td.center { (i + 1) }
                        td { (r.name) }
                        td { (unit_name(ui, &r.unit_code)) }
                        td.center { (r.unit_code) }
                        td.num { (qty(ui, r.quantity)) }
                        td.num { (num(ui, r.price_net)) }
                        td.num { (num(ui, r.net)) }
                        td.center { (rate_label(ui, r.rate)) }
                        td.num { @if r.rate == VatRate::None { "—" } @else { (num(ui, r.vat)) } }
                        td.num { (num(ui, r.total)) }
                    }
                }
                tr {
                    td colspan="4" style="text-align: right" { strong { (t("print-subtotal")) } }
                    td.num { strong { (qty(ui, total_qty)) } }
                    td { "×" }
                    td.num { strong { (num(ui, total_net)) } }
                    td.center { "×" }
                    td.num { strong { (num(ui, d.vat)) } }
                    td.num { strong { (num(ui, d.total)) } }
                }
            }
        }
        p { (ui.tr.t1("print-shipment-items", "count", rows.len())) " " (sum_text(ui, d.total, cur)) }
        p.words { (in_words(ui, d.total, cur)) }
        @if without_vat(&rows, d.vat) { p { (t("print-no-vat")) } } @else {
            p { (t("print-vat-included")) ": " (sum_text(ui, d.vat, cur)) }
        }
        div.rule {}
        div.signs {
            div {
                p { strong { (t("print-released-by")) } }
                (sign(ui, "print-shipment-allowed", s(seller, "director")))
                (sign(ui, "print-chief-accountant", s(seller, "chief_accountant")))
                (sign(ui, "print-shipment-made", None))
                p.stamp.muted { (t("print-stamp")) " · " (long_date(ui, d.doc_date)) }
            }
            div {
                p { strong { (t("print-received-by")) } }
                (sign(ui, "print-cargo-accepted", None))
                (sign(ui, "print-cargo-received", None))
                p.stamp.muted { (t("print-stamp")) " · «___» ____________ 20___" }
            }
        }
    }
}

fn quote_form(ui: &Ui, doc: &Document, seller: &Value, customer: &Value) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let cur = &doc.currency;
    let rows = rows(ui, doc, &doc.lines, true);
    let contacts: Vec<String> = [
        s(seller, "legal_address").map(str::to_owned),
        s(seller, "phone").map(|p| format!("{} {p}", t("print-phone"))),
        s(seller, "email").map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        div {
            strong style="font-size: 12pt" { (name_of(seller)) }
            @if s(seller, "inn").is_some() || s(seller, "kpp").is_some() {
                br;
                @if let Some(inn) = s(seller, "inn") { (t("print-inn")) " " (inn) " " }
                @if let Some(kpp) = s(seller, "kpp") { (t("print-kpp")) " " (kpp) }
            }
            @if !contacts.is_empty() { br; span.muted { (contacts.join(" · ")) } }
        }
        div.rule {}
        h1.center { (title_of(ui, "print-quote", &quote_number(doc), doc.doc_date)) }
        table.parties {
            tr { td.label { (t("print-to")) ":" } td { strong { (party_line(ui, customer, false)) } } }
            tr { td.label { (t("print-subject")) ":" } td { (doc.title) } }
        }
        (items_table(ui, &rows, "print-col-goods"))
        (totals_block(ui, doc, &rows, doc.vat, doc.total, "print-grand-total"))
        p { (ui.tr.t1("print-invoice-items", "count", rows.len())) " " (sum_text(ui, doc.total, cur)) }
        p.words { (in_words(ui, doc.total, cur)) }
        @if let Some(v) = doc.valid_until { p { strong { (t("print-valid-until")) " " (long_date(ui, v)) } } }
        @if let Some(terms) = &doc.terms { p { strong { (t("print-terms")) ":" } } p.pre { (terms) } }
        div.rule {}
        div.signs { div { (sign(ui, "print-director", s(seller, "director"))) } div {} }
    }
}
