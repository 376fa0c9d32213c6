//! Who sees what: "another manager's record is 404 on get, absent from lists,
//! search and timelines; writes to it 404". Team visibility, heads of sales,
//! and the admin-only settings.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// One of each sales record, owned by whoever created them.
struct Owned {
    lead: i64,
    account: i64,
    contact: i64,
    deal: i64,
    activity: i64,
    note: i64,
}

impl Owned {
    /// (collection, id) of every record that has a CRUD route.
    fn crud(&self) -> Vec<(&'static str, i64)> {
        vec![
            ("/api/v1/leads", self.lead),
            ("/api/v1/accounts", self.account),
            ("/api/v1/contacts", self.contact),
            ("/api/v1/deals", self.deal),
            ("/api/v1/activities", self.activity),
        ]
    }

    /// (collection, id) of every record that has a timeline.
    fn with_timeline(&self) -> Vec<(&'static str, i64)> {
        self.crud()
            .into_iter()
            .filter(|(p, _)| *p != "/api/v1/activities")
            .collect()
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// Creates a lead, an account, a contact at it, a deal on both, a task on the
/// deal and a note on the deal. `word` is in every name so search finds them.
async fn records(app: &TestApp, c: &Client, word: &str, phone: &str, inn: &str) -> Owned {
    let lead = app
        .create(
            c,
            "/api/v1/leads",
            json!({"last_name": format!("{word}ов"), "first_name": "Пётр", "phones": [phone]}),
        )
        .await;
    let account = app
        .create(
            c,
            "/api/v1/accounts",
            json!({"name": format!("ООО {word}"), "inn": inn}),
        )
        .await;
    let contact = app
        .create(
            c,
            "/api/v1/contacts",
            json!({"last_name": format!("{word}ова"), "account_id": id(&account)}),
        )
        .await;
    let deal = app
        .create(
            c,
            "/api/v1/deals",
            json!({"title": format!("Поставка {word}"), "account_id": id(&account),
                   "contact_id": id(&contact), "amount": "1000.00"}),
        )
        .await;
    let activity = app
        .create(
            c,
            "/api/v1/activities",
            json!({"kind": "task", "subject": format!("Позвонить {word}"),
                   "related_type": "deal", "related_id": id(&deal)}),
        )
        .await;
    let note = app
        .create(
            c,
            "/api/v1/notes",
            json!({"related_type": "deal", "related_id": id(&deal), "body": format!("Заметка {word}")}),
        )
        .await;
    Owned {
        lead: id(&lead),
        account: id(&account),
        contact: id(&contact),
        deal: id(&deal),
        activity: id(&activity),
        note: id(&note),
    }
}

struct World {
    app: TestApp,
    team_a: i64,
    a1: Client,
    a2: Client,
    a2_id: i64,
    b1: Client,
    b1_id: i64,
    head: Client,
    of_a1: Owned,
    of_a2: Owned,
    of_b1: Owned,
}

/// Teams A and B with team visibility on; managers a1, a2 in A, b1 in B; a head of sales.
async fn world() -> World {
    let app = TestApp::spawn().await;
    let team_a = app.team("Отдел А", true).await;
    let team_b = app.team("Отдел Б", true).await;
    let (a1, _) = app.user("a1", "manager", Some(team_a)).await;
    let (a2, a2_id) = app.user("a2", "manager", Some(team_a)).await;
    let (b1, b1_id) = app.user("b1", "manager", Some(team_b)).await;
    let (head, _) = app.user("head", "head", None).await;
    let of_a1 = records(&app, &a1, "Апельсин", "+7 495 111-11-11", "7707083893").await;
    let of_a2 = records(&app, &a2, "Вишня", "+7 495 222-22-22", "7736207543").await;
    let of_b1 = records(&app, &b1, "Банан", "+7 495 333-33-33", "7702070139").await;
    World {
        app,
        team_a,
        a1,
        a2,
        a2_id,
        b1,
        b1_id,
        head,
        of_a1,
        of_a2,
        of_b1,
    }
}

/// The ids a client gets from a list, and the total the server counted.
async fn listed(app: &TestApp, c: &Client, collection: &str) -> (Vec<i64>, i64) {
    let (s, page) = app
        .get(c, &format!("{collection}?total=true&limit=500"))
        .await;
    assert_eq!(s, StatusCode::OK, "{collection}: {page}");
    let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(id).collect();
    (ids, page["total"].as_i64().unwrap())
}

async fn search(app: &TestApp, c: &Client, q: &str) -> Vec<(String, i64)> {
    let (s, hits) = app.get(c, &format!("/api/v1/search?q={}", encode(q))).await;
    assert_eq!(s, StatusCode::OK, "{hits}");
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| (h["entity"].as_str().unwrap().to_owned(), id(h)))
        .collect()
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn another_teams_records_are_404_for_every_read_and_write() {
    let w = world().await;
    let app = &w.app;
    let (_, missing) = app.get(&w.a1, "/api/v1/leads/999999").await;

    for (path, rid) in w.of_b1.crud() {
        let item = format!("{path}/{rid}");
        let (s, e) = app.get(&w.a1, &item).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "GET {item}: {e}");
        assert_eq!(e, missing, "the answer must not tell it exists");
        let (s, e) = app
            .patch(&w.a1, &item, json!({"description": "взлом"}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "PATCH {item}: {e}");
        let (s, e) = app.delete(&w.a1, &item).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "DELETE {item}: {e}");
        // Still there and untouched for its owner.
        let (s, r) = app.get(&w.b1, &item).await;
        assert_eq!(s, StatusCode::OK, "{item} after a1's attempts: {r}");
        assert!(r["description"].is_null(), "{item}: {r}");
    }
    for (path, rid) in w.of_b1.with_timeline() {
        let (s, e) = app.get(&w.a1, &format!("{path}/{rid}/timeline")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}/{rid}/timeline: {e}");
        let (s, tl) = app.get(&w.b1, &format!("{path}/{rid}/timeline")).await;
        assert_eq!(s, StatusCode::OK, "{tl}");
    }

    // Everything hanging off an invisible deal is invisible too.
    let deal = w.of_b1.deal;
    for sub in ["team", "competitors", "stage-history"] {
        let (s, e) = app.get(&w.a1, &format!("/api/v1/deals/{deal}/{sub}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{sub}: {e}");
    }
    let stages = app.stages().await;
    let (s, _) = app
        .post(
            &w.a1,
            &format!("/api/v1/deals/{deal}/move"),
            json!({"stage_id": stages[1]["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &w.a1,
            &format!("/api/v1/deals/{deal}/close"),
            json!({"outcome": "won"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .put(&w.a1, &format!("/api/v1/deals/{deal}/team"), json!([]))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &w.a1,
            &format!("/api/v1/leads/{}/convert", w.of_b1.lead),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, d) = app.get(&w.b1, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["stage_id"], stages[0]["id"], "a1 moved b1's deal: {d}");
    let (_, l) = app
        .get(&w.b1, &format!("/api/v1/leads/{}", w.of_b1.lead))
        .await;
    assert_eq!(l["status"], "new");
}

#[tokio::test]
async fn lists_and_search_show_only_what_you_may_see() {
    let w = world().await;
    let app = &w.app;
    type Pick = fn(&Owned) -> i64;
    let collections: [(&str, Pick); 5] = [
        ("/api/v1/leads", |o: &Owned| o.lead),
        ("/api/v1/accounts", |o: &Owned| o.account),
        ("/api/v1/contacts", |o: &Owned| o.contact),
        ("/api/v1/deals", |o: &Owned| o.deal),
        ("/api/v1/activities", |o: &Owned| o.activity),
    ];
    for (path, pick) in collections {
        // a1 sees their own and their teammate's, not team B's — and the total agrees.
        let (ids, total) = listed(app, &w.a1, path).await;
        assert!(ids.contains(&pick(&w.of_a1)), "{path}: {ids:?}");
        assert!(ids.contains(&pick(&w.of_a2)), "{path}: {ids:?}");
        assert!(!ids.contains(&pick(&w.of_b1)), "{path}: {ids:?}");
        assert_eq!(total, ids.len() as i64, "{path}: total counts hidden rows");
        // b1 sees only their own.
        let (ids, total) = listed(app, &w.b1, path).await;
        assert_eq!(ids, vec![pick(&w.of_b1)], "{path}");
        assert_eq!(total, 1, "{path}");
        // The head sees everyone's.
        let (ids, total) = listed(app, &w.head, path).await;
        for o in [&w.of_a1, &w.of_a2, &w.of_b1] {
            assert!(ids.contains(&pick(o)), "{path}: {ids:?}");
        }
        assert_eq!(total, 3, "{path}");
    }

    // Search: by name, by phone, by INN.
    for q in ["Банан", "8 (495) 333-33-33", "7702070139"] {
        assert!(
            search(app, &w.a1, q).await.is_empty(),
            "a1 found b1's records by {q}"
        );
        assert!(
            !search(app, &w.b1, q).await.is_empty(),
            "b1 finds own by {q}"
        );
        assert!(
            !search(app, &w.head, q).await.is_empty(),
            "head finds by {q}"
        );
    }
    let hits = search(app, &w.a1, "Вишня").await;
    assert!(
        hits.contains(&("account".to_owned(), w.of_a2.account)),
        "a1 finds the teammate's account: {hits:?}"
    );

    // A duplicate check must not reveal records one cannot see.
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/leads",
            json!({"last_name": "Другой", "phones": ["+7 495 333-33-33"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
}

#[tokio::test]
async fn team_visibility_can_be_switched_off() {
    let w = world().await;
    let app = &w.app;
    let lead = format!("/api/v1/leads/{}", w.of_a1.lead);
    let (s, _) = app.get(&w.a2, &lead).await;
    assert_eq!(s, StatusCode::OK, "a teammate sees a1's lead");
    // A teammate may also edit it.
    let (s, l) = app.patch(&w.a2, &lead, json!({"title": "Директор"})).await;
    assert_eq!(s, StatusCode::OK, "{l}");

    let (s, t) = app
        .patch(
            &app.admin,
            &format!("/api/v1/teams/{}", w.team_a),
            json!({"team_visibility": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["team_visibility"], false);

    for (path, rid) in w.of_a1.crud() {
        let (s, _) = app.get(&w.a2, &format!("{path}/{rid}")).await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "{path}/{rid} after visibility off"
        );
        let (ids, total) = listed(app, &w.a2, path).await;
        assert!(!ids.contains(&rid), "{path}: {ids:?}");
        assert_eq!(total, 1, "{path}: only a2's own");
    }
    assert!(search(app, &w.a2, "Апельсин").await.is_empty());
    // a1 keeps their own.
    let (s, _) = app.get(&w.a1, &lead).await;
    assert_eq!(s, StatusCode::OK);
    // Nor can a1 hand a record to a2 any more.
    let (s, e) = app.patch(&w.a1, &lead, json!({"owner_id": w.a2_id})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["owner_id"]);
}

#[tokio::test]
async fn the_head_of_sales_sees_and_edits_everything() {
    let w = world().await;
    let app = &w.app;
    for o in [&w.of_a1, &w.of_a2, &w.of_b1] {
        for (path, rid) in o.with_timeline() {
            let (s, _) = app.get(&w.head, &format!("{path}/{rid}/timeline")).await;
            assert_eq!(s, StatusCode::OK);
        }
        for (path, rid) in o.crud() {
            let (s, r) = app
                .patch(
                    &w.head,
                    &format!("{path}/{rid}"),
                    json!({"description": "проверено"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{path}/{rid}: {r}");
        }
        let (s, _) = app.get(&w.head, &format!("/api/v1/notes/{}", o.note)).await;
        assert_eq!(s, StatusCode::OK);
    }
    // And may hand a record to anyone.
    let (s, l) = app
        .patch(
            &w.head,
            &format!("/api/v1/leads/{}", w.of_a1.lead),
            json!({"owner_id": w.b1_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["owner_id"], w.b1_id);
    let (s, _) = app
        .get(&w.a1, &format!("/api/v1/leads/{}", w.of_a1.lead))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the lead went to team B");
    let (s, _) = app
        .get(&w.b1, &format!("/api/v1/leads/{}", w.of_a1.lead))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Search follows the new owner.
    let moved = ("lead".to_owned(), w.of_a1.lead);
    assert!(!search(app, &w.a1, "Апельсинов").await.contains(&moved));
    assert!(search(app, &w.b1, "Апельсинов").await.contains(&moved));
}

#[tokio::test]
async fn references_and_owners_must_be_within_reach() {
    let w = world().await;
    let app = &w.app;
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/deals",
            json!({"title": "Чужая", "account_id": w.of_b1.account, "amount": "10"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["account_id"]);
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/deals",
            json!({"title": "Чужая", "account_id": w.of_a1.account, "contact_id": w.of_b1.contact}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["contact_id"]);
    // Nor move an own deal onto someone else's account.
    let (s, e) = app
        .patch(
            &w.a1,
            &format!("/api/v1/deals/{}", w.of_a1.deal),
            json!({"account_id": w.of_b1.account}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["account_id"]);
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/contacts",
            json!({"last_name": "Чужой", "account_id": w.of_b1.account}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["account_id"]);
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Шпионить", "related_type": "deal", "related_id": w.of_b1.deal}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["related_id"]);
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/leads",
            json!({"last_name": "Подарок", "owner_id": w.b1_id}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["owner_id"]);
    let (s, e) = app
        .patch(
            &w.a1,
            &format!("/api/v1/deals/{}", w.of_a1.deal),
            json!({"owner_id": w.b1_id}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["owner_id"]);
    // Within the team it is fine.
    let (s, d) = app
        .patch(
            &w.a1,
            &format!("/api/v1/deals/{}", w.of_a1.deal),
            json!({"owner_id": w.a2_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["owner_id"], w.a2_id);
}

#[tokio::test]
async fn an_unchanged_reference_does_not_block_edits_after_reassignment() {
    let w = world().await;
    let app = &w.app;
    // The head hands a1's account to team B; a1's deal on it stays a1's.
    let (s, _) = app
        .patch(
            &w.head,
            &format!("/api/v1/accounts/{}", w.of_a1.account),
            json!({"owner_id": w.b1_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, d) = app
        .patch(
            &w.a1,
            &format!("/api/v1/deals/{}", w.of_a1.deal),
            json!({"amount": "2000.00"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a1 can still work on their own deal: {d}"
    );
    assert_eq!(d["amount"], "2000.00");
    let (s, c) = app
        .patch(
            &w.a1,
            &format!("/api/v1/contacts/{}", w.of_a1.contact),
            json!({"position": "Главбух"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    // The deal itself goes to team B: a1's task about it is still a1's to finish.
    let (s, _) = app
        .patch(
            &w.head,
            &format!("/api/v1/deals/{}", w.of_a1.deal),
            json!({"owner_id": w.b1_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, t) = app
        .patch(
            &w.a1,
            &format!("/api/v1/activities/{}", w.of_a1.activity),
            json!({"status": "completed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    // But a1 cannot point a record at the deal now.
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Ещё", "related_type": "deal", "related_id": w.of_a1.deal}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["related_id"]);
}

#[tokio::test]
async fn notes_and_activities_follow_their_record() {
    let w = world().await;
    let app = &w.app;
    let note = format!("/api/v1/notes/{}", w.of_b1.note);
    let (s, _) = app.get(&w.a1, &note).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.patch(&w.a1, &note, json!({"body": "стёрто"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.delete(&w.a1, &note).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, n) = app.get(&w.b1, &note).await;
    assert_eq!(n["body"], "Заметка Банан");

    // Listing the notes of an invisible deal answers as for a deal that does not exist.
    let (s1, e1) = app
        .get(
            &w.a1,
            &format!(
                "/api/v1/notes?related_type=deal&related_id={}",
                w.of_b1.deal
            ),
        )
        .await;
    let (s2, e2) = app
        .get(&w.a1, "/api/v1/notes?related_type=deal&related_id=999999")
        .await;
    assert!(s1.is_client_error(), "{s1}: {e1}");
    assert_eq!((s1, e1), (s2, e2));
    let (s, page) = app
        .get(
            &w.b1,
            &format!(
                "/api/v1/notes?related_type=deal&related_id={}",
                w.of_b1.deal
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (s, e) = app
        .post(
            &w.a1,
            "/api/v1/notes",
            json!({"related_type": "deal", "related_id": w.of_b1.deal, "body": "Привет"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["related_id"]);

    // A teammate sees a1's notes but may not rewrite them.
    let a1_note = format!("/api/v1/notes/{}", w.of_a1.note);
    let (s, _) = app.get(&w.a2, &a1_note).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.patch(&w.a2, &a1_note, json!({"body": "моё"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.delete(&w.a2, &a1_note).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Activities list only the visible ones, filtered or not.
    let (_, page) = app
        .get(
            &w.a1,
            &format!(
                "/api/v1/activities?related_type=deal&related_id={}",
                w.of_b1.deal
            ),
        )
        .await;
    assert_eq!(page["items"], json!([]));
    let (_, page) = app.get(&w.a1, "/api/v1/activities?kind=task").await;
    let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(id).collect();
    assert!(!ids.contains(&w.of_b1.activity), "{ids:?}");
    assert!(ids.contains(&w.of_a1.activity), "{ids:?}");
}

#[tokio::test]
async fn only_administrators_change_settings() {
    let w = world().await;
    let app = &w.app;
    let users_before = app.count("users").await;
    for c in [&w.a1, &w.head] {
        for (path, body) in [
            ("/api/v1/pipelines", json!({"name": "Тендеры"})),
            (
                "/api/v1/users",
                json!({"login": "intruder", "name": "X", "role": "admin", "password": PASSWORD}),
            ),
            ("/api/v1/teams", json!({"name": "Свои"})),
            ("/api/v1/loss-reasons", json!({"name": "Сглазили"})),
            ("/api/v1/lead-sources", json!({"name": "Сарафан"})),
        ] {
            let (s, e) = app.post(c, path, body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "POST {path}: {e}");
            assert_eq!(e["error"]["code"], "forbidden");
        }
        let stage = app.stages().await[0]["id"].as_i64().unwrap();
        let pipeline = app.stages().await[0]["pipeline_id"].as_i64().unwrap();
        for (path, body) in [
            (
                format!("/api/v1/teams/{}", w.team_a),
                json!({"team_visibility": false}),
            ),
            (format!("/api/v1/stages/{stage}"), json!({"name": "Моя"})),
            (
                format!("/api/v1/pipelines/{pipeline}"),
                json!({"name": "Моя"}),
            ),
            (
                format!("/api/v1/users/{}", w.b1_id),
                json!({"active": false}),
            ),
        ] {
            let (s, e) = app.patch(c, &path, body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "PATCH {path}: {e}");
        }
        let (s, _) = app
            .post(
                c,
                &format!("/api/v1/users/{}/password", w.b1_id),
                json!({"password": "new password 1"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.delete(c, &format!("/api/v1/stages/{stage}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("users").await, users_before);
    // Even with a password too short to be accepted, a non-admin is told "forbidden".
    let (s, _) = app
        .post(
            &w.a1,
            "/api/v1/users",
            json!({"login": "x2", "name": "X", "password": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, t) = app.get(&w.a1, &format!("/api/v1/teams/{}", w.team_a)).await;
    assert_eq!(t["team_visibility"], true);
    // Everyone may read the settings (owner pickers, stage names).
    for path in [
        "/api/v1/pipelines",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/loss-reasons",
        "/api/v1/lead-sources",
    ] {
        let (s, _) = app.get(&w.a1, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
    }
}
