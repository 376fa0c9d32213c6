//! The money pages in the browser, over HTTP without a browser: the lists
//! in Russian, the quote's line editor and its live totals, the lifecycle
//! buttons, payments, acts and shipments from the invoice page, the deal's
//! products, the account's balance, the printed forms, visibility between
//! teams and the CSRF token. Figures are computed by hand in the comments.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use rust_decimal::Decimal;
use serde_json::json;
use voronka_core::money::Currency;
use voronka_core::words::{amount_in_words_en, amount_in_words_ru};

/// The values of the line editor's name inputs, in order.
fn line_names(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("name=\"line_name\"") {
        let start = rest[..at].rfind('<').unwrap();
        let end = at + rest[at..].find('>').unwrap();
        let tag = &rest[start..end];
        let value = tag
            .split_once("value=\"")
            .map(|(_, v)| v[..v.find('"').unwrap()].to_owned())
            .unwrap_or_default();
        out.push(value);
        rest = &rest[end..];
    }
    out
}

/// Money as the pages print it: `1 234,56 ₽` with non-breaking spaces.
fn rub(s: &str) -> String {
    format!("{}\u{a0}₽", s.replace(' ', "\u{a0}"))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Our company, as the settings would have stored it.
async fn company(app: &TestApp) {
    let mut w = app.db.reader().await.unwrap();
    let c = voronka_store::db::Conn::conn(&mut w);
    sqlx::query("DELETE FROM company WHERE id = 1")
        .execute(&mut *c)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO company (id, legal_name, inn, kpp, legal_address, phone, bank_name, bic, \
         settlement_account, correspondent_account, director, chief_accountant, tax_regime, \
         base_currency, invoice_number_format, updated_at) \
         VALUES (1, 'ООО «Вектор»', '7728168971', '772801001', 'г. Москва, ул. Тверская, д. 1', \
         '+7 495 123-45-67', 'ПАО Сбербанк', '044525225', '40702810400000000001', \
         '30101810400000000225', 'Иванов И. И.', 'Петрова А. С.', 'general', 'RUB', \
         '{year}-{seq:05}', '2026-01-01T00:00:00.000000Z')",
    )
    .execute(&mut *c)
    .await
    .unwrap();
}

