//! A company that keeps its books in euros: every sum the CRM shows without
//! being told a currency is in euros, and a page of deals in two currencies
//! is summed per currency, never roubles and euros added together.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

/// Euros: "140,00 €" as a Russian page writes it.
fn eur(n: &str) -> String {
    format!("{n}\u{a0}€")
}

/// The text of the element that opens at `marker`, up to `end`.
fn part<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the page"));
    let rest = &html[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn a_company_in_euros_sees_its_sums_in_euros() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (s, company) = app.get(a, "/api/v1/company").await;
    assert_eq!(s, StatusCode::OK);
    let mut details = company.clone();
    for k in ["vat_payer", "updated_at", "updated_by"] {
        details.as_object_mut().unwrap().remove(k);
    }
    details["legal_name"] = json!("Vektor GmbH");
    details["base_currency"] = json!("EUR");
    let (s, c) = app.put(a, "/api/v1/company", details).await;
    assert_eq!(s, StatusCode::OK, "{c}");

    let account = app
        .create(
            a,
            "/api/v1/accounts",
            json!({"name": "Vektor", "force": true}),
        )
        .await;
    let deal = |title: &str, amount: &str, currency: Option<&str>| {
        let mut body = json!({"title": title, "amount": amount, "account_id": account["id"]});
        if let Some(c) = currency {
            body["currency"] = json!(c);
        }
        body
    };
    for body in [
        deal("Поставка станков", "100", None),
        deal("Сервис", "40", Some("EUR")),
        deal("Запчасти", "1000", Some("RUB")),
    ] {
        app.create(a, "/api/v1/deals", body).await;
    }

    // The reports' sums are in euros unless a request names roubles.
    let (s, f) = app.get(a, "/api/v1/reports/funnel").await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["total"], json!({"deals": 3, "amount": "140.00"}), "{f}");
    let (s, f) = app.get(a, "/api/v1/reports/funnel?currency=rub").await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["total"], json!({"deals": 3, "amount": "1000.00"}), "{f}");

    // So are the report builder's, and its saved reports that name none.
    let sum = json!({"entity": "deals", "aggregates": [{"func": "count"}, {"func": "sum", "field": "amount"}]});
    let (s, v) = app.post(a, "/api/v1/reports/builder", sum.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["totals"], json!(["3", "140.00"]), "{v}");
    let mut in_roubles = sum.clone();
    in_roubles["currency"] = json!("RUB");
    let (_, v) = app.post(a, "/api/v1/reports/builder", in_roubles).await;
    assert_eq!(v["totals"], json!(["3", "1000.00"]), "{v}");

    // A product and a price book created without a currency are in euros.
    let product = app
        .create(
            a,
            "/api/v1/products",
            json!({"name": "Фреза", "unit_code": "796", "price": "12"}),
        )
        .await;
    assert_eq!(product["currency"], "EUR");
    let book = app
        .create(a, "/api/v1/price-books", json!({"name": "Европа"}))
        .await;
    assert_eq!(book["currency"], "EUR");

    let c = signed_in(&app, "admin").await;
    // The board's first column sums the euro deals; the rouble deal is
    // counted there but not added.
    let board = ok_page(&app, &c, "/board").await;
    let column = part(&board, "<section class=\"column", "</header>");
    assert!(column.contains(">3<"), "three deals: {column}");
    assert!(column.contains(&eur("140,00")), "{column}");
    assert!(!column.contains('₽'), "{column}");
    // The home page's funnel: the admin's deals, in euros.
    let home = ok_page(&app, &c, "/").await;
    let funnel = part(&home, "<svg class=\"funnel\"", "</svg>");
    assert!(funnel.contains(&eur("140,00")), "{funnel}");
    // A page of deals in two currencies is summed per currency.
    let list = ok_page(&app, &c, "/deals").await;
    let foot = part(&list, "<div class=\"listfoot\"", "</div>");
    assert!(foot.contains(&eur("140,00")), "{foot}");
    assert!(foot.contains("1\u{a0}000,00\u{a0}₽"), "{foot}");
    assert!(!foot.contains("1\u{a0}140"), "no sum of both: {foot}");

    // The report pages and the builder offer the company's own first, as
    // the choice that follows the books; a report page sums in it.
    let page = ok_page(&app, &c, "/reports/funnel").await;
    let select = part(&page, "<select name=\"currency\"", "</select>");
    assert!(
        select.starts_with("<select name=\"currency\"><option value=\"\">EUR</option>"),
        "{select}"
    );
    assert!(
        select.contains("<option value=\"RUB\">RUB</option>"),
        "{select}"
    );
    assert!(page.contains(&eur("140,00")), "the funnel's table in euros");
    let page = ok_page(&app, &c, "/reports/funnel?currency=RUB").await;
    let select = part(&page, "<select name=\"currency\"", "</select>");
    assert!(
        select.contains("<option value=\"RUB\" selected>RUB</option>"),
        "{select}"
    );
    let builder = ok_page(&app, &c, "/reports/builder").await;
    let select = part(&builder, "<select name=\"currency\"", "</select>");
    assert!(
        select.contains("<option value=\"\">EUR</option>"),
        "{select}"
    );
    // New products and price books are offered in euros; a payment too.
    for (path, marker) in [
        ("/products/new", "name=\"currency\""),
        ("/settings/price-books", "name=\"currency\""),
    ] {
        let page = ok_page(&app, &c, path).await;
        let select = part(&page, marker, "</select>");
        assert!(
            select.contains("value=\"EUR\" selected"),
            "{path}: {select}"
        );
    }
    let payments = ok_page(&app, &c, "/payments").await;
    let input = part(&payments, "id=\"p-currency\"", ">");
    assert!(input.contains("value=\"EUR\""), "{input}");
}

/// The builder's funnel chart draws whatever the report aggregates: a count
/// of accounts is a count, not "N deals" and an amount in roubles.
#[tokio::test]
async fn the_builders_funnel_shows_its_own_figures() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    for (name, kind) in [("А", "prospect"), ("Б", "prospect"), ("В", "customer")] {
        app.create(
            a,
            "/api/v1/accounts",
            json!({"name": name, "kind": kind, "force": true}),
        )
        .await;
    }
    let c = signed_in(&app, "admin").await;
    let page = ok_page(
        &app,
        &c,
        "/reports/builder?entity=accounts&g1=kind&agg=count&chart=funnel",
    )
    .await;
    let funnel = part(&page, "<svg class=\"funnel\"", "</svg>");
    assert!(!funnel.contains('₽'), "{funnel}");
    assert!(!funnel.contains("сдел"), "{funnel}");
    // One customer, then two prospects.
    assert!(funnel.contains(">2</text>"), "{funnel}");
    assert!(funnel.contains(">1</text>"), "{funnel}");
    assert!(funnel.contains("200,0%"), "{funnel}");
}
