//! The main sales story through the API.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn lead_to_lost_deal_with_its_whole_timeline() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({
                "first_name": "Иван", "last_name": "Петров", "company": "ООО «Ромашка»",
                "phones": ["8 (495) 123-45-67"], "emails": ["Ivan@Romashka.RU"]
            }),
        )
        .await;
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["phones"], json!(["+74951234567"]));
    assert_eq!(lead["emails"], json!(["ivan@romashka.ru"]));
    let id = lead["id"].as_i64().unwrap();

    let (s, conv) = app
        .post(
            a,
            &format!("/api/v1/leads/{id}/convert"),
            json!({
                "account": {"inn": "7707083893"},
                "deal": {"amount": "150000.50"}
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{conv}");
    assert_eq!(conv["lead"]["status"], "converted");
    assert_eq!(conv["account"]["name"], "ООО «Ромашка»");
    assert_eq!(conv["contact"]["last_name"], "Петров");
    assert_eq!(conv["contact"]["account_id"], conv["account"]["id"]);
    let deal = &conv["deal"];
    assert_eq!(deal["amount"], "150000.50");
    assert_eq!(deal["status"], "open");
    let stages = app.stages().await;
    assert_eq!(deal["stage_id"], stages[0]["id"]);
    let deal_id = deal["id"].as_i64().unwrap();

    // Converting twice is a conflict.
    let (s, _) = app
        .post(a, &format!("/api/v1/leads/{id}/convert"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Next stage, then lost with a reason.
    let (s, moved) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/move"),
            json!({"stage_id": stages[1]["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["effective_probability"], stages[1]["probability"]);

    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/close"),
            json!({"outcome": "lost"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["reason"]);

    let (_, reasons) = app.get(a, "/api/v1/loss-reasons").await;
    let reason_id = reasons[0]["id"].clone();
    let (s, lost) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/close"),
            json!({"outcome": "lost", "reason_id": reason_id, "reason": "дорого"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{lost}");
    assert_eq!(lost["status"], "lost");
    assert_eq!(lost["loss_reason"], "дорого");
    assert!(lost["closed_at"].is_string());

    let (_, tl) = app
        .get(a, &format!("/api/v1/deals/{deal_id}/timeline"))
        .await;
    let moves: Vec<_> = tl
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "stage_move")
        .collect();
    assert_eq!(moves.len(), 3, "created, moved, lost: {tl}");
    assert_eq!(moves[0]["to_stage_id"], stages[5]["id"]);
    assert!(
        tl.as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "change" && e["action"] == "converted_from_lead")
    );

    // The loss is in the customer's history too.
    let account_id = conv["account"]["id"].as_i64().unwrap();
    let (_, atl) = app
        .get(a, &format!("/api/v1/accounts/{account_id}/timeline"))
        .await;
    assert!(
        atl.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "deal_lost"),
        "{atl}"
    );

    // Reopen goes back to the last open stage.
    let (s, reopened) = app
        .post(a, &format!("/api/v1/deals/{deal_id}/reopen"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{reopened}");
    assert_eq!(reopened["stage_id"], stages[1]["id"]);
    assert!(reopened["loss_reason"].is_null());

    // Won makes the account a customer.
    let (s, won) = app
        .post(
            a,
            &format!("/api/v1/deals/{deal_id}/close"),
            json!({"outcome": "won"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{won}");
    let (_, acc) = app.get(a, &format!("/api/v1/accounts/{account_id}")).await;
    assert_eq!(acc["kind"], "customer");
}

#[tokio::test]
async fn a_failed_conversion_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Сидоров", "company": "Лютик"}),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    let before = (
        app.count("accounts").await,
        app.count("contacts").await,
        app.count("deals").await,
    );
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/leads/{id}/convert"),
            json!({
                "account": {"inn": "7707083894"}, "deal": {"amount": "10"}
            }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["account.inn"]);
    let after = (
        app.count("accounts").await,
        app.count("contacts").await,
        app.count("deals").await,
    );
    assert_eq!(before, after);
    let (_, l) = app.get(a, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(l["status"], "new");

    // A deal amount with fractions of a kopeck fails after the account and contact were written: still nothing.
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/leads/{id}/convert"),
            json!({"deal": {"amount": "10.001"}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["deal.amount"]);
    let after = (
        app.count("accounts").await,
        app.count("contacts").await,
        app.count("deals").await,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn duplicates_are_offered_unless_forced() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let acc = app
        .create(
            a,
            "/api/v1/accounts",
            json!({"name": "ООО Ромашка", "inn": "7736207543", "phones": ["+7 495 111-22-33"]}),
        )
        .await;
    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Иванов", "phones": ["84951112233"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "duplicates");
    let c = &e["error"]["candidates"][0];
    assert_eq!(c["entity"], "account");
    assert_eq!(c["id"], acc["id"]);
    assert_eq!(c["matched_on"], json!(["phone"]));

    let (s, e) = app
        .post(a, "/api/v1/leads", json!({"company": "Ромашка"}))
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "company name matches without the legal form: {e}"
    );

    let (s, _) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Иванов", "phones": ["84951112233"], "force": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn validation_names_every_bad_field() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (s, e) = app
        .post(
            a,
            "/api/v1/accounts",
            json!({
                "name": "", "inn": "1234567890", "kpp": "12", "ogrn": "1027700132196",
                "bic": "044525225", "correspondent_account": "30101810400000000226"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&e),
        vec!["correspondent_account", "inn", "kpp", "name", "ogrn"]
    );

    let (s, e) = app
        .post(
            a,
            "/api/v1/deals",
            json!({"title": "X", "account_id": 999, "amount": "abc"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["amount"]);

    let (s, e) = app
        .post(a, "/api/v1/deals", json!({"title": "X", "account_id": 999}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["account_id"]);

    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "X", "colour": "red"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["colour"]);
}
