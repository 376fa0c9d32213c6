//! Every sales record through its whole life: list, get, create, update,
//! delete; partial updates with their audit; and the rules of each entity.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(id)
        .collect()
}

/// The record without the fields every write touches.
fn without(v: &Value, keys: &[&str]) -> Value {
    let mut m = v.as_object().cloned().unwrap_or_default();
    for k in keys.iter().chain(&["updated_at", "updated_by"]) {
        m.remove(*k);
    }
    Value::Object(m)
}

/// The "change" entries of a record's timeline with the given action.
async fn changes(app: &TestApp, c: &Client, item: &str, action: &str) -> Vec<Value> {
    let (s, tl) = app.get(c, &format!("{item}/timeline")).await;
    assert_eq!(s, StatusCode::OK, "{tl}");
    tl.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "change" && e["action"] == action)
        .cloned()
        .collect()
}

async fn deal_on_new_account(app: &TestApp, title: &str) -> (i64, i64) {
    let a = &app.admin;
    let acc = app
        .create(
            a,
            "/api/v1/accounts",
            json!({"name": format!("{title} ООО")}),
        )
        .await;
    let deal = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": title, "account_id": id(&acc), "amount": "1000.00"}),
        )
        .await;
    (id(&acc), id(&deal))
}

#[tokio::test]
async fn every_entity_lives_through_list_get_create_update_delete() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (s, _) = app.get(a, "/api/v1/leads").await;
    assert_eq!(s, StatusCode::OK);

    let account = app
        .create(
            a,
            "/api/v1/accounts",
            json!({"name": "ООО Север", "inn": "7707083893", "industry": "Металлургия",
                   "phones": ["+7 812 555-00-11"], "emails": ["info@sever.ru"]}),
        )
        .await;
    assert_eq!(account["kind"], "prospect");
    let account_id = id(&account);
    let contact = app
        .create(
            a,
            "/api/v1/contacts",
            json!({"first_name": "Анна", "last_name": "Смирнова", "account_id": account_id,
                   "position": "Закупщик", "birthday": "1990-05-17"}),
        )
        .await;
    let deal = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "Поставка труб", "account_id": account_id, "contact_id": id(&contact),
                   "amount": "1000.00", "expected_close_date": "2026-12-01"}),
        )
        .await;
    let stages = app.stages().await;
    assert_eq!(deal["stage_id"], stages[0]["id"]);
    assert_eq!(deal["status"], "open");
    assert_eq!(deal["effective_probability"], stages[0]["probability"]);
    let activity = app
        .create(
            a,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Выслать КП", "related_type": "deal", "related_id": id(&deal),
                   "due_at": "2026-11-20T12:00:00Z"}),
        )
        .await;
    assert_eq!(activity["status"], "planned");
    assert_eq!(activity["priority"], "normal");
    let competitor = app
        .create(
            a,
            "/api/v1/competitors",
            json!({"name": "ТрубоСнаб", "website": "trubosnab.ru"}),
        )
        .await;
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"first_name": "Олег", "last_name": "Козлов", "company": "Восток",
                   "title": "Инженер", "phones": ["+7 913 000-11-22"], "emails": ["oleg@vostok.ru"]}),
        )
        .await;

    // (collection, record, a field to change, its new value)
    let cases = [
        ("/api/v1/leads", lead, "title", json!("Главный инженер")),
        ("/api/v1/accounts", account, "industry", json!("Энергетика")),
        ("/api/v1/contacts", contact, "position", json!("Директор")),
        ("/api/v1/deals", deal, "amount", json!("2500.50")),
        (
            "/api/v1/activities",
            activity,
            "subject",
            json!("Выслать КП v2"),
        ),
        (
            "/api/v1/competitors",
            competitor,
            "strengths",
            json!("Цена"),
        ),
    ];
    for (path, created, field, value) in &cases {
        let item = format!("{path}/{}", id(created));
        let (s, got) = app.get(a, &item).await;
        assert_eq!(s, StatusCode::OK, "{item}");
        assert_eq!(&got, created, "{item}: get answers what create answered");
        let (s, page) = app.get(a, path).await;
        assert_eq!(s, StatusCode::OK);
        assert!(ids(&page).contains(&id(created)), "{path}: {page}");

        let (s, updated) = app.patch(a, &item, json!({ *field: value })).await;
        assert_eq!(s, StatusCode::OK, "PATCH {item}: {updated}");
        assert_eq!(&updated[*field], value, "{item}");
        assert_eq!(
            without(&updated, &[field]),
            without(created, &[field]),
            "{item}: PATCH changed only {field}"
        );
        let (_, again) = app.get(a, &item).await;
        assert_eq!(again, updated, "{item}: the change is stored");
    }

    // The audit of each change shows in the record's timeline: field, old, new.
    for (path, created, field, value) in &cases[..4] {
        let item = format!("{path}/{}", id(created));
        let updates = changes(&app, a, &item, "update").await;
        assert_eq!(updates.len(), 1, "{item}: {updates:?}");
        assert_eq!(
            updates[0]["changes"],
            json!([{"field": field, "old": created[*field], "new": value}]),
            "{item}"
        );
        assert_eq!(updates[0]["user_id"], 1, "{item}: who did it");
        assert_eq!(changes(&app, a, &item, "create").await.len(), 1, "{item}");
    }

    // Delete, dependants first.
    for (path, created, _, _) in [
        &cases[4], &cases[3], &cases[2], &cases[1], &cases[0], &cases[5],
    ] {
        let item = format!("{path}/{}", id(created));
        let (s, e) = app.delete(a, &item).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "DELETE {item}: {e}");
        let (s, _) = app.get(a, &item).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{item} after delete");
        let (s, _) = app.delete(a, &item).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{item} deleted twice");
        let (_, page) = app.get(a, path).await;
        assert!(!ids(&page).contains(&id(created)), "{path}: {page}");
    }
}

