//! The money side through the API: deal products, quotes and their
//! revisions, orders, invoices with their numbers, payments, acts and
//! shipments. Every figure is computed by hand in the comments.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A product straight in the catalog table (the catalog API has its own tests).
async fn product(app: &TestApp, kind: &str, name: &str, price_minor: i64, cost_minor: i64) -> i64 {
    use sqlx::Row;
    let mut w = app.db.reader().await.unwrap();
    sqlx::query(
        "INSERT INTO products (kind, name, unit_code, price_minor, cost_minor, currency, vat_rate, active, search_key, created_at, updated_at) \
         VALUES ($1, $2, '796', $3, $4, 'RUB', '22', TRUE, $2, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z') RETURNING id",
    )
    .bind(kind)
    .bind(name)
    .bind(price_minor)
    .bind(cost_minor)
    .fetch_one(voronka_store::db::Conn::conn(&mut w))
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

async fn customer_and_deal(app: &TestApp) -> (i64, i64) {
    let a = &app.admin;
    let account = app
        .create(
            a,
            "/api/v1/accounts",
            json!({"name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"}),
        )
        .await;
    let account_id = account["id"].as_i64().unwrap();
    let deal = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "Серверы для Ромашки", "account_id": account_id}),
        )
        .await;
    (account_id, deal["id"].as_i64().unwrap())
}

fn line(doc: &Value, i: usize) -> &Value {
    &doc["lines"][i]
}

