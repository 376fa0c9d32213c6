//! The catalog's pages over HTTP: products, our company, price books,
//! currencies and VAT rates — Russian formatting, forms with the CSRF token,
//! refused forms with their messages, and read-only pages for managers.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

const NBSP: char = '\u{a0}';

fn csrf_of(html: &str) -> String {
    let marker = "data-csrf=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// Every form on the page posts the session's token (the logout form included).
fn forms_carry_csrf(html: &str, csrf: &str) {
    let forms = html.matches("<form").count() - html.matches("method=\"get\"").count();
    let tokens = html
        .matches(&format!("name=\"_csrf\" value=\"{csrf}\""))
        .count();
    assert!(forms > 1, "the page has forms");
    assert_eq!(forms, tokens, "every post form carries the token");
}

/// Only the logout form: nothing to change.
fn read_only(html: &str) {
    assert_eq!(
        html.matches("name=\"_csrf\"").count(),
        1,
        "only the logout form: {html}"
    );
}

fn money(s: &str) -> String {
    // "15 000,00 ₽" with non-breaking spaces.
    s.replace(' ', &NBSP.to_string())
}

#[tokio::test]
async fn products_pages_speak_russian_and_take_forms() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    app.create(
        &app.admin,
        "/api/v1/products",
        json!({"name": "Стеллаж СТ-200", "sku": "ST-200", "price": "15000", "category": "Стеллажи"}),
    )
    .await;
    app.create(
        &app.admin,
        "/api/v1/products",
        json!({"name": "Монтаж", "kind": "service", "unit_code": "356", "price": "2500", "vat_rate": "none"}),
    )
    .await;

    let html = ok_page(&app, &c, "/products").await;
    assert!(html.contains("<title>Товары и услуги"));
    assert!(html.contains(&money("15 000,00 ₽")), "{html}");
    assert!(html.contains("Без НДС"));
    assert!(html.contains(">ч<"), "units by name");
    assert!(html.contains("href=\"/products/new\""));
    assert!(
        html.contains("2 записи"),
        "the count, plural by Russian rules"
    );
    let html = ok_page(&app, &c, "/products?kind=service").await;
    assert!(html.contains("Монтаж") && !html.contains("Стеллаж СТ-200"));
    let html = ok_page(&app, &c, "/products?q=ст-200&sort=-price").await;
    assert!(html.contains("Стеллаж СТ-200") && !html.contains(">Монтаж<"));
    let html = ok_page(&app, &c, "/products?sort=nonsense").await;
    assert!(
        html.contains("cannot sort by nonsense"),
        "a bad address shows its message"
    );

    let form = ok_page(&app, &c, "/products/new").await;
    let csrf = csrf_of(&form);
    forms_carry_csrf(&form, &csrf);
    assert!(form.contains("name=\"unit_code\"") && form.contains("796"));

    // A refused form keeps what was typed and names the field.
    let r = submit(
        &app,
        &c,
        "/products/new",
        &[
            ("_csrf", &csrf),
            ("name", "Полка усиленная"),
            ("price", "-1"),
            ("unit_code", "796"),
            ("currency", "RUB"),
            ("vat_rate", "22"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Полка усиленная\""));
    assert!(html.contains("не может быть отрицательным"));

    let r = submit(&app, &c, "/products/new", &[("name", "Без токена")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = submit(
        &app,
        &c,
        "/products/new",
        &[
            ("_csrf", &csrf),
            ("name", "Полка усиленная"),
            ("kind", "goods"),
            ("sku", "P-2"),
            ("price", "1 500,5"),
            ("cost", ""),
            ("unit_code", "796"),
            ("currency", "RUB"),
            ("vat_rate", "10"),
            ("active", "on"),
        ],
    )
    .await;
    let to = see_other(&r);
    assert!(to.starts_with("/products/"), "{to}");
    let html = ok_page(&app, &c, &to).await;
    assert!(html.contains("Сохранено"));
    assert!(html.contains(&money("1 500,50 ₽")), "{html}");
    assert!(html.contains("10\u{a0}%"));
    forms_carry_csrf(&html, &csrf);

    let id = to
        .trim_start_matches("/products/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = submit(
        &app,
        &c,
        &format!("/products/{id}"),
        &[
            ("_csrf", &csrf),
            ("name", "Полка"),
            ("price", "2000"),
            ("unit_code", "796"),
            ("currency", "RUB"),
            ("vat_rate", "xx"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("это не ставка НДС"));
    let r = submit(
        &app,
        &c,
        &format!("/products/{id}/delete"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(see_other(&r), "/products?msg=deleted");
    let (s, _) = page(&app, &c, &format!("/products/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_sees_the_catalog_without_edit_buttons() {
    let app = TestApp::spawn().await;
    app.user("manager", "manager", None).await;
    let c = signed_in(&app, "manager").await;
    let p = app
        .create(
            &app.admin,
            "/api/v1/products",
            json!({"name": "Стеллаж", "price": "100"}),
        )
        .await;
    let book = app
        .create(&app.admin, "/api/v1/price-books", json!({"name": "Опт"}))
        .await;
    app.put(
        &app.admin,
        &format!("/api/v1/price-books/{}/entries/{}", book["id"], p["id"]),
        json!({"price": "90"}),
    )
    .await;

    let html = ok_page(&app, &c, "/products").await;
    assert!(html.contains("Стеллаж"));
    assert!(!html.contains("/products/new"));
    read_only(&html);
    let html = ok_page(&app, &c, &format!("/products/{}", p["id"])).await;
    assert!(html.contains(&money("100,00 ₽")));
    read_only(&html);
    for path in [
        "/settings/company".to_owned(),
        "/settings/price-books".to_owned(),
        format!("/settings/price-books/{}", book["id"]),
        "/settings/currencies".to_owned(),
        "/settings/currencies/USD".to_owned(),
        "/settings/vat-rates".to_owned(),
    ] {
        let html = ok_page(&app, &c, &path).await;
        read_only(&html);
    }
    let html = ok_page(&app, &c, &format!("/settings/price-books/{}", book["id"])).await;
    assert!(html.contains(&money("90,00 ₽")));

    let (s, _) = page(&app, &c, "/products/new").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let csrf = csrf_of(&html);
    let r = submit(
        &app,
        &c,
        &format!("/products/{}", p["id"]),
        &[("_csrf", &csrf), ("name", "Взлом")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = submit(
        &app,
        &c,
        "/settings/company",
        &[("_csrf", &csrf), ("legal_name", "Взлом")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = submit(
        &app,
        &c,
        &format!("/settings/price-books/{}/entries", book["id"]),
        &[("_csrf", &csrf), ("product_id", "1"), ("price", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, v) = app.get(&app.admin, "/api/v1/company").await;
    assert_eq!(v["legal_name"], "");
}

#[tokio::test]
async fn our_company_page_checks_the_details() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let html = ok_page(&app, &c, "/settings").await;
    for section in [
        "Наша компания",
        "Прайс-листы",
        "Валюты и курсы",
        "Ставки НДС",
    ] {
        assert!(html.contains(section), "{section} in the settings menu");
    }
    let html = ok_page(&app, &c, "/settings/company").await;
    assert!(html.contains("<title>Наша компания"));
    assert!(html.contains("Плательщик НДС"));
    let csrf = csrf_of(&html);
    forms_carry_csrf(&html, &csrf);
    let good = [
        ("legal_name", "ООО «Ромашка»"),
        ("inn", "7707083893"),
        ("kpp", "773601001"),
        ("bic", "044525225"),
        ("correspondent_account", "30101810400000000225"),
        ("tax_regime", "simplified5"),
        ("base_currency", "RUB"),
        ("invoice_number_format", "{year}-{seq:05}"),
    ];
    let mut bad: Vec<(&str, &str)> = good.to_vec();
    bad[1] = ("inn", "7707083894");
    bad.push(("_csrf", &csrf));
    let r = submit(&app, &c, "/settings/company", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("не сходится контрольное число"), "{html}");
    assert!(
        html.contains("value=\"7707083894\""),
        "what was typed stays"
    );
    assert_eq!(app.count("company").await, 0);

    let mut fields: Vec<(&str, &str)> = good.to_vec();
    fields.push(("_csrf", &csrf));
    let r = submit(&app, &c, "/settings/company", &fields).await;
    assert_eq!(see_other(&r), "/settings/company?msg=saved");
    let html = ok_page(&app, &c, "/settings/company?msg=saved").await;
    assert!(html.contains("value=\"ООО «Ромашка»\"") || html.contains("ООО «Ромашка»"));
    assert!(html.contains("УСН с НДС 5"));
    let (_, v) = app.get(&app.admin, "/api/v1/company").await;
    assert_eq!(v["tax_regime"], "simplified5");
    assert_eq!(v["inn"], "7707083893");
}

#[tokio::test]
async fn price_book_pages_set_and_remove_prices() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let p = app
        .create(
            &app.admin,
            "/api/v1/products",
            json!({"name": "Стеллаж", "sku": "ST", "price": "100"}),
        )
        .await;
    let html = ok_page(&app, &c, "/settings/price-books").await;
    assert!(html.contains("Прайс-листов пока нет"));
    let csrf = csrf_of(&html);
    forms_carry_csrf(&html, &csrf);
    let r = submit(
        &app,
        &c,
        "/settings/price-books",
        &[("_csrf", &csrf), ("name", ""), ("currency", "RUB")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = submit(
        &app,
        &c,
        "/settings/price-books",
        &[
            ("_csrf", &csrf),
            ("name", "Розница"),
            ("currency", "RUB"),
            ("is_default", "on"),
        ],
    )
    .await;
    let to = see_other(&r);
    let book = to
        .trim_start_matches("/settings/price-books/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let pid = p["id"].to_string();
    let r = submit(
        &app,
        &c,
        &format!("/settings/price-books/{book}/entries"),
        &[("_csrf", &csrf), ("product_id", &pid), ("price", "1 234,5")],
    )
    .await;
    see_other(&r);
    let html = ok_page(&app, &c, &format!("/settings/price-books/{book}")).await;
    assert!(html.contains(&money("1 234,50 ₽")), "{html}");
    assert!(html.contains("Стеллаж"));
    forms_carry_csrf(&html, &csrf);
    let r = submit(
        &app,
        &c,
        &format!("/settings/price-books/{book}/entries"),
        &[("_csrf", &csrf), ("product_id", &pid), ("price", "-3")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("не может быть отрицательным")
    );
    let html = ok_page(&app, &c, "/settings/price-books").await;
    assert!(html.contains("Розница") && html.contains("Основная"));

    let r = submit(
        &app,
        &c,
        &format!("/settings/price-books/{book}/entries/{pid}/delete"),
        &[("_csrf", &csrf)],
    )
    .await;
    see_other(&r);
    assert_eq!(app.count("price_book_entries").await, 0);
    let r = submit(
        &app,
        &c,
        &format!("/settings/price-books/{book}/delete"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(see_other(&r), "/settings/price-books?msg=deleted");
}

#[tokio::test]
async fn currency_and_vat_rate_pages() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let html = ok_page(&app, &c, "/settings/currencies").await;
    assert!(html.contains("Основная валюта — RUB"));
    let csrf = csrf_of(&html);
    forms_carry_csrf(&html, &csrf);
    let r = submit(
        &app,
        &c,
        "/settings/currencies/USD",
        &[("_csrf", &csrf), ("day", "2026-01-15"), ("rate", "92,5")],
    )
    .await;
    assert_eq!(see_other(&r), "/settings/currencies/USD?msg=saved");
    let r = submit(
        &app,
        &c,
        "/settings/currencies/USD",
        &[("_csrf", &csrf), ("day", "2026-01-16"), ("rate", "0")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("должно быть больше нуля"));
    let html = ok_page(&app, &c, "/settings/currencies/USD").await;
    assert!(html.contains("15.01.2026"));
    assert!(html.contains("92,50"));
    forms_carry_csrf(&html, &csrf);
    let html = ok_page(&app, &c, "/settings/currencies").await;
    assert!(html.contains("92,50"));
    let r = submit(
        &app,
        &c,
        "/settings/currencies",
        &[("_csrf", &csrf), ("code", "KZT"), ("name", "Тенге")],
    )
    .await;
    see_other(&r);
    let r = submit(
        &app,
        &c,
        "/settings/currencies/KZT/active",
        &[("_csrf", &csrf), ("active", "0")],
    )
    .await;
    see_other(&r);
    let (_, v) = app.get(&app.admin, "/api/v1/currencies/KZT").await;
    assert_eq!(v["active"], false);

    let html = ok_page(&app, &c, "/settings/vat-rates").await;
    assert!(html.contains("22\u{a0}%"));
    assert!(html.contains("01.01.2026"));
    assert!(html.contains("ОСН (плательщик НДС)"));
    forms_carry_csrf(&html, &csrf);
    let r = submit(
        &app,
        &c,
        "/settings/vat-rates",
        &[("_csrf", &csrf), ("regime", "usn"), ("rate", "5")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Система налогообложения"));
    let r = submit(
        &app,
        &c,
        "/settings/vat-rates",
        &[
            ("_csrf", &csrf),
            ("regime", "general"),
            ("rate", "24"),
            ("valid_from", "2027-01-01"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), "/settings/vat-rates?msg=saved");
    let html = ok_page(&app, &c, "/settings/vat-rates").await;
    assert!(html.contains("24\u{a0}%") && html.contains("01.01.2027"));
}

/// A refused action on a document page is told in the user's language (the
/// store's message read back through the registry), while the API keeps
/// the English.
#[tokio::test]
async fn document_refusals_are_shown_in_russian() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let account = app
        .create(a, "/api/v1/accounts", json!({"name": "ООО Ромашка"}))
        .await;
    let quote = app
        .create(
            a,
            "/api/v1/quotes",
            json!({"account_id": account["id"], "lines": [
                {"name": "Монтаж", "unit_code": "356", "quantity": "2", "unit_price": "2500"}
            ]}),
        )
        .await;
    let id = quote["id"].as_i64().unwrap();
    let (s, v) = app
        .post(a, &format!("/api/v1/quotes/{id}/activate"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let c = signed_in(&app, "admin").await;
    let html = ok_page(&app, &c, &format!("/quotes/{id}")).await;
    let csrf = csrf_of(&html);
    let r = submit(
        &app,
        &c,
        &format!("/quotes/{id}/do/activate"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("коммерческое предложение в статусе «Активно» нельзя сделать активным"),
        "{body}"
    );
    assert!(!body.contains("cannot be activated"));

    // Editing the active quote: the read-only conflict, in Russian too.
    let r = submit(
        &app,
        &c,
        &format!("/quotes/{id}/save"),
        &[("_csrf", &csrf), ("line_name", "Монтаж"), ("line_qty", "3")],
    )
    .await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("больше не редактируется; чтобы изменить КП, создайте новую версию"),
        "{body}"
    );

    let (s, e) = app
        .post(a, &format!("/api/v1/quotes/{id}/activate"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        e["error"]["message"],
        "a quote in status active cannot be activated"
    );
}
