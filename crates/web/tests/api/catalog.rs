//! The catalog and our company over the API: products, units, VAT rates,
//! price books and their prices, currencies and exchange rates, our legal
//! details — who may write them, what is refused, and what documents get
//! from them (`price_for`, `rate_on`).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use voronka_core::Day;
use voronka_store::catalog;
use voronka_store::db::{Conn, boxed};

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

async fn product(app: &TestApp, body: Value) -> Value {
    app.create(&app.admin, "/api/v1/products", body).await
}

#[tokio::test]
async fn products_are_created_listed_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let p = product(
        &app,
        json!({"name": "Монтаж стеллажа", "kind": "service", "unit_code": "356", "price": "2500", "cost": "1200.50", "vat_rate": "22", "category": "Услуги"}),
    )
    .await;
    assert_eq!(p["price"], "2500.00");
    assert_eq!(p["cost"], "1200.50");
    assert_eq!(p["currency"], "RUB");
    assert_eq!(p["active"], true);
    let id = p["id"].as_i64().unwrap();
    product(
        &app,
        json!({"name": "Стеллаж СТ-200", "sku": "ST-200", "price": "15000", "category": "Стеллажи"}),
    )
    .await;
    product(
        &app,
        json!({"name": "Полка П-1", "sku": "P-1", "price": "800", "active": false}),
    )
    .await;

    let (s, page) = app.get(&app.admin, "/api/v1/products?kind=service").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = app
        .get(&app.admin, "/api/v1/products?sort=-price&total=true")
        .await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"][0]["name"], "Стеллаж СТ-200");
    let (_, page) = app.get(&app.admin, "/api/v1/products?q=стеллаж").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let (_, page) = app.get(&app.admin, "/api/v1/products?q=st-200").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = app
        .get(&app.admin, "/api/v1/products?active=true&price__lte=3000")
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], id);
    let (s, e) = app.get(&app.admin, "/api/v1/products?sort=secret").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["sort"]);

    let (s, p) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{id}"),
            json!({"price": "2700.5", "vat_rate": "none"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["price"], "2700.50");
    assert_eq!(p["vat_rate"], "none");
    assert_eq!(p["name"], "Монтаж стеллажа");
    let (_, p) = app.get(&app.admin, &format!("/api/v1/products/{id}")).await;
    assert_eq!(p["unit_code"], "356");

    // Every change is in the audit log, as for the sales records.
    assert_eq!(
        app.count("audit_log WHERE entity = 'product'").await,
        4,
        "three creations and one update"
    );

    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/products/{id}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get(&app.admin, &format!("/api/v1/products/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_products_are_refused_naming_the_fields() {
    let app = TestApp::spawn().await;
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/products",
            json!({"name": "", "price": "-5", "cost": "0.001", "vat_rate": "18%"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["cost", "name", "price", "vat_rate"]);
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/products",
            json!({"name": "X", "unit_code": "999", "currency": "XXX"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["currency", "unit_code"]);
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/products",
            json!({"name": "X", "colour": "red"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["colour"]);

    // A SKU names one product.
    let first = product(&app, json!({"name": "Стеллаж", "sku": "ST-1"})).await;
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/products",
            json!({"name": "Другой", "sku": " ST-1 "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["error"]["fields"]["sku"]
            .as_str()
            .unwrap()
            .contains("already used by product"),
        "{e}"
    );
    let second = product(&app, json!({"name": "Другой", "sku": "ST-2"})).await;
    let (s, e) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{}", second["id"]),
            json!({"sku": "ST-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["sku"]);
    // Saving a product with its own SKU is no conflict.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{}", first["id"]),
            json!({"sku": "ST-1", "name": "Стеллаж большой"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_product_on_a_document_line_is_deactivated_not_deleted() {
    let app = TestApp::spawn().await;
    let p = product(&app, json!({"name": "Стеллаж", "price": "100"})).await;
    let id = p["id"].as_i64().unwrap();
    let book = app
        .create(&app.admin, "/api/v1/price-books", json!({"name": "Опт"}))
        .await;
    let (s, _) = app
        .put(
            &app.admin,
            &format!("/api/v1/price-books/{}/entries/{id}", book["id"]),
            json!({"price": "90"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.db
        .write(move |tx| {
            boxed(async move {
                sqlx::query(
                    "INSERT INTO doc_lines (doc_kind, doc_id, position, product_id, name, unit_code, \
                     quantity_milli, unit_price_minor, vat_rate, unit_cost_minor, amount_minor, \
                     discount_minor, net_minor, vat_minor, total_minor, cost_minor) \
                     VALUES ('quote', 1, 0, $1, 'Стеллаж', '796', 1000, 10000, '22', 0, 10000, 0, 10000, 2200, 12200, 0)",
                )
                .bind(id)
                .execute(tx.conn())
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let (s, e) = app
        .delete(&app.admin, &format!("/api/v1/products/{id}"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deactivate it instead"),
        "{e}"
    );
    assert_eq!(app.count("price_book_entries").await, 1, "nothing removed");
    let (s, p) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["active"], false);

    // Without document lines the product goes, with its prices.
    let other = product(&app, json!({"name": "Полка"})).await;
    let oid = other["id"].as_i64().unwrap();
    app.put(
        &app.admin,
        &format!("/api/v1/price-books/{}/entries/{oid}", book["id"]),
        json!({"price": "10"}),
    )
    .await;
    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/products/{oid}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(app.count("price_book_entries").await, 1);
}

#[tokio::test]
async fn managers_read_the_catalog_and_only_admins_and_heads_write_it() {
    let app = TestApp::spawn().await;
    let (manager, _) = app.user("manager", "manager", None).await;
    let (head, _) = app.user("head", "head", None).await;
    let p = product(&app, json!({"name": "Стеллаж", "price": "100"})).await;
    let book = app
        .create(&app.admin, "/api/v1/price-books", json!({"name": "Опт"}))
        .await;
    let pid = p["id"].as_i64().unwrap();
    let bid = book["id"].as_i64().unwrap();

    for path in [
        "/api/v1/products".to_owned(),
        format!("/api/v1/products/{pid}"),
        format!("/api/v1/products/{pid}/price"),
        "/api/v1/units".to_owned(),
        "/api/v1/vat-rates".to_owned(),
        "/api/v1/price-books".to_owned(),
        format!("/api/v1/price-books/{bid}"),
        format!("/api/v1/price-books/{bid}/entries"),
        "/api/v1/currencies".to_owned(),
        "/api/v1/currencies/USD".to_owned(),
        "/api/v1/currencies/USD/rates".to_owned(),
        "/api/v1/company".to_owned(),
    ] {
        let (s, v) = app.get(&manager, &path).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
    }

    // Refused before the body is even looked at: 403, not 422.
    let forbidden = [
        ("POST", "/api/v1/products".to_owned(), json!({"name": ""})),
        (
            "PATCH",
            format!("/api/v1/products/{pid}"),
            json!({"price": "1"}),
        ),
        ("DELETE", format!("/api/v1/products/{pid}"), json!(null)),
        (
            "POST",
            "/api/v1/price-books".to_owned(),
            json!({"name": "X"}),
        ),
        (
            "PATCH",
            format!("/api/v1/price-books/{bid}"),
            json!({"is_default": true}),
        ),
        ("DELETE", format!("/api/v1/price-books/{bid}"), json!(null)),
        (
            "PUT",
            format!("/api/v1/price-books/{bid}/entries/{pid}"),
            json!({"price": "1"}),
        ),
        (
            "DELETE",
            format!("/api/v1/price-books/{bid}/entries/{pid}"),
            json!(null),
        ),
        (
            "POST",
            "/api/v1/vat-rates".to_owned(),
            json!({"regime": "general", "rate": "22"}),
        ),
        (
            "PATCH",
            "/api/v1/vat-rates/1".to_owned(),
            json!({"rate": "5"}),
        ),
        ("DELETE", "/api/v1/vat-rates/1".to_owned(), json!(null)),
        (
            "POST",
            "/api/v1/currencies".to_owned(),
            json!({"code": "KZT", "name": "Тенге"}),
        ),
        (
            "PATCH",
            "/api/v1/currencies/USD".to_owned(),
            json!({"active": false}),
        ),
        (
            "PUT",
            "/api/v1/currencies/USD/rates".to_owned(),
            json!({"day": "2026-01-10", "rate": "90"}),
        ),
        (
            "PUT",
            "/api/v1/company".to_owned(),
            json!({"legal_name": "ООО «Мы»"}),
        ),
        (
            "PATCH",
            "/api/v1/company".to_owned(),
            json!({"tax_regime": "exempt"}),
        ),
    ];
    for (method, path, body) in &forbidden {
        let req = match *method {
            "POST" => manager.post(app.url(path)).json(body),
            "PATCH" => manager.patch(app.url(path)).json(body),
            "PUT" => manager.put(app.url(path)).json(body),
            _ => manager.delete(app.url(path)),
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    let (_, p) = app.get(&manager, &format!("/api/v1/products/{pid}")).await;
    assert_eq!(p["price"], "100.00", "nothing changed");

    // A head of sales keeps products and price books, not the company's settings.
    let (s, _) = app
        .post(&head, "/api/v1/products", json!({"name": "Полка"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app
        .put(
            &head,
            &format!("/api/v1/price-books/{bid}/entries/{pid}"),
            json!({"price": "95"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .patch(&head, "/api/v1/company", json!({"tax_regime": "exempt"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            &head,
            "/api/v1/vat-rates",
            json!({"regime": "general", "rate": "22"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn units_and_vat_rates_with_their_dates() {
    let app = TestApp::spawn().await;
    let (s, units) = app.get(&app.admin, "/api/v1/units").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(units[0]["code"], "796");
    assert_eq!(units[0]["name_ru"], "шт");
    assert!(units.as_array().unwrap().iter().any(|u| u["code"] == "356"));

    let (_, rates) = app.get(&app.admin, "/api/v1/vat-rates").await;
    let general_22 = rates
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["regime"] == "general" && r["rate"] == "22")
        .unwrap()
        .clone();
    assert_eq!(general_22["valid_from"], "2026-01-01");
    assert_eq!(general_22["is_default"], true);

    // The default rate follows the document's day.
    let mut c = app.db.reader().await.unwrap();
    assert_eq!(
        catalog::default_vat_rate(&mut c, "general", day("2026-03-01"))
            .await
            .unwrap()
            .as_deref(),
        Some("22")
    );
    assert_eq!(
        catalog::default_vat_rate(&mut c, "general", day("2025-12-31"))
            .await
            .unwrap()
            .as_deref(),
        Some("20")
    );
    assert_eq!(
        catalog::default_vat_rate(&mut c, "exempt", day("2026-03-01"))
            .await
            .unwrap()
            .as_deref(),
        Some("none")
    );
    drop(c);

    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/vat-rates",
            json!({"regime": "usn", "rate": "abc", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["rate", "regime", "valid_to"]);
    let r = app
        .create(
            &app.admin,
            "/api/v1/vat-rates",
            json!({"regime": "general", "rate": "05", "valid_from": "2027-01-01"}),
        )
        .await;
    assert_eq!(r["rate"], "5");
    let id = r["id"].as_i64().unwrap();
    let (s, r) = app
        .patch(
            &app.admin,
            &format!("/api/v1/vat-rates/{id}"),
            json!({"rate": "24", "is_default": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["rate"], "24");
    assert_eq!(r["valid_from"], "2027-01-01");
    let (s, e) = app
        .patch(
            &app.admin,
            &format!("/api/v1/vat-rates/{id}"),
            json!({"rate": "100"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["rate"]);
    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/vat-rates/{id}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/vat-rates/{id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn defaults(app: &TestApp) -> Vec<i64> {
    let (_, books) = app.get(&app.admin, "/api/v1/price-books").await;
    books
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["is_default"] == true)
        .map(|b| b["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn one_price_book_is_the_default_and_holds_prices() {
    let app = TestApp::spawn().await;
    let a = app
        .create(
            &app.admin,
            "/api/v1/price-books",
            json!({"name": "Розница", "is_default": true}),
        )
        .await;
    let a = a["id"].as_i64().unwrap();
    assert_eq!(defaults(&app).await, [a]);
    let b = app
        .create(
            &app.admin,
            "/api/v1/price-books",
            json!({"name": "Опт", "is_default": true, "currency": "usd"}),
        )
        .await;
    assert_eq!(b["currency"], "USD");
    let b = b["id"].as_i64().unwrap();
    assert_eq!(defaults(&app).await, [b], "the new default unsets the old");
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/price-books/{a}"),
            json!({"is_default": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(defaults(&app).await, [a]);
    // A refused change leaves the default where it was.
    let (s, e) = app
        .patch(
            &app.admin,
            &format!("/api/v1/price-books/{b}"),
            json!({"is_default": true, "name": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["name"]);
    assert_eq!(defaults(&app).await, [a]);
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/price-books",
            json!({"name": "X", "currency": "ZZZ"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["currency"]);

    let rack = product(
        &app,
        json!({"name": "Стеллаж", "sku": "ST", "price": "100"}),
    )
    .await;
    let shelf = product(&app, json!({"name": "Полка", "price": "10"})).await;
    let entry = |p: &Value| format!("/api/v1/price-books/{a}/entries/{}", p["id"]);
    let (s, e) = app
        .put(&app.admin, &entry(&rack), json!({"price": "95.5"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["price"], "95.50");
    assert_eq!(e["product_name"], "Стеллаж");
    assert_eq!(e["currency"], "RUB");
    app.put(&app.admin, &entry(&shelf), json!({"price": "9"}))
        .await;
    let (s, e) = app
        .put(&app.admin, &entry(&rack), json!({"price": "90"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(e["price"], "90.00");
    let (_, list) = app
        .get(&app.admin, &format!("/api/v1/price-books/{a}/entries"))
        .await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["product_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Полка", "Стеллаж"]);
    assert_eq!(list[1]["sku"], "ST");

    let (s, e) = app
        .put(&app.admin, &entry(&rack), json!({"price": "-1"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["price"]);
    let (s, _) = app
        .put(
            &app.admin,
            &format!("/api/v1/price-books/{a}/entries/999"),
            json!({"price": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .put(
            &app.admin,
            &format!("/api/v1/price-books/999/entries/{}", rack["id"]),
            json!({"price": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.delete(&app.admin, &entry(&shelf)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.delete(&app.admin, &entry(&shelf)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("audit_log WHERE entity = 'price_book' AND action LIKE 'price_%'")
            .await,
        4
    );

    // A book with prices keeps its currency.
    let (s, e) = app
        .patch(
            &app.admin,
            &format!("/api/v1/price-books/{a}"),
            json!({"currency": "EUR"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["currency"]);

    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/price-books/{a}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(app.count("price_book_entries").await, 0);
    let (s, _) = app
        .get(&app.admin, &format!("/api/v1/price-books/{a}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn price_for_takes_the_books_price_else_the_products() {
    let app = TestApp::spawn().await;
    let p = product(
        &app,
        json!({"name": "Монтаж", "kind": "service", "unit_code": "356", "price": "2500", "cost": "1000", "vat_rate": "22"}),
    )
    .await;
    let pid = p["id"].as_i64().unwrap();
    let with = app
        .create(
            &app.admin,
            "/api/v1/price-books",
            json!({"name": "Дилеры", "currency": "USD"}),
        )
        .await;
    let with = with["id"].as_i64().unwrap();
    let without = app
        .create(&app.admin, "/api/v1/price-books", json!({"name": "Пустой"}))
        .await;
    let without = without["id"].as_i64().unwrap();
    app.put(
        &app.admin,
        &format!("/api/v1/price-books/{with}/entries/{pid}"),
        json!({"price": "30"}),
    )
    .await;

    let mut c = app.db.reader().await.unwrap();
    let from_book = catalog::price_for(&mut c, Some(with), pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(from_book.price.to_string(), "30.00");
    assert_eq!(from_book.currency.as_str(), "USD");
    assert_eq!(from_book.price_book_id, Some(with));
    assert_eq!(from_book.name, "Монтаж");
    assert_eq!(from_book.unit_code, "356");
    assert_eq!(from_book.vat_rate, "22");
    assert_eq!(from_book.cost.to_string(), "1000.00");
    let own = catalog::price_for(&mut c, Some(without), pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(own.price.to_string(), "2500.00");
    assert_eq!(own.currency.as_str(), "RUB");
    assert_eq!(own.price_book_id, None);
    let none = catalog::price_for(&mut c, None, pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(none.price, own.price);
    assert!(
        catalog::price_for(&mut c, Some(with), 999)
            .await
            .unwrap()
            .is_none()
    );
    drop(c);

    let (s, v) = app
        .get(
            &app.admin,
            &format!("/api/v1/products/{pid}/price?price_book_id={with}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["price"], "30.00");
    assert_eq!(v["kind"], "service");
    let (s, _) = app.get(&app.admin, "/api/v1/products/999/price").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn exchange_rates_by_day_and_rate_on_takes_the_latest_before() {
    let app = TestApp::spawn().await;
    for (d, r) in [("2026-01-10", "90"), ("2026-01-15", "92.123456")] {
        let (s, v) = app
            .put(
                &app.admin,
                "/api/v1/currencies/usd/rates",
                json!({"day": d, "rate": r}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The same day again replaces that day's rate.
    let (_, v) = app
        .put(
            &app.admin,
            "/api/v1/currencies/USD/rates",
            json!({"day": "2026-01-10", "rate": "91.5"}),
        )
        .await;
    assert_eq!(v["rate"], "91.5");
    let (s, list) = app.get(&app.admin, "/api/v1/currencies/USD/rates").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["day"], "2026-01-15");
    assert_eq!(list[0]["rate"], "92.123456");

    let mut c = app.db.reader().await.unwrap();
    let on = |d: &str| day(d);
    assert_eq!(
        catalog::rate_on(&mut c, "USD", on("2026-01-09"))
            .await
            .unwrap(),
        None
    );
    for (d, want) in [
        ("2026-01-10", "91.5"),
        ("2026-01-14", "91.5"),
        ("2026-01-15", "92.123456"),
        ("2026-03-01", "92.123456"),
    ] {
        let got = catalog::rate_on(&mut c, "USD", on(d)).await.unwrap();
        assert_eq!(got.map(|r| r.to_string()).as_deref(), Some(want), "{d}");
    }
    assert_eq!(
        catalog::rate_on(&mut c, "RUB", on("2020-01-01"))
            .await
            .unwrap()
            .map(|r| r.to_string())
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        catalog::rate_on(&mut c, "EUR", on("2026-01-15"))
            .await
            .unwrap(),
        None
    );
    drop(c);

    for (body, field) in [
        (json!({"day": "2026-01-10", "rate": "0"}), "rate"),
        (json!({"day": "2026-01-10", "rate": "-3"}), "rate"),
        (json!({"day": "2026-01-10", "rate": "1.1234567"}), "rate"),
        (json!({"day": "10.01.2026", "rate": "1"}), "day"),
    ] {
        let (s, e) = app
            .put(&app.admin, "/api/v1/currencies/USD/rates", body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(fields(&e), [field]);
    }
    let (s, e) = app
        .put(
            &app.admin,
            "/api/v1/currencies/RUB/rates",
            json!({"day": "2026-01-10", "rate": "2"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["currency"]);
    let (s, _) = app
        .put(
            &app.admin,
            "/api/v1/currencies/KZT/rates",
            json!({"day": "2026-01-10", "rate": "2"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&app.admin, "/api/v1/currencies/nope/rates").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn currencies_are_added_and_switched_off() {
    let app = TestApp::spawn().await;
    let (_, list) = app.get(&app.admin, "/api/v1/currencies").await;
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CNY", "EUR", "RUB", "USD"]);
    let kzt = app
        .create(
            &app.admin,
            "/api/v1/currencies",
            json!({"code": "kzt", "name": "Казахстанский тенге"}),
        )
        .await;
    assert_eq!(kzt["code"], "KZT");
    assert_eq!(kzt["active"], true);
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/currencies",
            json!({"code": "KZT", "name": "Тенге"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["code"]);
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/currencies",
            json!({"code": "K1", "name": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["code"]);

    let (s, c) = app
        .patch(
            &app.admin,
            "/api/v1/currencies/KZT",
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["active"], false);
    assert_eq!(c["name"], "Казахстанский тенге");
    let (s, e) = app
        .post(
            &app.admin,
            "/api/v1/products",
            json!({"name": "X", "currency": "KZT"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["currency"]);
    let (s, e) = app
        .patch(
            &app.admin,
            "/api/v1/currencies/RUB",
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["active"]);
    let (s, e) = app
        .patch(&app.admin, "/api/v1/currencies/USD", json!({"code": "EUR"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["code"]);
    let (s, _) = app
        .patch(
            &app.admin,
            "/api/v1/currencies/XYZ",
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn our_details() -> Value {
    json!({
        "legal_name": "ПАО Сбербанк",
        "short_name": "Сбербанк",
        "inn": "7707083893",
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "bank_name": "ПАО Сбербанк",
        "bic": "044525225",
        "correspondent_account": "30101810400000000225",
        "phone": "8 (495) 500-55-50",
        "email": "Info@Sberbank.ru",
        "director": "Греф Г. О.",
        "tax_regime": "general",
        "invoice_number_format": "СЧ-{year}/{seq:04}"
    })
}

/// A company that keeps its books in euros and no longer sells in
/// roubles: a lead qualified into a deal, a deal created without a
/// currency and a new deal's form take the company's currency.
#[tokio::test]
async fn new_deals_are_in_the_companys_own_currency() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let mut details = our_details();
    details["base_currency"] = json!("EUR");
    let (s, c) = app.put(a, "/api/v1/company", details).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, e) = app
        .patch(a, "/api/v1/currencies/RUB", json!({"active": false}))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Кузнецов", "company": "ООО Вектор"}),
        )
        .await;
    let (s, conv) = app
        .post(
            a,
            &format!("/api/v1/leads/{}/convert", lead["id"]),
            json!({"deal": {"title": "Вектор: поставка", "amount": "10"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{conv}");
    assert_eq!(conv["deal"]["currency"], "EUR");
    let deal = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "Без валюты", "account_id": conv["account"]["id"], "amount": "5"}),
        )
        .await;
    assert_eq!(deal["currency"], "EUR", "a deal that names none");

    let c = signed_in(&app, "admin").await;
    let form = ok_page(&app, &c, "/deals/new").await;
    let at = form.find("id=\"f-currency\"").unwrap();
    let select = &form[at..at + form[at..].find("</select>").unwrap()];
    assert!(
        select.contains("<option value=\"EUR\" selected>"),
        "{select}"
    );
    assert!(
        !select.contains("RUB"),
        "a retired currency is not offered: {select}"
    );
    assert!(!select.contains("value=\"\""), "no empty choice: {select}");
}

#[tokio::test]
async fn our_company_has_defaults_checked_details_and_a_regime() {
    let app = TestApp::spawn().await;
    let (s, c) = app.get(&app.admin, "/api/v1/company").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["legal_name"], "");
    assert_eq!(c["tax_regime"], "general");
    assert_eq!(c["base_currency"], "RUB");
    assert_eq!(c["invoice_number_format"], "{year}-{seq:05}");
    assert_eq!(c["vat_payer"], true);
    assert_eq!(c["updated_at"], Value::Null);

    let mut bad = our_details();
    bad["inn"] = json!("7707083894");
    bad["settlement_account"] = json!("40702810000000000000");
    bad["tax_regime"] = json!("usn");
    bad["invoice_number_format"] = json!("{year}-{month}-{seq}");
    bad["base_currency"] = json!("ZZZ");
    let (s, e) = app.put(&app.admin, "/api/v1/company", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        fields(&e),
        [
            "inn",
            "invoice_number_format",
            "settlement_account",
            "tax_regime"
        ]
    );
    let (s, e) = app
        .patch(
            &app.admin,
            "/api/v1/company",
            json!({"invoice_number_format": "{year}"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["fields"]["invoice_number_format"]
            .as_str()
            .unwrap()
            .contains("{seq}")
    );
    let (s, e) = app
        .patch(
            &app.admin,
            "/api/v1/company",
            json!({"base_currency": "ZZZ"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), ["base_currency"]);
    assert_eq!(app.count("company").await, 0, "nothing saved");

    let (s, c) = app.put(&app.admin, "/api/v1/company", our_details()).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["phone"], "+74955005550");
    assert_eq!(c["email"], "info@sberbank.ru");
    assert_eq!(c["invoice_number_format"], "СЧ-{year}/{seq:04}");
    assert!(c["updated_at"].is_string());

    let (s, c) = app
        .patch(
            &app.admin,
            "/api/v1/company",
            json!({"tax_regime": "exempt"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["vat_payer"], false);
    assert_eq!(c["inn"], "7707083893", "the other fields stay");
    assert_eq!(app.count("company").await, 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'company' AND entity_id = 1")
            .await,
        2
    );

    let mut c = app.db.reader().await.unwrap();
    let current = voronka_store::company::current(&mut c).await.unwrap();
    assert_eq!(current.display_name(), "Сбербанк");
    assert_eq!(current.data.tax_regime, "exempt");
}