#[tokio::test]
async fn deal_to_quote_to_order_to_invoice_payments_act_and_shipment() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let server = product(&app, "goods", "Сервер", 10_000_000, 7_000_000).await;
    let (account_id, deal_id) = customer_and_deal(&app).await;

    // The pipeline: a won quote moves the deal to the third stage; a deal is
    // won only when paid and shipped.
    let stages = app.stages().await;
    let (_, pipelines) = app.get(a, "/api/v1/pipelines").await;
    let pipeline_id = pipelines[0]["id"].as_i64().unwrap();
    let (s, p) = app
        .patch(
            a,
            &format!("/api/v1/pipelines/{pipeline_id}"),
            json!({"quote_won_stage_id": stages[2]["id"], "won_requires_paid_and_shipped": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");

    // Deal products:
    //   Сервер 2 × 100 000.00 at 22 %: net 200 000.00, VAT 44 000.00, cost 140 000.00
    //   Монтаж 10 ч × 2 500.00 − 10 %: amount 25 000.00, discount 2 500.00,
    //     net 22 500.00, VAT 4 950.00, cost 0
    //   net 222 500.00, VAT 48 950.00, total 271 450.00, gross profit 82 500.00
    let (s, products) = app
        .put(
            a,
            &format!("/api/v1/deals/{deal_id}/products"),
            json!({"lines": [
                {"product_id": server, "quantity": "2"},
                {"name": "Монтаж", "unit_code": "356", "quantity": "10", "unit_price": "2500",
                 "discount": {"percent": "10"}}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{products}");
    assert_eq!(products["net"], "222500.00");
    assert_eq!(products["vat"], "48950.00");
    assert_eq!(products["total"], "271450.00");
    assert_eq!(products["cost"], "140000.00");
    assert_eq!(products["gross_profit"], "82500.00");
    assert_eq!(line(&products, 0)["name"], "Сервер");
    assert_eq!(line(&products, 0)["vat_rate"], "22");
    assert_eq!(line(&products, 1)["discount_amount"], "2500.00");
    let (_, deal) = app.get(a, &format!("/api/v1/deals/{deal_id}")).await;
    assert_eq!(
        deal["amount"], "271450.00",
        "the deal's amount follows its products"
    );

    // A quote from the deal: a draft with the same lines.
    let q1 = app
        .create(a, &format!("/api/v1/deals/{deal_id}/quotes"), json!({}))
        .await;
    let q1_id = q1["id"].as_i64().unwrap();
    assert_eq!(q1["status"], "draft");
    assert_eq!(q1["revision"], 1);
    assert_eq!(q1["total"], "271450.00");
    assert_eq!(q1["account_id"], account_id);

    // Activate: read-only from now on.
    let (s, act) = app
        .post(a, &format!("/api/v1/quotes/{q1_id}/activate"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{act}");
    assert_eq!(act["quote"]["status"], "active");
    let (s, e) = app
        .patch(
            a,
            &format!("/api/v1/quotes/{q1_id}"),
            json!({"terms": "Скидка"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (_, same) = app.get(a, &format!("/api/v1/quotes/{q1_id}")).await;
    assert_eq!(
        same["terms"],
        Value::Null,
        "a refused edit leaves the quote as it was"
    );
    assert_eq!(same["total"], "271450.00");

    // Revise: the old one is Revised, a new draft carries revision 2 and the lines.
    let (s, rev) = app
        .post(a, &format!("/api/v1/quotes/{q1_id}/revise"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{rev}");
    assert_eq!(rev["quote"]["status"], "revised");
    let q2 = &rev["created"];
    let q2_id = q2["id"].as_i64().unwrap();
    assert_eq!(q2["status"], "draft");
    assert_eq!(q2["revision"], 2);
    assert_eq!(q2["number"], q1["number"]);
    assert_eq!(q2["previous_id"], q1_id);
    assert_eq!(q2["lines"].as_array().unwrap().len(), 2);

    // The draft gets a document discount of 1 450.00, split over the lines in
    // proportion to 200 000.00 and 22 500.00: 1 303.37 and 146.63 (the
    // remainder kopeck goes to the larger fraction, 0.92 against 0.08).
    //   Сервер: net 198 696.63, VAT 43 713.26, total 242 409.89
    //   Монтаж: net 22 353.37, VAT 4 917.74, total 27 271.11
    //   net 221 050.00, VAT 48 631.00, total 269 681.00
    let (s, q2) = app
        .patch(
            a,
            &format!("/api/v1/quotes/{q2_id}"),
            json!({"discount": {"amount": "1450"}, "valid_until": "2099-12-31"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q2}");
    assert_eq!(line(&q2, 0)["net"], "198696.63");
    assert_eq!(line(&q2, 0)["vat"], "43713.26");
    assert_eq!(line(&q2, 1)["net"], "22353.37");
    assert_eq!(line(&q2, 1)["vat"], "4917.74");
    assert_eq!(q2["net"], "221050.00");
    assert_eq!(q2["vat"], "48631.00");
    assert_eq!(q2["total"], "269681.00");
    assert_eq!(q2["gross_profit"], "81050.00");

    // Activate and win: an order with the lines; the deal moves to stage 3.
    let (s, _) = app
        .post(a, &format!("/api/v1/quotes/{q2_id}/activate"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, won) = app
        .post(a, &format!("/api/v1/quotes/{q2_id}/win"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{won}");
    assert_eq!(won["quote"]["status"], "won");
    let order = &won["created"];
    let order_id = order["id"].as_i64().unwrap();
    assert_eq!(won["quote"]["order_id"], order_id);
    assert_eq!(order["status"], "created");
    assert_eq!(order["quote_id"], q2_id);
    assert_eq!(order["total"], "269681.00");
    let (_, deal) = app.get(a, &format!("/api/v1/deals/{deal_id}")).await;
    assert_eq!(deal["stage_id"], stages[2]["id"]);

    let (s, order) = app
        .post(a, &format!("/api/v1/orders/{order_id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{order}");
    assert_eq!(order["status"], "approved");

    // The invoice from the order, issued: a number of its year, the payer frozen.
    let inv = app
        .create(
            a,
            &format!("/api/v1/orders/{order_id}/invoices"),
            json!({"due_date": "2099-12-31"}),
        )
        .await;
    let inv_id = inv["id"].as_i64().unwrap();
    assert_eq!(inv["status"], "draft");
    assert_eq!(inv["number"], Value::Null);
    assert_eq!(inv["total"], "269681.00");
    let (s, inv) = app
        .post(a, &format!("/api/v1/invoices/{inv_id}/send"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{inv}");
    let year = &inv["doc_date"].as_str().unwrap()[..4];
    assert_eq!(inv["status"], "sent");
    assert_eq!(inv["number"], format!("{year}-00001"));
    assert_eq!(inv["payer"]["inn"], "7707083893");
    // Later edits of the account do not change the issued invoice.
    app.patch(
        a,
        &format!("/api/v1/accounts/{account_id}"),
        json!({"name": "АО «Ромашка»"}),
    )
    .await;
    let (_, inv) = app.get(a, &format!("/api/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["payer"]["name"], "ООО «Ромашка»");

    // Not paid, not shipped: the deal cannot be won yet, and says why.
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/close"),
            json!({"outcome": "won"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("paid 0.00 of 269681.00") && msg.contains("not shipped"),
        "{msg}"
    );

    // A payment dated a year no report shows is refused, nothing applied.
    let (s, e) = app
        .post(
            a,
            "/api/v1/payments",
            json!({"account_id": account_id, "amount": "100000", "paid_on": "2226-01-15",
                   "allocations": [{"invoice_id": inv_id, "amount": "100000"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["paid_on"]);
    assert_eq!(app.count("payments").await, 0);

    // Two payments: 100 000.00, then 200 000.00 of which 169 681.00 pays the
    // rest and 30 319.00 stays as credit.
    let p1 = app
        .create(
            a,
            "/api/v1/payments",
            json!({"account_id": account_id, "amount": "100000", "reference": "п/п 17",
                   "allocations": [{"invoice_id": inv_id, "amount": "100000"}]}),
        )
        .await;
    assert_eq!(p1["unallocated"], "0.00");
    let (_, inv) = app.get(a, &format!("/api/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["status"], "partially_paid");
    assert_eq!(inv["paid"], "100000.00");
    let (_, bal) = app
        .get(a, &format!("/api/v1/accounts/{account_id}/balance"))
        .await;
    assert_eq!(bal[0]["invoiced"], "269681.00");
    assert_eq!(bal[0]["balance"], "169681.00");
    let (_, acc) = app.get(a, &format!("/api/v1/accounts/{account_id}")).await;
    assert_eq!(acc["kind"], "prospect");

    let p2 = app
        .create(
            a,
            "/api/v1/payments",
            json!({"account_id": account_id, "amount": "200000",
                   "allocations": [{"invoice_id": inv_id}]}),
        )
        .await;
    assert_eq!(p2["allocations"][0]["amount"], "169681.00");
    assert_eq!(p2["unallocated"], "30319.00");
    let (_, inv) = app.get(a, &format!("/api/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["status"], "paid");
    assert_eq!(inv["paid"], "269681.00");
    let (_, bal) = app
        .get(a, &format!("/api/v1/accounts/{account_id}/balance"))
        .await;
    assert_eq!(bal[0]["balance"], "0.00");
    assert_eq!(bal[0]["credit"], "30319.00");
    let (_, acc) = app.get(a, &format!("/api/v1/accounts/{account_id}")).await;
    assert_eq!(
        acc["kind"], "customer",
        "the first paid invoice makes a customer"
    );

    // A paid invoice cannot be canceled.
    let (s, _) = app
        .post(a, &format!("/api/v1/invoices/{inv_id}/cancel"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Paid but not shipped: still refused, naming the goods.
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/close"),
            json!({"outcome": "won"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("2 of «Сервер» not shipped") && !msg.contains("paid 0"),
        "{msg}"
    );

    // The act for the installation work: the Монтаж line, 27 271.11.
    let service_line = line(&inv, 1)["id"].as_i64().unwrap();
    let goods_line = line(&inv, 0)["id"].as_i64().unwrap();
    let act = app
        .create(
            a,
            &format!("/api/v1/invoices/{inv_id}/acts"),
            json!({"lines": [{"line_id": service_line, "quantity": "10"}]}),
        )
        .await;
    assert_eq!(act["total"], "27271.11");
    assert_eq!(act["lines"][0]["source_line_id"], service_line);

    // Two partial shipments of the servers: half of 242 409.89 rounds to
    // 121 204.95 (net 99 348.32, VAT 21 856.63); the last takes the rest,
    // 121 204.94 (net 99 348.31, VAT 21 856.63).
    let sh1 = app
        .create(
            a,
            &format!("/api/v1/invoices/{inv_id}/shipments"),
            json!({"lines": [{"line_id": goods_line, "quantity": "1"}]}),
        )
        .await;
    assert_eq!(sh1["total"], "121204.95");
    assert_eq!(sh1["net"], "99348.32");
    assert_eq!(sh1["vat"], "21856.63");

    // Over-shipping is refused and leaves nothing behind.
    let before = app.count("shipments").await;
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/invoices/{inv_id}/shipments"),
            json!({"lines": [{"line_id": goods_line, "quantity": "2"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["lines[0].quantity"]);
    assert_eq!(app.count("shipments").await, before);

    let sh2 = app
        .create(
            a,
            &format!("/api/v1/invoices/{inv_id}/shipments"),
            json!({}),
        )
        .await;
    assert_eq!(sh2["total"], "121204.94");
    assert_eq!(sh2["net"], "99348.31");
    assert_eq!(
        sh2["lines"].as_array().unwrap().len(),
        1,
        "only the goods were left"
    );

    // Paid and shipped: now the deal is won.
    let (s, deal) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/close"),
            json!({"outcome": "won"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{deal}");
    assert_eq!(deal["status"], "won");

    // Every step left a trace on the deal's timeline.
    let (_, timeline) = app
        .get(a, &format!("/api/v1/deals/{deal_id}/timeline"))
        .await;
    let steps: Vec<String> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "document")
        .map(|e| {
            let c = &e["changes"][0];
            format!(
                "{} {}",
                c["field"].as_str().unwrap(),
                c["new"]["status"].as_str().unwrap()
            )
        })
        .collect();
    for step in [
        "quote draft",
        "quote active",
        "quote revised",
        "quote won",
        "order created",
        "order approved",
        "invoice draft",
        "invoice sent",
        "invoice partially_paid",
        "invoice paid",
        "act created",
        "shipment created",
    ] {
        assert!(
            steps.iter().any(|s| s == step),
            "{step} missing from {steps:?}"
        );
    }
}

#[tokio::test]
async fn a_hundred_invoices_issued_at_once_get_consecutive_numbers() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal_id) = customer_and_deal(&app).await;
    let mut ids = Vec::new();
    for _ in 0..100 {
        let inv = app
            .create(
                a,
                &format!("/api/v1/deals/{deal_id}/invoices"),
                json!({"lines": [{"name": "Услуга", "unit_price": "1000"}]}),
            )
            .await;
        ids.push(inv["id"].as_i64().unwrap());
    }
    let sends = ids.iter().map(|id| {
        let c = a.clone();
        let url = app.url(&format!("/api/v1/invoices/{id}/send"));
        async move {
            let r = c.post(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    });
    let sent = futures::future::join_all(sends).await;
    let mut seqs: Vec<i64> = sent
        .iter()
        .map(|inv| {
            let n = inv["number"].as_str().unwrap();
            n.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn documents_refuse_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal_id) = customer_and_deal(&app).await;

    let (s, e) = app.post(a, "/api/v1/quotes", json!({"lines": []})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["account_id"]);

    let (s, e) = app
        .post(
            a,
            "/api/v1/quotes",
            json!({"deal_id": deal_id, "due_date": "2026-05-01", "lines": [
                {"name": "Х", "quantity": "0", "unit_price": "10"},
                {"name": "Y", "unit_price": "10", "discount": {"amount": "11"}},
                {"name": "Z", "unit_price": "10", "vat_rate": "20"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        fields(&e),
        vec!["due_date"],
        "kind-specific fields are checked first"
    );

    let (s, e) = app
        .post(
            a,
            "/api/v1/quotes",
            json!({"deal_id": deal_id, "doc_date": "2026-05-01", "lines": [
                {"name": "Х", "quantity": "0", "unit_price": "10"},
                {"name": "Y", "unit_price": "10", "discount": {"amount": "11"}},
                {"name": "Z", "unit_price": "10", "vat_rate": "20"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let f = fields(&e);
    assert!(
        f.contains(&"lines[2].vat_rate".to_string()),
        "20 % is gone in 2026: {e}"
    );
    let (s, e) = app
        .post(
            a,
            "/api/v1/quotes",
            json!({"deal_id": deal_id, "doc_date": "2026-05-01", "lines": [
                {"name": "Х", "quantity": "0", "unit_price": "10"},
                {"name": "Y", "unit_price": "10", "discount": {"amount": "11"}}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let f = fields(&e);
    assert!(f.contains(&"lines[0].quantity".to_string()), "{e}");
    assert!(f.contains(&"lines[1].discount".to_string()), "{e}");
    assert_eq!(app.count("quotes").await, 0, "nothing half-written");
    assert_eq!(app.count("doc_lines").await, 0);
    let (s, e) = app
        .post(
            a,
            "/api/v1/quotes",
            json!({"deal_id": deal_id, "doc_date": "1899-12-31", "lines": [{"name": "Х", "unit_price": "100"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["doc_date"]);
    assert_eq!(app.count("quotes").await, 0);

    // A 2025 document still uses 20 %.
    let q = app
        .create(
            a,
            "/api/v1/quotes",
            json!({"deal_id": deal_id, "doc_date": "2025-12-31", "lines": [{"name": "Х", "unit_price": "100"}]}),
        )
        .await;
    assert_eq!(line(&q, 0)["vat_rate"], "20");
    assert_eq!(q["total"], "120.00");

    // A tax-inclusive document extracts VAT: 1 220.00 at 22 % holds 220.00.
    let q = app
        .create(
            a,
            "/api/v1/quotes",
            json!({"deal_id": deal_id, "doc_date": "2026-02-01", "tax_mode": "inclusive",
                   "lines": [{"name": "Х", "unit_price": "1220"}]}),
        )
        .await;
    assert_eq!(q["vat"], "220.00");
    assert_eq!(q["net"], "1000.00");
    assert_eq!(q["total"], "1220.00");

    // Only drafts are deleted; an invoice needs lines to be issued.
    let inv = app
        .create(a, &format!("/api/v1/deals/{deal_id}/invoices"), json!({}))
        .await;
    let inv_id = inv["id"].as_i64().unwrap();
    let (s, e) = app
        .post(a, &format!("/api/v1/invoices/{inv_id}/send"), json!({}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = app.delete(a, &format!("/api/v1/invoices/{inv_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_manager_sees_only_documents_of_records_they_may_see() {
    let app = TestApp::spawn().await;
    let (_, deal_id) = customer_and_deal(&app).await;
    let q = app
        .create(
            &app.admin,
            &format!("/api/v1/deals/{deal_id}/quotes"),
            json!({"lines": [{"name": "Х", "unit_price": "100"}]}),
        )
        .await;
    let (m, _) = app.user("manager", "manager", None).await;
    let (s, _) = app.get(&m, &format!("/api/v1/quotes/{}", q["id"])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.get(&m, "/api/v1/quotes").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (s, _) = app
        .post(&m, &format!("/api/v1/deals/{deal_id}/quotes"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another's deal is invisible");
}

#[tokio::test]
async fn a_deal_amount_follows_its_products_until_typed_by_hand() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal_id) = customer_and_deal(&app).await;
    let url = format!("/api/v1/deals/{deal_id}/products");
    // 3 × 1 000.00 at 22 %: 3 660.00.
    let (s, p) = app
        .put(
            a,
            &url,
            json!({"lines": [{"name": "Лицензия", "quantity": "3", "unit_price": "1000"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["amount_from_lines"], true);
    let (_, deal) = app.get(a, &format!("/api/v1/deals/{deal_id}")).await;
    assert_eq!(deal["amount"], "3660.00");

    // Typed by hand: the products no longer drive it.
    app.patch(
        a,
        &format!("/api/v1/deals/{deal_id}"),
        json!({"amount": "5000"}),
    )
    .await;
    let (_, p) = app
        .put(
            a,
            &url,
            json!({"lines": [{"name": "Лицензия", "quantity": "4", "unit_price": "1000"}]}),
        )
        .await;
    assert_eq!(p["amount_from_lines"], false);
    assert_eq!(p["total"], "4880.00");
    let (_, deal) = app.get(a, &format!("/api/v1/deals/{deal_id}")).await;
    assert_eq!(deal["amount"], "5000.00");

    // Asked for explicitly, they drive it again.
    let (_, p) = app
        .put(a, &url, json!({"amount_from_lines": true, "lines": [{"name": "Лицензия", "quantity": "4", "unit_price": "1000"}]}))
        .await;
    assert_eq!(p["amount_from_lines"], true);
    let (_, deal) = app.get(a, &format!("/api/v1/deals/{deal_id}")).await;
    assert_eq!(deal["amount"], "4880.00");
}