/// A product straight in the catalog table: goods, 50 000.00, VAT 22 %.
async fn server_product(app: &TestApp) -> i64 {
    use sqlx::Row;
    let mut w = app.db.reader().await.unwrap();
    sqlx::query(
        "INSERT INTO products (kind, name, unit_code, price_minor, cost_minor, currency, vat_rate, active, search_key, created_at, updated_at) \
         VALUES ('goods', 'Сервер', '796', 5000000, 3000000, 'RUB', '22', TRUE, 'Сервер', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z') RETURNING id",
    )
    .fetch_one(voronka_store::db::Conn::conn(&mut w))
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

struct Shop {
    account: i64,
    deal: i64,
    product: i64,
}

/// Our company, a product, a customer with its legal details and a deal
/// whose products are:
///   Сервер 2 × 50 000.00 at 22 %: net 100 000.00, VAT 22 000.00
///   Монтаж 10 ч × 2 500.00 at 22 %: net 25 000.00, VAT 5 500.00
///   net 125 000.00, VAT 27 500.00, total 152 500.00
async fn shop(app: &TestApp, c: &Client) -> Shop {
    company(app).await;
    let product = server_product(app).await;
    let account = app
        .create(
            c,
            "/api/v1/accounts",
            json!({"name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
                   "legal_address": "г. Москва, ул. Ленина, д. 5", "force": true}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let deal = app
        .create(
            c,
            "/api/v1/deals",
            json!({"title": "Серверы для Ромашки", "account_id": account}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (s, p) = app
        .put(
            c,
            &format!("/api/v1/deals/{deal}/products"),
            json!({"lines": [
                {"product_id": product, "quantity": "2"},
                {"name": "Монтаж", "unit_code": "356", "quantity": "10", "unit_price": "2500",
                 "vat_rate": "22"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["total"], "152500.00");
    Shop {
        account,
        deal,
        product,
    }
}

/// The editor's fields for the two lines above with a 10 % document discount:
///   subtotal 125 000.00, discount 12 500.00, net 112 500.00,
///   VAT 24 750.00, total 137 250.00
fn editor_fields<'a>(token: &'a str, product: &'a str, qty: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", token),
        ("title", "КП на серверы"),
        ("doc_date", ""),
        ("valid_until", ""),
        ("tax_mode", "individual"),
        ("discount", "10%"),
        ("shipping", ""),
        ("terms", "Оплата в течение 5 дней"),
        ("line_product", product),
        ("line_name", "Сервер"),
        ("line_qty", qty),
        ("line_unit", "796"),
        ("line_price", "50 000,00"),
        ("line_discount", ""),
        ("line_vat", "22"),
        ("line_product", ""),
        ("line_name", "Монтаж"),
        ("line_qty", "10"),
        ("line_unit", "356"),
        ("line_price", "2500"),
        ("line_discount", ""),
        ("line_vat", "22"),
        // A blank row, as the editor always offers one.
        ("line_product", ""),
        ("line_name", ""),
        ("line_qty", ""),
        ("line_unit", ""),
        ("line_price", ""),
        ("line_discount", ""),
        ("line_vat", ""),
    ]
}

/// A quote from the deal page's button: its id.
async fn quote_from_deal(app: &TestApp, c: &Client, token: &str, deal: i64) -> i64 {
    let r = submit(
        app,
        c,
        &format!("/deals/{deal}/new-quote"),
        &[("_csrf", token)],
    )
    .await;
    id_in(&see_other(&r), "/quotes/")
}

/// Presses a lifecycle button: where it leads.
async fn press(app: &TestApp, c: &Client, token: &str, path: &str) -> String {
    see_other(&submit(app, c, path, &[("_csrf", token)]).await)
}

#[tokio::test]
async fn the_lists_render_in_russian_with_money_formatted() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let shop = shop(&app, a).await;
    let q = app
        .create(a, &format!("/api/v1/deals/{}/quotes", shop.deal), json!({}))
        .await;
    let inv = app
        .create(
            a,
            &format!("/api/v1/deals/{}/invoices", shop.deal),
            json!({}),
        )
        .await;
    let inv_id = inv["id"].as_i64().unwrap();
    let (s, _) = app
        .post(a, &format!("/api/v1/invoices/{inv_id}/send"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    app.create(
        a,
        "/api/v1/payments",
        json!({"account_id": shop.account, "amount": "1234.56", "reference": "п/п 17",
               "allocations": [{"invoice_id": inv_id}]}),
    )
    .await;
    let (_, quote_action) = app
        .post(
            a,
            &format!("/api/v1/quotes/{}/activate", q["id"]),
            json!({}),
        )
        .await;
    assert_eq!(quote_action["quote"]["status"], "active");
    let (s, won) = app
        .post(a, &format!("/api/v1/quotes/{}/win", q["id"]), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{won}");

    let c = signed_in(&app, "admin").await;
    let total = rub("152 500,00");
    for (path, title) in [
        ("/quotes", "<h1>КП</h1>"),
        ("/orders", "<h1>Заказы</h1>"),
        ("/invoices", "<h1>Счета</h1>"),
    ] {
        let body = ok_page(&app, &c, path).await;
        assert!(body.contains(title), "{path}");
        assert!(body.contains(&total), "{path}: no {total:?}");
        assert!(body.contains("ООО «Ромашка»"), "{path}: the customer");
        assert!(!body.contains("152500"), "{path}: unformatted amount");
    }
    let invoices = ok_page(&app, &c, "/invoices").await;
    assert!(invoices.contains(&rub("1 234,56")), "paid so far");
    assert!(invoices.contains("Частично оплачен"));
    let quotes = ok_page(&app, &c, "/quotes?status=won").await;
    assert!(quotes.contains("Выиграно"));
    let payments = ok_page(&app, &c, "/payments").await;
    assert!(payments.contains("<h1>Платежи</h1>"));
    assert!(payments.contains(&rub("1 234,56")), "the payment's amount");
    assert!(payments.contains("п/п 17"));
    assert!(payments.contains(&rub("0,00")), "nothing left unallocated");

    // A payment from the payments page refused for its amount: the reason,
    // and the form as typed, nothing to type again.
    let token = csrf(&app, &c).await;
    let customer = format!("ООО «Ромашка» #{}", shop.account);
    let typed = [
        ("_csrf", token.as_str()),
        ("direction", "outgoing"),
        ("account_id", customer.as_str()),
        ("amount", "пять тысяч"),
        ("currency", "RUB"),
        ("paid_on", "03.12.2026"),
        ("method", "cash"),
        ("reference", "РКО 5"),
        ("description", "возврат аванса"),
    ];
    let r = submit(&app, &c, "/payments", &typed).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("не число"), "the reason");
    for (field, value) in &typed[2..] {
        if *field != "method" {
            assert!(body.contains(&format!("value=\"{value}\"")), "{field} kept");
        }
    }
    assert!(body.contains("<option value=\"outgoing\" selected>"));
    assert!(body.contains("<option value=\"cash\" selected>"));
    // Corrected, it is recorded.
    let mut fixed = typed.to_vec();
    fixed[3] = ("amount", "5 000,00");
    let r = submit(&app, &c, "/payments", &fixed).await;
    assert_eq!(see_other(&r), "/payments?msg=saved");
    let payments = ok_page(&app, &c, "/payments").await;
    assert!(payments.contains("РКО 5"));
    assert!(payments.contains(&rub("5 000,00")));
}

#[tokio::test]
async fn the_quote_editor_saves_lines_and_previews_totals() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let shop = shop(&app, &app.admin).await;
    let token = csrf(&app, &c).await;
    let quote = quote_from_deal(&app, &c, &token, shop.deal).await;
    let url = format!("/quotes/{quote}");

    // A draft: the editor with the deal's lines and an empty row.
    let body = ok_page(&app, &c, &url).await;
    assert!(body.contains(&format!("action=\"{url}/save\"")));
    assert!(body.contains(&format!("hx-post=\"{url}/preview\"")));
    let names = line_names(&body);
    assert_eq!(names[..2], ["Сервер", "Монтаж"]);
    assert!(
        names.len() > 2 && names[2..].iter().all(String::is_empty),
        "{names:?}"
    );
    assert!(body.contains(&rub("152 500,00")));
    assert!(body.contains("Черновик"));

    // The live totals: the fragment the editor swaps in, priced but not saved.
    let product = shop.product.to_string();
    let fields = editor_fields(&token, &product, "2");
    let r = c
        .post(app.url(&format!("{url}/preview")))
        .header("HX-Request", "true")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("id=\"totals\""), "{fragment}");
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    assert!(fragment.contains(&rub("112 500,00")), "net: {fragment}");
    assert!(fragment.contains(&rub("24 750,00")), "VAT: {fragment}");
    assert!(fragment.contains(&rub("137 250,00")), "total: {fragment}");
    let (_, same) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(same["total"], "152500.00", "a preview saves nothing");

    // A quantity that is not a number is named, by its line, in Russian.
    let bad = editor_fields(&token, &product, "два");
    let r = c
        .post(app.url(&format!("{url}/preview")))
        .header("HX-Request", "true")
        .form(&bad)
        .send()
        .await
        .unwrap();
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("id=\"totals\""), "{fragment}");
    assert!(fragment.contains("role=\"alert\""), "{fragment}");
    assert!(fragment.contains("Строка 1 · Кол-во"), "{fragment}");
    assert!(fragment.contains("не число"), "{fragment}");

    // Saving the same form changes the quote and its totals.
    let r = submit(&app, &c, &format!("{url}/save"), &fields).await;
    assert_eq!(see_other(&r), format!("{url}?msg=saved"));
    let (_, q) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(q["title"], "КП на серверы");
    assert_eq!(q["discount"], json!({"percent": "10"}));
    assert_eq!(q["terms"], "Оплата в течение 5 дней");
    assert_eq!(
        q["lines"].as_array().unwrap().len(),
        2,
        "the blank row is skipped"
    );
    assert_eq!(q["lines"][0]["product_id"], shop.product);
    assert_eq!(q["lines"][1]["unit_code"], "356");
    assert_eq!(q["net"], "112500.00");
    assert_eq!(q["vat"], "24750.00");
    assert_eq!(q["total"], "137250.00");
    let body = ok_page(&app, &c, &format!("{url}?msg=saved")).await;
    assert!(body.contains("Сохранено"));
    assert!(body.contains(&rub("137 250,00")));
    assert!(body.contains("value=\"10%\""), "the discount as typed");

    // A bad save comes back with the message and changes nothing.
    let r = submit(&app, &c, &format!("{url}/save"), &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("не число"), "the reason is shown");
    let (_, q) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(q["total"], "137250.00");

    // A draft may be deleted; the list says so.
    let to = press(&app, &c, &token, &format!("{url}/remove")).await;
    assert_eq!(to, "/quotes?msg=deleted");
    let body = ok_page(&app, &c, &to).await;
    assert!(
        body.contains("<div class=\"flash\" role=\"status\">Удалено"),
        "{body}"
    );
    assert!(!body.contains(&format!("href=\"{url}\"")));
}

#[tokio::test]
async fn from_quote_to_paid_invoice_with_act_and_shipment_through_the_buttons() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let shop = shop(&app, &app.admin).await;
    let token = csrf(&app, &c).await;
    let quote = quote_from_deal(&app, &c, &token, shop.deal).await;
    let url = format!("/quotes/{quote}");

    // Activate: read-only lines, no editor, the print button.
    let to = press(&app, &c, &token, &format!("{url}/do/activate")).await;
    assert_eq!(to, format!("{url}?msg=saved"));
    let body = ok_page(&app, &c, &url).await;
    assert!(
        !body.contains("name=\"line_name\""),
        "no editor once active"
    );
    assert!(body.contains("не редактируется"));
    assert!(body.contains("<td>Сервер</td>"));
    assert!(body.contains("Активно"));
    assert!(body.contains(&format!("href=\"{url}/print\"")));
    // Saving an active quote is refused and says why.
    let product = shop.product.to_string();
    let r = submit(
        &app,
        &c,
        &format!("{url}/save"),
        &editor_fields(&token, &product, "3"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let (_, q) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(q["total"], "152500.00");

    // Win: straight to the new order.
    let to = press(&app, &c, &token, &format!("{url}/do/win")).await;
    let order = id_in(&to, "/orders/");
    let body = ok_page(&app, &c, &format!("/orders/{order}")).await;
    assert!(body.contains(&rub("152 500,00")));
    assert!(body.contains("Выиграно") || body.contains(&format!("/quotes/{quote}")));
    press(&app, &c, &token, &format!("/orders/{order}/do/approve")).await;

    // The invoice from the order: a draft without a number until sent.
    let to = press(&app, &c, &token, &format!("/orders/{order}/new-invoice")).await;
    let invoice = id_in(&to, "/invoices/");
    let iurl = format!("/invoices/{invoice}");
    let body = ok_page(&app, &c, &iurl).await;
    assert!(body.contains("Счёт (Черновик)"), "no number yet");
    assert!(
        !body.contains(&format!("{iurl}/print")),
        "no print before it is issued"
    );
    press(&app, &c, &token, &format!("{iurl}/do/send")).await;
    let (_, inv) = app
        .get(&app.admin, &format!("/api/v1/invoices/{invoice}"))
        .await;
    let number = inv["number"].as_str().unwrap().to_owned();
    let body = ok_page(&app, &c, &iurl).await;
    assert!(
        body.contains(&format!("Счёт № {number}")),
        "the number is shown"
    );
    assert!(body.contains("Выставлен"));
    assert!(body.contains(&format!("href=\"{iurl}/print\"")));

    // A payment through the invoice page: 100 000,00 of 152 500,00.
    let r = submit(
        &app,
        &c,
        &format!("{iurl}/payment"),
        &[
            ("_csrf", &token),
            ("amount", "100 000,00"),
            ("paid_on", ""),
            ("reference", "п/п 42"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), format!("{iurl}?msg=saved"));
    let body = ok_page(&app, &c, &iurl).await;
    assert!(body.contains("Частично оплачен"));
    assert!(body.contains(&rub("100 000,00")), "paid");
    assert!(body.contains(&rub("52 500,00")), "the balance");
    // A payment that is not a number is refused with the reason, and the
    // form keeps what was typed (not the balance it offers at first).
    let typed = [
        ("_csrf", token.as_str()),
        ("amount", "сто"),
        ("paid_on", "04.12.2026"),
        ("reference", "п/п 43"),
    ];
    let r = submit(&app, &c, &format!("{iurl}/payment"), &typed).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("не число"));
    for (field, value) in &typed[1..] {
        assert!(body.contains(&format!("value=\"{value}\"")), "{field} kept");
    }
    // So does one the store refuses: a day that is not a date.
    let typed = [
        ("_csrf", token.as_str()),
        ("amount", "10,00"),
        ("paid_on", "31.02.2026"),
        ("reference", "п/п 44"),
    ];
    let r = submit(&app, &c, &format!("{iurl}/payment"), &typed).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    for (field, value) in &typed[1..] {
        assert!(body.contains(&format!("value=\"{value}\"")), "{field} kept");
    }
    assert!(body.contains(&rub("52 500,00")), "nothing was paid");

    // The act (the services) and the shipment (the goods), each with its print link.
    press(&app, &c, &token, &format!("{iurl}/deliver/act")).await;
    press(&app, &c, &token, &format!("{iurl}/deliver/shipment")).await;
    let (_, acts) = app
        .get(&app.admin, &format!("/api/v1/invoices/{invoice}/acts"))
        .await;
    let (_, shipments) = app
        .get(&app.admin, &format!("/api/v1/invoices/{invoice}/shipments"))
        .await;
    let act = &acts.as_array().unwrap()[0];
    let shipment = &shipments.as_array().unwrap()[0];
    // Монтаж: net 25 000.00 + VAT 5 500.00; Сервер: 100 000.00 + 22 000.00.
    assert_eq!(act["total"], "30500.00");
    assert_eq!(shipment["total"], "122000.00");
    let body = ok_page(&app, &c, &iurl).await;
    assert!(body.contains(&format!("Акт № {}", act["number"].as_str().unwrap())));
    assert!(body.contains(&format!("href=\"/acts/{}/print\"", act["id"])));
    assert!(body.contains(&format!("href=\"/shipments/{}/print\"", shipment["id"])));
    assert!(body.contains(&rub("30 500,00")));
    assert!(body.contains("Монтаж × 10"));
    // Nothing is left to act on: a second act is refused, with the reason on the page.
    let r = submit(
        &app,
        &c,
        &format!("{iurl}/deliver/act"),
        &[("_csrf", &token)],
    )
    .await;
    assert!(
        r.status() == StatusCode::CONFLICT || r.status() == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status()
    );

    // The account page shows what is owed.
    let body = ok_page(&app, &c, &format!("/accounts/{}", shop.account)).await;
    assert!(body.contains("Взаиморасчёты"));
    assert!(body.contains(&rub("152 500,00")), "invoiced");
    assert!(body.contains(&rub("52 500,00")), "the balance");
    assert!(body.contains(&format!("Счёт № {number}")));
}

#[tokio::test]
async fn the_deal_page_edits_its_products_and_makes_a_quote() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let shop = shop(&app, &app.admin).await;
    let token = csrf(&app, &c).await;
    let url = format!("/deals/{}", shop.deal);
    let body = ok_page(&app, &c, &url).await;
    assert!(body.contains("id=\"products\""));
    assert!(body.contains("Продукты"));
    assert!(line_names(&body).contains(&"Монтаж".to_owned()));
    assert!(body.contains(&rub("152 500,00")));
    assert!(body.contains(&format!("action=\"{url}/new-quote\"")));

    // One server only: net 50 000.00, VAT 11 000.00, total 61 000.00.
    let product = shop.product.to_string();
    let r = submit(
        &app,
        &c,
        &format!("{url}/products"),
        &[
            ("_csrf", &token),
            ("tax_mode", "individual"),
            ("line_product", &product),
            ("line_name", "Сервер"),
            ("line_qty", "1"),
            ("line_unit", "796"),
            ("line_price", "50000"),
            ("line_discount", ""),
            ("line_vat", "22"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), format!("{url}?msg=saved#products"));
    let (_, p) = app
        .get(&app.admin, &format!("/api/v1/deals/{}/products", shop.deal))
        .await;
    assert_eq!(p["total"], "61000.00");
    let body = ok_page(&app, &c, &url).await;
    assert!(body.contains(&rub("61 000,00")));

    // The live totals of the deal's products.
    let r = c
        .post(app.url(&format!("{url}/products/preview")))
        .header("HX-Request", "true")
        .form(&[
            ("_csrf", token.as_str()),
            ("line_name", "Сервер"),
            ("line_qty", "3"),
            ("line_price", "50000"),
            ("line_vat", "22"),
        ])
        .send()
        .await
        .unwrap();
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("id=\"totals\""), "{fragment}");
    assert!(fragment.contains(&rub("183 000,00")), "{fragment}");

    // A quote from the deal carries its products.
    let quote = quote_from_deal(&app, &c, &token, shop.deal).await;
    let body = ok_page(&app, &c, &format!("/quotes/{quote}")).await;
    assert!(body.contains(&rub("61 000,00")));
    assert!(body.contains("Серверы для Ромашки"), "the deal is linked");
    let body = ok_page(&app, &c, &url).await;
    assert!(
        body.contains(&format!("href=\"/quotes/{quote}\"")),
        "listed on the deal"
    );
}

#[tokio::test]
async fn printed_forms_carry_the_frozen_details_and_the_amount_in_words() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let shop = shop(&app, a).await;
    let q = app
        .create(
            a,
            &format!("/api/v1/deals/{}/quotes", shop.deal),
            json!({"valid_until": "2099-12-31", "terms": "Поставка за 10 дней"}),
        )
        .await;
    let inv = app
        .create(
            a,
            &format!("/api/v1/deals/{}/invoices", shop.deal),
            json!({}),
        )
        .await;
    let inv_id = inv["id"].as_i64().unwrap();
    let c = signed_in(&app, "admin").await;

    // A draft invoice prints with a draft mark and today's details.
    let body = ok_page(&app, &c, &format!("/invoices/{inv_id}/print")).await;
    assert!(body.contains("Черновик"));

    let (_, inv) = app
        .post(a, &format!("/api/v1/invoices/{inv_id}/send"), json!({}))
        .await;
    let number = inv["number"].as_str().unwrap().to_owned();
    // Later changes of the customer and of our company do not reach the issued invoice.
    app.patch(
        a,
        &format!("/api/v1/accounts/{}", shop.account),
        json!({"name": "АО «Лютик»", "inn": "7736050003"}),
    )
    .await;

    let words = amount_in_words_ru(dec("152500.00"), &Currency::rub());
    assert_eq!(words, "Сто пятьдесят две тысячи пятьсот рублей 00 копеек");
    let body = ok_page(&app, &c, &format!("/invoices/{inv_id}/print")).await;
    assert!(
        body.contains(&format!("Счёт на оплату № {number} от ")),
        "{body}"
    );
    assert!(body.contains("ООО «Ромашка»"), "the payer as issued");
    assert!(body.contains("7707083893"));
    assert!(!body.contains("Лютик"), "later edits do not leak in");
    assert!(
        body.contains("ООО «Вектор»") && body.contains("7728168971"),
        "the seller"
    );
    assert!(body.contains("044525225") && body.contains("30101810400000000225"));
    assert!(body.contains("40702810400000000001") && body.contains("ПАО Сбербанк"));
    assert!(body.contains("Товары (работы, услуги)"));
    assert!(body.contains("Всего наименований 2, на сумму 152\u{a0}500,00\u{a0}руб."));
    assert!(body.contains(&words), "the amount in words");
    assert!(body.contains("Сумма НДС") && body.contains("27\u{a0}500,00"));
    assert!(body.contains("Всего к оплате"));
    assert!(body.contains("Руководитель") && body.contains("Иванов И. И."));
    assert!(body.contains("Бухгалтер") && body.contains("Петрова А. С."));
    assert!(body.contains("@page"), "print CSS");
    assert!(!body.contains("class=\"sidebar\""), "no navigation");
    assert!(!body.contains("Черновик"));

    // The act and the shipment print the same frozen parties.
    let act = app
        .create(a, &format!("/api/v1/invoices/{inv_id}/acts"), json!({}))
        .await;
    let shipment = app
        .create(
            a,
            &format!("/api/v1/invoices/{inv_id}/shipments"),
            json!({}),
        )
        .await;
    let body = ok_page(&app, &c, &format!("/acts/{}/print", act["id"])).await;
    assert!(body.contains(&format!(
        "Акт об оказании услуг № {} от ",
        act["number"].as_str().unwrap()
    )));
    assert!(body.contains("Исполнитель") && body.contains("Заказчик"));
    assert!(body.contains("ООО «Ромашка»") && !body.contains("Лютик"));
    assert!(body.contains("Вышеперечисленные услуги выполнены полностью и в срок"));
    assert!(body.contains("Монтаж"));
    assert!(body.contains(&amount_in_words_ru(dec("30500"), &Currency::rub())));
    assert!(
        body.contains(&format!("Счёт на оплату № {number}")),
        "the basis"
    );

    let body = ok_page(&app, &c, &format!("/shipments/{}/print", shipment["id"])).await;
    assert!(body.contains(&format!(
        "Товарная накладная № {}",
        shipment["number"].as_str().unwrap()
    )));
    assert!(body.contains("Грузоотправитель") && body.contains("Плательщик"));
    assert!(
        body.contains("<td class=\"center\">796</td>"),
        "the OKEI code"
    );
    assert!(body.contains("Сервер") && !body.contains("Монтаж"));
    assert!(body.contains("100\u{a0}000,00") && body.contains("22\u{a0}000,00"));
    assert!(body.contains(&amount_in_words_ru(dec("122000"), &Currency::rub())));
    assert!(body.contains("Отпустил") && body.contains("Получил"));

    // The quote prints our company as it is now and its own terms.
    let body = ok_page(&app, &c, &format!("/quotes/{}/print", q["id"])).await;
    assert!(body.contains("Коммерческое предложение №"));
    assert!(body.contains("ООО «Вектор»"));
    assert!(
        body.contains("Лютик"),
        "a quote shows the customer as it is now"
    );
    assert!(body.contains("Предложение действительно до 31 декабря 2099 г."));
    assert!(body.contains("Поставка за 10 дней"));
    assert!(body.contains(&words));

    // In English for an English-speaking user.
    let (s, _) = app.patch(&c, "/api/v1/me", json!({"locale": "en"})).await;
    assert_eq!(s, StatusCode::OK);
    let body = ok_page(&app, &c, &format!("/invoices/{inv_id}/print")).await;
    assert!(body.contains("<html lang=\"en\">"));
    assert!(body.contains(&format!("Invoice No. {number} of ")));
    let words_en = amount_in_words_en(dec("152500.00"), &Currency::rub());
    assert!(body.contains(&words_en), "{words_en}");
    assert!(body.contains("Total due"));
    assert!(!body.contains("Счёт на оплату"));
}

#[tokio::test]
async fn another_teams_documents_and_their_print_forms_are_not_found() {
    let app = TestApp::spawn().await;
    let team_a = app.team("Отдел А", true).await;
    let team_b = app.team("Отдел Б", true).await;
    let (a1_api, _) = app.user("a1", "manager", Some(team_a)).await;
    app.user("b1", "manager", Some(team_b)).await;
    let shop = shop(&app, &a1_api).await;
    let q = app
        .create(
            &a1_api,
            &format!("/api/v1/deals/{}/quotes", shop.deal),
            json!({}),
        )
        .await;
    let inv = app
        .create(
            &a1_api,
            &format!("/api/v1/deals/{}/invoices", shop.deal),
            json!({}),
        )
        .await;
    let inv_id = inv["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &a1_api,
            &format!("/api/v1/invoices/{inv_id}/send"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let act = app
        .create(
            &a1_api,
            &format!("/api/v1/invoices/{inv_id}/acts"),
            json!({}),
        )
        .await;
    let shipment = app
        .create(
            &a1_api,
            &format!("/api/v1/invoices/{inv_id}/shipments"),
            json!({}),
        )
        .await;
    let paths = [
        format!("/quotes/{}", q["id"]),
        format!("/quotes/{}/print", q["id"]),
        format!("/invoices/{inv_id}"),
        format!("/invoices/{inv_id}/print"),
        format!("/acts/{}/print", act["id"]),
        format!("/shipments/{}/print", shipment["id"]),
    ];

    let a1 = signed_in(&app, "a1").await;
    for path in &paths {
        let body = ok_page(&app, &a1, path).await;
        assert!(body.contains("Ромашк"), "{path}: its own team sees it");
    }
    let b1 = signed_in(&app, "b1").await;
    for path in &paths {
        let (s, body) = page(&app, &b1, path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("Запись не найдена или недоступна"), "{path}");
        assert!(!body.contains("Ромашк"), "{path} leaks the customer");
    }
    for list in ["/quotes", "/invoices", "/payments"] {
        assert!(!ok_page(&app, &b1, list).await.contains("Ромашк"), "{list}");
    }
    // Nor can they act on them.
    let token = csrf(&app, &b1).await;
    for path in [
        format!("/quotes/{}/do/activate", q["id"]),
        format!("/invoices/{inv_id}/do/cancel"),
        format!("/invoices/{inv_id}/deliver/act"),
    ] {
        let r = submit(&app, &b1, &path, &[("_csrf", &token)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = submit(
        &app,
        &b1,
        &format!("/invoices/{inv_id}/payment"),
        &[("_csrf", &token), ("amount", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, q) = app
        .get(&a1_api, &format!("/api/v1/quotes/{}", q["id"]))
        .await;
    assert_eq!(q["status"], "draft");
    let (_, inv) = app
        .get(&a1_api, &format!("/api/v1/invoices/{inv_id}"))
        .await;
    assert_eq!(inv["status"], "sent");
    assert_eq!(inv["paid"], "0.00");
}

#[tokio::test]
async fn a_post_without_the_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let shop = shop(&app, &app.admin).await;
    let token = csrf(&app, &c).await;
    let quote = quote_from_deal(&app, &c, &token, shop.deal).await;
    let url = format!("/quotes/{quote}");
    let product = shop.product.to_string();
    // The editor's fields without the token.
    let fields: Vec<_> = editor_fields("", &product, "5").split_off(1);
    for (path, form) in [
        (format!("{url}/do/activate"), vec![]),
        (format!("{url}/save"), fields),
        (format!("{url}/remove"), vec![]),
        (format!("/deals/{}/new-quote", shop.deal), vec![]),
    ] {
        let r = submit(&app, &c, &path, &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        let r = submit(
            &app,
            &c,
            &path,
            &[("_csrf", "0123456789abcdef0123456789abcdef")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}: a wrong token");
    }
    let (_, q) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(q["status"], "draft");
    assert_eq!(q["total"], "152500.00");
    assert_eq!(app.count("quotes").await, 1);
}

#[tokio::test]
async fn the_editor_takes_days_in_the_users_format_and_products_from_the_list() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let shop = shop(&app, &app.admin).await;
    let token = csrf(&app, &c).await;
    let quote = quote_from_deal(&app, &c, &token, shop.deal).await;
    let url = format!("/quotes/{quote}");

    // The editor offers the catalog as "Name #id" and shows days as ДД.ММ.ГГГГ.
    let body = ok_page(&app, &c, &url).await;
    assert!(body.contains("id=\"dl-products\""), "the product list");
    assert!(body.contains(&format!("Сервер #{}", shop.product)));
    assert!(
        body.contains("placeholder=\"ДД.ММ.ГГГГ\""),
        "Russian date entry"
    );
    assert!(
        !body.contains("type=\"date\""),
        "no browser-locale date picker"
    );

    // A product picked from the list brings its name and price (50 000.00).
    let picked = format!("Сервер #{}", shop.product);
    let mut fields = vec![
        ("_csrf", token.as_str()),
        ("title", "КП"),
        ("doc_date", "15.03.2026"),
        ("valid_until", "31.03.2026"),
        ("tax_mode", "individual"),
        ("discount", ""),
        ("shipping", ""),
        ("terms", ""),
    ];
    for (k, v) in [
        ("line_product", ""),
        ("line_name", picked.as_str()),
        ("line_qty", "1"),
        ("line_unit", ""),
        ("line_price", ""),
        ("line_discount", ""),
        ("line_vat", ""),
    ] {
        fields.push((k, v));
    }
    let r = submit(&app, &c, &format!("{url}/save"), &fields).await;
    assert_eq!(see_other(&r), format!("{url}?msg=saved"));
    let (_, q) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(q["doc_date"], "2026-03-15");
    assert_eq!(q["valid_until"], "2026-03-31");
    assert_eq!(q["lines"][0]["product_id"], shop.product);
    assert_eq!(q["lines"][0]["name"], "Сервер");
    assert_eq!(q["lines"][0]["unit_price"], "50000.00");
    assert_eq!(q["total"], "61000.00");

    // A day that is not one is named beside the form, in Russian, and nothing changes.
    fields[2] = ("doc_date", "31.02.2026");
    let r = submit(&app, &c, &format!("{url}/save"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("ДД.ММ.ГГГГ"), "the expected format is said");
    let (_, same) = app
        .get(&app.admin, &format!("/api/v1/quotes/{quote}"))
        .await;
    assert_eq!(same["doc_date"], "2026-03-15");
}

#[tokio::test]
async fn an_order_by_hand_and_a_partial_shipment_from_the_invoice_page() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let shop = shop(&app, &app.admin).await;
    let token = csrf(&app, &c).await;

    // An order by hand from the list page: the customer picked as "Name #id".
    let body = ok_page(&app, &c, "/orders").await;
    assert!(body.contains("action=\"/orders/new-doc\""));
    let customer = format!("ООО «Ромашка» #{}", shop.account);
    let r = submit(
        &app,
        &c,
        "/orders/new-doc",
        &[
            ("_csrf", &token),
            ("account_id", &customer),
            ("title", "Заказ по телефону"),
        ],
    )
    .await;
    let to = see_other(&r);
    assert!(to.starts_with("/orders/"), "{to}");
    let order = id_in(&to, "/orders/");
    let (_, o) = app
        .get(&app.admin, &format!("/api/v1/orders/{order}"))
        .await;
    assert_eq!(o["status"], "created");
    assert_eq!(o["account_id"], shop.account);
    assert_eq!(o["title"], "Заказ по телефону");
    // Without a customer: said on the list, nothing created.
    let r = submit(
        &app,
        &c,
        "/orders/new-doc",
        &[("_csrf", &token), ("account_id", "Ромашка")],
    )
    .await;
    assert_eq!(see_other(&r), "/orders?error=customer");
    let body = ok_page(&app, &c, "/orders?error=customer").await;
    assert!(body.contains("Выберите клиента из списка"));

    // An issued invoice from the deal: ship one of the two servers.
    let inv = app
        .create(
            &app.admin,
            &format!("/api/v1/deals/{}/invoices", shop.deal),
            json!({}),
        )
        .await;
    let inv_id = inv["id"].as_i64().unwrap();
    app.post(
        &app.admin,
        &format!("/api/v1/invoices/{inv_id}/send"),
        json!({}),
    )
    .await;
    let server_line = inv["lines"][0]["id"].as_i64().unwrap();
    let url = format!("/invoices/{inv_id}");
    let body = ok_page(&app, &c, &url).await;
    assert!(body.contains(&format!("name=\"q_{server_line}\"")));
    let q_field = format!("q_{server_line}");
    let r = submit(
        &app,
        &c,
        &format!("{url}/deliver/shipment"),
        &[("_csrf", &token), (&q_field, "1")],
    )
    .await;
    assert_eq!(see_other(&r), format!("{url}?msg=saved"));
    let (_, shipments) = app
        .get(&app.admin, &format!("/api/v1/invoices/{inv_id}/shipments"))
        .await;
    assert_eq!(shipments[0]["lines"][0]["quantity"], "1");
    // More than is left is refused on the page, in Russian, and nothing is shipped.
    let r = submit(
        &app,
        &c,
        &format!("{url}/deliver/shipment"),
        &[("_csrf", &token), (&q_field, "2")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, shipments) = app
        .get(&app.admin, &format!("/api/v1/invoices/{inv_id}/shipments"))
        .await;
    assert_eq!(shipments.as_array().unwrap().len(), 1);
}