#[tokio::test]
async fn notes_live_on_their_record() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal) = deal_on_new_account(&app, "Станки").await;
    let note = app
        .create(
            a,
            "/api/v1/notes",
            json!({"related_type": "deal", "related_id": deal, "body": "  Клиент просит скидку\nдо пятницы  "}),
        )
        .await;
    assert_eq!(note["body"], "Клиент просит скидку\nдо пятницы");
    assert_eq!(note["author_id"], 1);
    let item = format!("/api/v1/notes/{}", id(&note));
    let (s, got) = app.get(a, &item).await;
    assert_eq!((s, &got), (StatusCode::OK, &note));
    let list = format!("/api/v1/notes?related_type=deal&related_id={deal}");
    let (s, page) = app.get(a, &list).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), vec![id(&note)]);
    let (s, e) = app.get(a, "/api/v1/notes").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    let (s, e) = app.patch(a, &item, json!({"body": " "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["body"]);
    let (s, e) = app.patch(a, &item, json!({"related_id": deal + 1})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, edited) = app.patch(a, &item, json!({"body": "Скидка 5%"})).await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["body"], "Скидка 5%");
    assert_eq!(edited["created_at"], note["created_at"]);

    let (_, tl) = app.get(a, &format!("/api/v1/deals/{deal}/timeline")).await;
    assert!(
        tl.as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "note" && e["body"] == "Скидка 5%"),
        "{tl}"
    );

    let (s, _) = app.delete(a, &item).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get(a, &item).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = app.get(a, &list).await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn a_partial_update_keeps_every_other_field() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"first_name": "Иван", "middle_name": "Ильич", "last_name": "Петров",
                   "company": "Ромашка", "phones": ["+7 495 123-45-67", "+7 916 000-00-01"],
                   "emails": ["ivan@romashka.ru"], "website": "romashka.ru",
                   "address": "Москва", "description": "Пришёл с выставки"}),
        )
        .await;
    let item = format!("/api/v1/leads/{}", id(&lead));
    let (s, l) = app.patch(a, &item, json!({"status": "working"})).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(without(&l, &["status"]), without(&lead, &["status"]));
    // Sending null clears a field; a list is replaced as a whole.
    let (s, l) = app
        .patch(
            a,
            &item,
            json!({"description": null, "phones": ["8 916 000 00 01"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert!(l["description"].is_null());
    assert_eq!(l["phones"], json!(["+79160000001"]));
    assert_eq!(l["emails"], lead["emails"]);
    let updates = changes(&app, a, &item, "update").await;
    // Newest first.
    let fields_changed: Vec<&str> = updates[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields_changed, vec!["description", "phones"]);
    assert_eq!(
        updates[1]["changes"],
        json!([{"field": "status", "old": "new", "new": "working"}])
    );
    // A PATCH that changes nothing leaves no trace.
    let (s, _) = app.patch(a, &item, json!({"company": "Ромашка"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(changes(&app, a, &item, "update").await.len(), 2);
    // Unknown and system fields are refused by name, and nothing changes.
    let (s, e) = app
        .patch(
            a,
            &item,
            json!({"created_at": "2020-01-01T00:00:00Z", "company": "Лютик"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["created_at"]);
    let (_, after) = app.get(a, &item).await;
    assert_eq!(after["company"], "Ромашка");
}

#[tokio::test]
async fn a_date_outside_the_years_a_report_can_show_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (acc, deal) = deal_on_new_account(&app, "Сроки").await;
    let item = format!("/api/v1/deals/{deal}");
    let (s, e) = app
        .patch(
            a,
            &item,
            json!({"expected_close_date": "9999-12-31", "amount": "2000.00"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["expected_close_date"]);
    let (_, after) = app.get(a, &item).await;
    assert_eq!(after["amount"], "1000.00");
    assert!(after["expected_close_date"].is_null(), "{after}");
    let (s, d) = app
        .patch(a, &item, json!({"expected_close_date": "2199-12-31"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["expected_close_date"], "2199-12-31");
    let (s, e) = app
        .post(
            a,
            "/api/v1/contacts",
            json!({"last_name": "Старцев", "account_id": acc, "birthday": "1812-09-07"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["birthday"]);
    let (s, e) = app
        .post(
            a,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Позвонить", "related_type": "deal",
                   "related_id": deal, "due_at": "3026-01-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["due_at"]);
}

#[tokio::test]
async fn activities_follow_their_state_machine() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal) = deal_on_new_account(&app, "Котлы").await;
    let event = |status: Option<&str>| {
        let mut e = json!({"kind": "event", "subject": "Встреча", "related_type": "deal", "related_id": deal,
            "start_at": "2026-11-23T10:00:00Z", "end_at": "2026-11-23T11:00:00Z"});
        if let Some(s) = status {
            e["status"] = json!(s);
        }
        e
    };

    // Events: planned → held; never back; never deferred.
    let ev = app.create(a, "/api/v1/activities", event(None)).await;
    assert_eq!(ev["status"], "planned");
    assert!(ev["completed_at"].is_null());
    let item = format!("/api/v1/activities/{}", id(&ev));
    let (s, held) = app.patch(a, &item, json!({"status": "held"})).await;
    assert_eq!(s, StatusCode::OK, "{held}");
    assert_eq!(held["status"], "held");
    assert!(held["completed_at"].is_string(), "{held}");
    let (s, e) = app.patch(a, &item, json!({"status": "planned"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["status"]);
    let (_, still) = app.get(a, &item).await;
    assert_eq!(still["status"], "held");
    // Editing other fields of a held event is fine and keeps when it was done.
    let (s, ok) = app
        .patch(a, &item, json!({"outcome": "Договорились"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    assert_eq!(ok["completed_at"], held["completed_at"]);

    let (s, e) = app
        .post(a, "/api/v1/activities", event(Some("deferred")))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["status"]);
    let ev2 = app.create(a, "/api/v1/activities", event(None)).await;
    let item2 = format!("/api/v1/activities/{}", id(&ev2));
    let (s, e) = app.patch(a, &item2, json!({"status": "deferred"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["status"]);
    // One that did not happen can be rescheduled.
    let (s, _) = app.patch(a, &item2, json!({"status": "not_held"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, again) = app.patch(a, &item2, json!({"status": "planned"})).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert!(again["completed_at"].is_null());
    // An event needs its times in order, and its kind never changes.
    let mut bad = event(None);
    bad["end_at"] = json!("2026-11-23T09:00:00Z");
    let (s, e) = app.post(a, "/api/v1/activities", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["end_at"]);
    let (s, e) = app.patch(a, &item2, json!({"kind": "task"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["kind"]);

    // Tasks: completed sets completed_at; reopening as in progress clears it.
    let task = app
        .create(
            a,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Позвонить", "related_type": "deal", "related_id": deal}),
        )
        .await;
    let titem = format!("/api/v1/activities/{}", id(&task));
    let (s, done) = app.patch(a, &titem, json!({"status": "completed"})).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert!(done["completed_at"].is_string(), "{done}");
    let (s, e) = app.patch(a, &titem, json!({"status": "planned"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["status"]);
    let (s, reopened) = app.patch(a, &titem, json!({"status": "in_progress"})).await;
    assert_eq!(s, StatusCode::OK, "{reopened}");
    assert_eq!(reopened["status"], "in_progress");
    assert!(reopened["completed_at"].is_null(), "{reopened}");
    let (s, e) = app.patch(a, &titem, json!({"status": "held"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["status"]);

    // Interactions say how they happened, and are done when logged.
    let (s, e) = app
        .post(
            a,
            "/api/v1/activities",
            json!({"kind": "interaction", "subject": "Звонок", "related_type": "deal", "related_id": deal}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["channel"]);
    let call = app
        .create(
            a,
            "/api/v1/activities",
            json!({"kind": "interaction", "subject": "Звонок", "related_type": "deal", "related_id": deal,
                   "channel": "call", "direction": "incoming"}),
        )
        .await;
    assert_eq!(call["status"], "completed");
    assert!(call["completed_at"].is_string());
    let (s, e) = app
        .patch(
            a,
            &format!("/api/v1/activities/{}", id(&call)),
            json!({"status": "planned"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["status"]);

    // All of it is in the deal's timeline.
    let (_, tl) = app.get(a, &format!("/api/v1/deals/{deal}/timeline")).await;
    let n = tl
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "activity")
        .count();
    assert_eq!(n, 4, "{tl}");
}

#[tokio::test]
async fn lead_status_rules() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Орлов", "status": "disqualified"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["disqualify_reason"]);
    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Орлов", "status": "converted"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["status"]);

    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Орлов", "company": "Сокол"}),
        )
        .await;
    let item = format!("/api/v1/leads/{}", id(&lead));
    let (s, e) = app.patch(a, &item, json!({"status": "disqualified"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["disqualify_reason"]);
    let (s, e) = app.patch(a, &item, json!({"status": "converted"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["status"]);
    let (_, l) = app.get(a, &item).await;
    assert_eq!(l["status"], "new");

    let (s, l) = app
        .patch(
            a,
            &item,
            json!({"status": "disqualified", "disqualify_reason": "Нет бюджета"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["status"], "disqualified");
    // A disqualified lead is not converted.
    let (s, _) = app.post(a, &format!("{item}/convert"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, l) = app.patch(a, &item, json!({"status": "working"})).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    let (s, c) = app.post(a, &format!("{item}/convert"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["lead"]["status"], "converted");
    // Once converted, the status stays.
    let (s, e) = app.patch(a, &item, json!({"status": "working"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["status"]);
}

#[tokio::test]
async fn deal_team_and_competitors_are_replaced_whole_and_audited() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal) = deal_on_new_account(&app, "Турбины").await;
    let (_, u1) = app.user("engineer", "manager", None).await;
    let (_, u2) = app.user("lawyer", "manager", None).await;
    let team = format!("/api/v1/deals/{deal}/team");

    let (s, t) = app.get(a, &team).await;
    assert_eq!((s, t), (StatusCode::OK, json!([])));
    let (s, t) = app
        .put(
            a,
            &team,
            json!([{"user_id": u1, "role": "Инженер"}, {"user_id": u2, "role": " Юрист "}]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let expected = json!([
        {"user_id": u1, "name": "engineer", "role": "Инженер"},
        {"user_id": u2, "name": "lawyer", "role": "Юрист"},
    ]);
    assert_eq!(t, expected);
    let (_, t) = app.get(a, &team).await;
    assert_eq!(t, expected);

    for (body, field) in [
        (json!([{"user_id": 999_999}]), "[0].user_id"),
        (json!([{"user_id": u1}, {"user_id": u1}]), "[1].user_id"),
        (
            json!([{"user_id": u1, "role": "x".repeat(101)}]),
            "[0].role",
        ),
    ] {
        let (s, e) = app.put(a, &team, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(fields(&e), vec![field]);
    }
    let (_, t) = app.get(a, &team).await;
    assert_eq!(t, expected, "a refused change leaves the team as it was");

    let (s, t) = app
        .put(a, &team, json!([{"user_id": u2, "role": "Юрист"}]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t.as_array().unwrap().len(), 1);
    let audit = changes(&app, a, &format!("/api/v1/deals/{deal}"), "team").await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0]["changes"][0]["field"], "team");
    assert_eq!(audit[0]["changes"][0]["old"], expected);
    assert_eq!(audit[0]["changes"][0]["new"], t);
    assert_eq!(audit[1]["changes"][0]["old"], json!([]));

    // Competitors: where each stands on this deal.
    let c1 = id(&app
        .create(a, "/api/v1/competitors", json!({"name": "Альфа-Турбо"}))
        .await);
    let c2 = id(&app
        .create(a, "/api/v1/competitors", json!({"name": "Бета-Энерго"}))
        .await);
    let comps = format!("/api/v1/deals/{deal}/competitors");
    let (s, cs) = app
        .put(
            a,
            &comps,
            json!([{"competitor_id": c2, "status": "won_against"}, {"competitor_id": c1}]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cs}");
    let expected = json!([
        {"competitor_id": c1, "name": "Альфа-Турбо", "status": "active"},
        {"competitor_id": c2, "name": "Бета-Энерго", "status": "won_against"},
    ]);
    assert_eq!(cs, expected);
    let (_, got) = app.get(a, &comps).await;
    assert_eq!(got, expected);
    let (s, cs) = app
        .put(
            a,
            &comps,
            json!([{"competitor_id": c1, "status": "lost_to"}]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        cs,
        json!([{"competitor_id": c1, "name": "Альфа-Турбо", "status": "lost_to"}])
    );
    for (body, field) in [
        (
            json!([{"competitor_id": c1, "status": "beaten"}]),
            "[0].status",
        ),
        (json!([{"competitor_id": 999_999}]), "[0].competitor_id"),
        (
            json!([{"competitor_id": c1}, {"competitor_id": c1}]),
            "[1].competitor_id",
        ),
    ] {
        let (s, e) = app.put(a, &comps, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(fields(&e), vec![field], "{e}");
    }
    let audit = changes(&app, a, &format!("/api/v1/deals/{deal}"), "competitors").await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0]["changes"][0]["old"], expected);
    assert_eq!(audit[0]["changes"][0]["new"], cs);

    // A competitor on a deal cannot be deleted from the catalog.
    let (s, _) = app.delete(a, &format!("/api/v1/competitors/{c1}")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app.delete(a, &format!("/api/v1/competitors/{c2}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_deal_moves_only_within_its_pipeline_and_loses_only_with_a_reason() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal) = deal_on_new_account(&app, "Насосы").await;
    let item = format!("/api/v1/deals/{deal}");
    let stages = app.stages().await;
    let other = app
        .create(
            a,
            "/api/v1/pipelines",
            json!({"name": "Тендеры", "stages": [
                {"name": "Заявка", "probability": 5},
                {"name": "Выиграли", "kind": "won", "probability": 100},
            ]}),
        )
        .await;
    let foreign = other["stages"][0]["id"].clone();

    let (s, e) = app.patch(a, &item, json!({"stage_id": foreign})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["stage_id"]);
    let (s, e) = app
        .post(a, &format!("{item}/move"), json!({"stage_id": foreign}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["stage_id"]);
    // Changing pipeline needs a stage of the new one.
    let (s, e) = app
        .patch(a, &item, json!({"pipeline_id": other["id"]}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["stage_id"]);

    let lost = stages[5]["id"].clone();
    assert_eq!(stages[5]["kind"], "lost");
    let (s, e) = app.patch(a, &item, json!({"stage_id": lost})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["reason"]);
    let (_, d) = app.get(a, &item).await;
    assert_eq!(d["stage_id"], stages[0]["id"]);
    assert_eq!(d["status"], "open");
    let (_, hist) = app.get(a, &format!("{item}/stage-history")).await;
    assert_eq!(hist.as_array().unwrap().len(), 1, "{hist}");

    // An open stage by PATCH is a move like any other.
    let (s, d) = app
        .patch(a, &item, json!({"stage_id": stages[2]["id"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["effective_probability"], stages[2]["probability"]);
    let (_, hist) = app.get(a, &format!("{item}/stage-history")).await;
    assert_eq!(hist[0]["from_stage_id"], stages[0]["id"]);
    assert_eq!(hist[0]["to_stage_id"], stages[2]["id"]);
    // Its own probability wins over the stage's.
    let (_, d) = app.patch(a, &item, json!({"probability": 65})).await;
    assert_eq!(d["effective_probability"], 65);

    // Into the other pipeline, stage and all.
    let (s, d) = app
        .patch(
            a,
            &item,
            json!({"pipeline_id": other["id"], "stage_id": foreign, "probability": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["pipeline_id"], other["id"]);
    assert_eq!(d["effective_probability"], 5);
}

#[tokio::test]
async fn an_account_with_deals_or_contacts_is_not_deleted() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (account, deal) = deal_on_new_account(&app, "Краны").await;
    let contact = app
        .create(
            a,
            "/api/v1/contacts",
            json!({"last_name": "Краснов", "account_id": account}),
        )
        .await;
    let item = format!("/api/v1/accounts/{account}");
    let (s, e) = app.delete(a, &item).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "conflict");
    let (s, acc) = app.get(a, &item).await;
    assert_eq!(s, StatusCode::OK, "still there: {acc}");
    let (s, _) = app.get(a, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(s, StatusCode::OK);

    let (s, _) = app.delete(a, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.delete(a, &item).await;
    assert_eq!(s, StatusCode::CONFLICT, "the contact still works there");
    let (s, _) = app
        .delete(a, &format!("/api/v1/contacts/{}", id(&contact)))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.delete(a, &item).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get(a, &item).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_a_record_takes_its_activities_and_notes_along() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let lead = app
        .create(a, "/api/v1/leads", json!({"last_name": "Временный"}))
        .await;
    let lid = id(&lead);
    let task = app
        .create(
            a,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Перезвонить", "related_type": "lead", "related_id": lid}),
        )
        .await;
    let note = app
        .create(
            a,
            "/api/v1/notes",
            json!({"related_type": "lead", "related_id": lid, "body": "Тест"}),
        )
        .await;
    let (s, _) = app.delete(a, &format!("/api/v1/leads/{lid}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .get(a, &format!("/api/v1/activities/{}", id(&task)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(a, &format!("/api/v1/notes/{}", id(&note))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, hits) = app
        .get(
            a,
            "/api/v1/search?q=%D0%92%D1%80%D0%B5%D0%BC%D0%B5%D0%BD%D0%BD%D1%8B%D0%B9",
        )
        .await;
    assert_eq!(hits, json!([]), "a deleted lead is not found");
}

#[tokio::test]
async fn a_deal_is_consistent_about_its_customer_and_its_reasons() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let acc1 = app
        .create(a, "/api/v1/accounts", json!({"name": "Альфа"}))
        .await;
    let acc2 = app
        .create(a, "/api/v1/accounts", json!({"name": "Бета"}))
        .await;
    let c2 = app
        .create(
            a,
            "/api/v1/contacts",
            json!({"last_name": "Бетова", "account_id": acc2["id"]}),
        )
        .await;
    let (s, e) = app
        .post(
            a,
            "/api/v1/deals",
            json!({"title": "X", "account_id": acc1["id"], "contact_id": c2["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["contact_id"]);

    // Its money is in a currency of the catalogue, and one still in use
    // when chosen; a deal already in a retired one keeps it.
    let (s, e) = app
        .post(
            a,
            "/api/v1/deals",
            json!({"title": "X", "account_id": acc1["id"], "currency": "ZZZ"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        e["error"]["fields"]["currency"],
        "is not a currency of the catalog"
    );
    let yuan = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "Y", "account_id": acc1["id"], "currency": "CNY"}),
        )
        .await;
    let (s, _) = app
        .patch(a, "/api/v1/currencies/CNY", json!({"active": false}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = app
        .post(
            a,
            "/api/v1/deals",
            json!({"title": "X", "account_id": acc1["id"], "currency": "cny"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["currency"]);
    let (s, e) = app
        .patch(
            a,
            &format!("/api/v1/deals/{}", yuan["id"]),
            json!({"title": "Y2"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["currency"], "CNY");
    assert_eq!(app.count("deals").await, 1);

    let deal = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "X", "account_id": acc2["id"], "contact_id": c2["id"]}),
        )
        .await;
    let id = deal["id"].as_i64().unwrap();
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/deals/{id}/close"),
            json!({"outcome": "won", "reason": "цена"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a won deal has no loss reason: {e}"
    );
    let (_, d) = app.get(a, &format!("/api/v1/deals/{id}")).await;
    assert_eq!(d["status"], "open", "the refused close changed nothing");
}

#[tokio::test]
async fn a_deleted_pipeline_keeps_the_history_of_deals_that_left_it() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let p2 = app
        .create(a, "/api/v1/pipelines", json!({"name": "Тендеры"}))
        .await;
    let acc = app
        .create(a, "/api/v1/accounts", json!({"name": "Гамма"}))
        .await;
    let deal = app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "Тендер", "account_id": acc["id"], "pipeline_id": p2["id"]}),
        )
        .await;
    let id = deal["id"].as_i64().unwrap();
    let stages = app.stages().await;
    let (s, moved) = app
        .patch(
            a,
            &format!("/api/v1/deals/{id}"),
            json!({"pipeline_id": null, "stage_id": stages[0]["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    let p2_id = p2["id"].as_i64().unwrap();
    let (s, _) = app.delete(a, &format!("/api/v1/pipelines/{p2_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get(a, &format!("/api/v1/pipelines/{p2_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.get(a, "/api/v1/pipelines").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, history) = app
        .get(a, &format!("/api/v1/deals/{id}/stage-history"))
        .await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[1]["pipeline_id"], p2["id"]);
}
