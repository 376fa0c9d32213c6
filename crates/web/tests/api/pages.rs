//! The browser interface over HTTP, without a browser: every page renders,
//! forms create and validate with the CSRF token, Russian formatting, the
//! user's language, visibility between teams and escaping of user input.

use crate::helpers::*;
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};

/// The text right after `marker`, up to the next tag.
fn attr_text(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].to_owned())
}

/// `dd.mm.yyyy hh:mm`
fn is_russian_stamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'.',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// The HTML of the form field `name` (from its wrapper to the next field).
fn field_html<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"f-{name}\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let start = html[..at].rfind("<div class=\"field").unwrap();
    let end = html[at..]
        .find("<div class=\"field")
        .map_or(html.len(), |e| at + e);
    &html[start..end]
}

/// The hidden inputs of the first form that contains `marker`.
fn hidden_inputs(html: &str, marker: &str) -> Vec<(String, String)> {
    let at = html.find(marker).unwrap();
    let start = html[..at].rfind("<form").unwrap();
    let end = at + html[at..].find("</form>").unwrap();
    let mut out = Vec::new();
    let mut rest = &html[start..end];
    while let Some(i) = rest.find("<input type=\"hidden\"") {
        rest = &rest[i..];
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        let name = attr_after(tag, "name=\"").unwrap();
        let value = attr_after(tag, "value=\"").unwrap_or_default();
        out.push((name, value));
        rest = &rest[tag_end..];
    }
    out
}

fn amount(v: &Value) -> rust_decimal::Decimal {
    let s = v.get("amount").unwrap_or(v);
    s.as_str().unwrap().parse().unwrap()
}

async fn pipeline(app: &TestApp) -> (i64, Vec<Value>) {
    let (_, p) = app.get(&app.admin, "/api/v1/pipelines").await;
    (
        p[0]["id"].as_i64().unwrap(),
        p[0]["stages"].as_array().unwrap().clone(),
    )
}

async fn account_and_deal(app: &TestApp, c: &Client, name: &str, amount: &str) -> (i64, i64) {
    let acc = app
        .create(c, "/api/v1/accounts", json!({"name": name, "force": true}))
        .await;
    let deal = app
        .create(
            c,
            "/api/v1/deals",
            json!({"title": format!("Сделка {name}"), "account_id": acc["id"], "amount": amount,
                   "expected_close_date": "2026-03-15"}),
        )
        .await;
    (acc["id"].as_i64().unwrap(), deal["id"].as_i64().unwrap())
}

#[tokio::test]
async fn pages_need_a_session_and_remember_where_you_were_going() {
    let app = TestApp::spawn().await;
    let anon = browser();
    for path in [
        "/",
        "/deals?status=open",
        "/board",
        "/leads/new",
        "/profile",
    ] {
        let r = anon.get(app.url(path)).send().await.unwrap();
        let to = see_other(&r);
        assert!(to.starts_with("/login?next="), "{path} → {to}");
    }
    let r = anon
        .get(app.url("/deals?status=open"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login?next=/deals%3Fstatus%3Dopen");
    // htmx gets a header to do a full page load instead of a redirect it would swap in.
    let r = anon
        .get(app.url("/search/suggest?q=x"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.headers()["HX-Redirect"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    // A form post without a session changes nothing either.
    let r = submit(&app, &anon, "/leads/new", &[("last_name", "Аноним")]).await;
    assert!(see_other(&r).starts_with("/login"));
    assert_eq!(app.count("leads").await, 0);
}

#[tokio::test]
async fn the_login_form_logs_in_or_says_why_not() {
    let app = TestApp::spawn().await;
    let c = browser();
    let body = ok_page(&app, &c, "/login?next=/deals").await;
    assert!(body.contains("<title>Вход в Воронку</title>"), "{body}");
    assert!(body.contains(r#"name="next" value="/deals""#));

    let r = submit(
        &app,
        &c,
        "/login",
        &[
            ("login", "admin"),
            ("password", "wrong"),
            ("next", "/deals"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    let body = r.text().await.unwrap();
    assert!(body.contains("Неверный логин или пароль"), "{body}");
    assert!(
        body.contains(r#"value="admin""#),
        "the login is kept: {body}"
    );
    assert!(!body.contains("wrong"), "the password is never echoed");
    let (s, _) = page(&app, &c, "/deals").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "still logged out");

    let r = submit(
        &app,
        &c,
        "/login",
        &[
            ("login", "admin"),
            ("password", PASSWORD),
            ("next", "/deals"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), "/deals");
    let cookie = r.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let body = ok_page(&app, &c, "/deals").await;
    assert!(body.contains("<h1>Сделки</h1>"));

    // `next` only ever leads within the site.
    let other = browser();
    let r = submit(
        &app,
        &other,
        "/login",
        &[
            ("login", "admin"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), "/");

    // Logging out needs the token too, and ends the session.
    let token = csrf(&app, &c).await;
    let r = submit(&app, &c, "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = submit(&app, &c, "/logout", &[("_csrf", &token)]).await;
    assert_eq!(see_other(&r), "/login");
    let (s, _) = page(&app, &c, "/deals").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_page_renders_with_its_title() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (account, deal) = account_and_deal(&app, a, "ООО Ромашка", "1000").await;
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Петров", "company": "Петров и партнёры"}),
        )
        .await["id"]
        .clone();
    let contact = app
        .create(
            a,
            "/api/v1/contacts",
            json!({"last_name": "Сидоров", "account_id": account}),
        )
        .await["id"]
        .clone();
    let activity = app
        .create(
            a,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Позвонить", "due_at": "2026-03-01T09:00:00Z",
                   "related_type": "deal", "related_id": deal}),
        )
        .await["id"]
        .clone();
    // A converted lead, and its deal lost: records whose history has every kind of entry.
    let converted = app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Кузнецов", "first_name": "Олег", "company": "ООО Вектор"}),
        )
        .await["id"]
        .clone();
    let (s, conv) = app
        .post(
            a,
            &format!("/api/v1/leads/{converted}/convert"),
            json!({"deal": {"title": "Вектор: поставка", "amount": "10"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{conv}");
    let (_, reasons) = app.get(a, "/api/v1/loss-reasons").await;
    let (s, lost) = app
        .post(
            a,
            &format!("/api/v1/deals/{}/close", conv["deal"]["id"]),
            json!({"outcome": "lost", "reason_id": reasons[0]["id"], "reason": "дорого"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{lost}");
    let note = json!({"related_type": "account", "related_id": conv["account"]["id"], "body": "Перезвонить"});
    app.create(a, "/api/v1/notes", note).await;

    let c = signed_in(&app, "admin").await;
    let pages = [
        (&format!("/leads/{converted}") as &str, "Кузнецов Олег"),
        (
            &format!("/accounts/{}", conv["account"]["id"]),
            "ООО Вектор",
        ),
        (
            &format!("/contacts/{}", conv["contact"]["id"]),
            "Кузнецов Олег",
        ),
        (
            &format!("/deals/{}", conv["deal"]["id"]),
            "Вектор: поставка",
        ),
        ("/", "Главная"),
        ("/leads", "Лиды"),
        ("/deals", "Сделки"),
        ("/accounts", "Компании"),
        ("/contacts", "Контакты"),
        ("/activities", "Дела"),
        ("/board", "Воронка продаж"),
        ("/profile", "Профиль"),
        ("/leads/new", "Новый лид"),
        ("/deals/new", "Новая сделка"),
        ("/accounts/new", "Новая компания"),
        ("/contacts/new", "Новый контакт"),
        ("/activities/new", "Новое дело"),
        ("/activities/new?kind=event", "Новое дело"),
        (&format!("/leads/{lead}"), "Петров"),
        (&format!("/leads/{lead}/edit"), "Петров"),
        (
            &format!("/leads/{lead}/convert"),
            "Квалификация лида: Петров (Петров и партнёры)",
        ),
        (&format!("/deals/{deal}"), "Сделка ООО Ромашка"),
        (&format!("/deals/{deal}/edit"), "Сделка ООО Ромашка"),
        (&format!("/deals/{deal}?lose=1"), "Сделка ООО Ромашка"),
        (&format!("/accounts/{account}"), "ООО Ромашка"),
        (&format!("/accounts/{account}/edit"), "ООО Ромашка"),
        (&format!("/contacts/{contact}"), "Сидоров"),
        (&format!("/contacts/{contact}/edit"), "Сидоров"),
        (&format!("/activities/{activity}"), "Позвонить"),
        (&format!("/activities/{activity}/edit"), "Позвонить"),
    ];
    for (path, title) in pages {
        let body = ok_page(&app, &c, path).await;
        assert!(
            body.contains(&format!("<h1>{title}</h1>")),
            "{path}: no heading {title}"
        );
        assert!(
            body.contains(&format!("<title>{title} · Воронка</title>")),
            "{path}: no title {title}"
        );
        assert!(body.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(body.contains("<html lang=\"ru\">"), "{path}");
        assert!(body.contains("href=\"/assets/app.css\""), "{path}: styled");
        assert!(body.contains("id=\"search-box\""), "{path}: search box");
        assert!(
            !body.contains("field-") && !body.contains("{$"),
            "{path}: a message id or placeholder leaked into the page: {:?}",
            body.find("field-")
                .or(body.find("{$"))
                .map(|i| &body[i.saturating_sub(200)..(i + 100).min(body.len())])
        );
    }
    // Lists show their records.
    assert!(
        ok_page(&app, &c, "/deals")
            .await
            .contains("Сделка ООО Ромашка")
    );
    assert!(ok_page(&app, &c, "/contacts").await.contains("Сидоров"));
    assert!(ok_page(&app, &c, "/activities").await.contains("Позвонить"));
    let board = ok_page(&app, &c, "/board").await;
    assert!(board.contains(&format!("data-deal=\"{deal}\"")));
    assert!(board.contains("id=\"lost-dialog\""));
    let search = ok_page(&app, &c, "/search?q=Ромашка").await;
    assert!(search.contains(&format!("href=\"/accounts/{account}\"")));
    let suggest = ok_page(&app, &c, "/search/suggest?q=Ромашка").await;
    assert!(
        suggest.contains(&format!("href=\"/deals/{deal}\"")),
        "{suggest}"
    );

    // Static files, with their types.
    for (path, kind) in [
        ("/assets/app.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
    }

    // Unknown things are "not found", not errors.
    for path in ["/deals/999999", "/widgets/1", "/leads/999999/convert"] {
        let (s, body) = page(&app, &c, path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("Запись не найдена или недоступна"), "{path}");
    }
}

#[tokio::test]
async fn numbers_and_dates_are_russian_until_the_user_switches_to_english() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, deal) = account_and_deal(&app, a, "ООО Ромашка", "1234567.89").await;
    let c = signed_in(&app, "admin").await;
    let money = "1\u{a0}234\u{a0}567,89\u{a0}₽";
    for path in [
        "/deals".to_owned(),
        format!("/deals/{deal}"),
        "/board".into(),
    ] {
        let body = ok_page(&app, &c, &path).await;
        assert!(body.contains(money), "{path}: no {money:?}");
        assert!(!body.contains("1234567.89"), "{path}: unformatted amount");
    }
    let list = ok_page(&app, &c, "/deals").await;
    assert!(list.contains("15.03.2026"), "dd.mm.yyyy");
    assert!(!list.contains("2026-03-15"));
    assert!(list.contains("1 запись"), "Russian plural");
    let view = ok_page(&app, &c, &format!("/deals/{deal}")).await;
    assert!(view.contains("15.03.2026"));
    // The timeline's time stamps are dd.mm.yyyy hh:mm too.
    let stamp = attr_text(&view, "<div class=\"when\">").expect("a time stamp");
    assert!(is_russian_stamp(&stamp), "{stamp:?}");

    let (s, me) = app.patch(&c, "/api/v1/me", json!({"locale": "en"})).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let list = ok_page(&app, &c, "/deals").await;
    assert!(list.contains("<html lang=\"en\">"));
    assert!(list.contains("<h1>Deals</h1>"));
    assert!(list.contains("₽1,234,567.89"), "English money");
    assert!(list.contains("2026-03-15"), "ISO dates in English");
    assert!(list.contains("1 record"));
    assert!(!list.contains("Сделки"), "no Russian left in the frame");
    let board = ok_page(&app, &c, "/board").await;
    assert!(board.contains("<h1>Sales pipeline</h1>"));
    // The language belongs to the user: someone else still reads Russian.
    app.user("ivan", "manager", None).await;
    let other = signed_in(&app, "ivan").await;
    assert!(
        ok_page(&app, &other, "/deals")
            .await
            .contains("<h1>Сделки</h1>")
    );
}

#[tokio::test]
async fn a_lead_is_created_through_the_form_and_the_token_is_required() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let form = ok_page(&app, &c, "/leads/new").await;
    assert!(
        field_html(&form, "title").contains(">Должность</label>"),
        "a lead's title is the person's position"
    );
    assert!(form.contains(&format!("name=\"_csrf\" value=\"{token}\"")));

    let fields = [
        ("last_name", "Петров"),
        ("first_name", "Иван"),
        ("company", "ООО «Ромашка»"),
        ("phones", "8 (495) 123-45-67"),
        ("emails", "Ivan@Romashka.RU"),
        ("status", ""),
        ("owner_id", ""),
    ];
    let r = submit(&app, &c, "/leads/new", &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    let mut forged = fields.to_vec();
    forged.push(("_csrf", "0123456789abcdef0123456789abcdef"));
    let r = submit(&app, &c, "/leads/new", &forged).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "someone else's token");
    assert_eq!(app.count("leads").await, 0);

    let mut good = fields.to_vec();
    good.push(("_csrf", &token));
    let r = submit(&app, &c, "/leads/new", &good).await;
    let to = see_other(&r);
    let id = id_in(&to, "/leads/");
    assert!(to.ends_with("?msg=saved"), "{to}");
    let body = ok_page(&app, &c, &to).await;
    assert!(body.contains("<h1>Петров Иван</h1>"), "{body}");
    assert!(body.contains("Сохранено"));
    assert!(body.contains("+7 495 123-45-67") || body.contains("+74951234567"));
    assert!(body.contains("ivan@romashka.ru"));
    let (_, lead) = app.get(&app.admin, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(lead["company"], "ООО «Ромашка»");
    assert_eq!(lead["phones"], json!(["+74951234567"]));
    assert_eq!(lead["status"], "new");

    // htmx sends the token as a header instead.
    let owner = lead["owner_id"].to_string();
    let r = c
        .post(app.url(&format!("/leads/{id}/edit")))
        .header("X-CSRF-Token", &token)
        .form(&[
            ("last_name", "Петров"),
            ("first_name", "Пётр"),
            ("owner_id", owner.as_str()),
        ])
        .send()
        .await
        .unwrap();
    see_other(&r);
    let (_, lead) = app.get(&app.admin, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(lead["first_name"], "Пётр");
}

#[tokio::test]
async fn a_bad_form_comes_back_with_the_message_beside_the_field_and_the_values_kept() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let r = submit(
        &app,
        &c,
        "/leads/new",
        &[
            ("_csrf", &token),
            ("last_name", "Сидоров"),
            ("company", "Сидоров & Co <ltd>"),
            ("emails", "not-an-email"),
            ("description", "первая строка\nвторая"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Исправьте отмеченные поля"));
    let emails = field_html(&body, "emails");
    assert!(emails.contains("invalid"), "{emails}");
    assert!(emails.contains("class=\"error\""), "{emails}");
    assert!(
        emails.contains("not-an-email"),
        "typed value kept: {emails}"
    );
    let last = field_html(&body, "last_name");
    assert!(last.contains("value=\"Сидоров\""), "{last}");
    assert!(!last.contains("class=\"error\""), "{last}");
    assert!(
        field_html(&body, "company").contains("value=\"Сидоров &amp; Co &lt;ltd&gt;\""),
        "kept and escaped"
    );
    assert!(field_html(&body, "description").contains("первая строка\nвторая"));
    assert_eq!(app.count("leads").await, 0);

    // A deal with an amount that is no number, then with no customer.
    let r = submit(
        &app,
        &c,
        "/deals/new",
        &[
            ("_csrf", &token),
            ("title", "Поставка"),
            ("amount", "много"),
            ("currency", "RUB"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(field_html(&body, "amount").contains("class=\"error\""));
    assert!(field_html(&body, "amount").contains("value=\"много\""));
    assert!(field_html(&body, "title").contains("value=\"Поставка\""));
    let r = submit(
        &app,
        &c,
        "/deals/new",
        &[
            ("_csrf", &token),
            ("title", "Поставка"),
            ("amount", "10,5"),
            ("currency", "RUB"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        field_html(&body, "account_id").contains("class=\"error\""),
        "{body}"
    );
    assert!(field_html(&body, "amount").contains("value=\"10,5\""));
    assert_eq!(app.count("deals").await, 0);

    // The currency is chosen from the catalogue's, roubles first for a new
    // deal; a retired one is not offered.
    let (s, _) = app
        .patch(
            &app.admin,
            "/api/v1/currencies/CNY",
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let body = ok_page(&app, &c, "/deals/new").await;
    let currency = field_html(&body, "currency");
    assert!(
        currency.contains("<select id=\"f-currency\" name=\"currency\">"),
        "{currency}"
    );
    assert!(
        currency.contains("<option value=\"RUB\" selected>RUB — Российский рубль</option>"),
        "{currency}"
    );
    assert!(currency.contains("<option value=\"EUR\">"), "{currency}");
    assert!(!currency.contains("CNY"), "{currency}");
    let customer = app
        .create(&app.admin, "/api/v1/accounts", json!({"name": "Альфа"}))
        .await;
    let r = submit(
        &app,
        &c,
        "/deals/new",
        &[
            ("_csrf", &token),
            ("title", "Поставка"),
            ("account_id", &customer["id"].to_string()),
            ("amount", "100"),
            ("currency", "CNY"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert_eq!(
        field_error(&body, "currency"),
        "эта валюта больше не используется"
    );
    // A deal whose code predates the check keeps it on its edit form
    // (a select offering only the catalogue's would post another).
    let legacy = app
        .create(
            &app.admin,
            "/api/v1/deals",
            json!({"title": "Старая", "account_id": customer["id"]}),
        )
        .await;
    let mut r = app.db.reader().await.unwrap();
    sqlx::query("UPDATE deals SET currency = 'XYZ' WHERE id = $1")
        .bind(legacy["id"].as_i64().unwrap())
        .execute(voronka_store::db::Conn::conn(&mut r))
        .await
        .unwrap();
    drop(r);
    let body = ok_page(&app, &c, &format!("/deals/{}/edit", legacy["id"])).await;
    let currency = field_html(&body, "currency");
    assert!(
        currency.contains("<option value=\"XYZ\" selected>XYZ</option>"),
        "{currency}"
    );

    // Editing: the same, at 422, with the record unchanged.
    let lead = app
        .create(&app.admin, "/api/v1/leads", json!({"last_name": "Орлов"}))
        .await;
    let id = lead["id"].as_i64().unwrap();
    let r = submit(
        &app,
        &c,
        &format!("/leads/{id}/edit"),
        &[("_csrf", &token), ("last_name", ""), ("first_name", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(field_html(&body, "last_name").contains("class=\"error\""));
    let (_, lead) = app.get(&app.admin, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(lead["last_name"], "Орлов");
}

/// The text of the error beside the form field `name`.
fn field_error(html: &str, name: &str) -> String {
    let f = field_html(html, name);
    attr_text(f, "<div class=\"error\" role=\"alert\">")
        .unwrap_or_else(|| panic!("no error beside {name}: {f}"))
}

#[tokio::test]
async fn validation_messages_from_core_and_store_speak_the_users_language() {
    let app = TestApp::spawn().await;
    let ru = signed_in(&app, "admin").await;
    let token = csrf(&app, &ru).await;
    let bad_lead = |token: &str| {
        vec![
            ("_csrf", token.to_owned()),
            ("last_name", "Сидоров".to_owned()),
            ("phones", "12".to_owned()),
            ("emails", "not-an-email".to_owned()),
            ("title", "д".repeat(300)),
        ]
    };
    let form = bad_lead(&token);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &ru, "/leads/new", &pairs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert_eq!(field_error(&body, "phones"), "в номере слишком мало цифр");
    assert_eq!(
        field_error(&body, "emails"),
        "это не адрес электронной почты"
    );
    assert_eq!(field_error(&body, "title"), "не длиннее 200 символов");
    let account = [
        ("_csrf", token.as_str()),
        ("name", "ООО «Тест»"),
        ("inn", "123"),
    ];
    let body = submit(&app, &ru, "/accounts/new", &account)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        field_error(&body, "inn"),
        "нужно цифр: 10 или 12, а введено 3"
    );
    // A deal that is closed: the store's conflict, in Russian, on the page.
    let (_, deal) = account_and_deal(&app, &ru, "ООО «Итог»", "1000").await;
    let r = submit(
        &app,
        &ru,
        &format!("/deals/{deal}/close"),
        &[("_csrf", &token), ("outcome", "won")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = submit(
        &app,
        &ru,
        &format!("/deals/{deal}/close"),
        &[("_csrf", &token), ("outcome", "won")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.text().await.unwrap(),
        "сделка уже закрыта (Выиграна); сначала откройте её снова"
    );

    // The same form for an English-speaking user: the API's English words.
    let (en, _) = app.user("smith", "manager", None).await;
    let (s, _) = app.patch(&en, "/api/v1/me", json!({"locale": "en"})).await;
    assert_eq!(s, StatusCode::OK);
    let token = csrf(&app, &en).await;
    let form = bad_lead(&token);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(&app, &en, "/leads/new", &pairs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert_eq!(field_error(&body, "phones"), "has too few digits");
    assert_eq!(
        field_error(&body, "title"),
        "must be at most 200 characters"
    );
    let account = [
        ("_csrf", token.as_str()),
        ("name", "Test Ltd"),
        ("inn", "123"),
    ];
    let body = submit(&app, &en, "/accounts/new", &account)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(field_error(&body, "inn"), "must be 10 or 12 digits, got 3");

    // The API keeps its English contract whatever the user's language.
    let (s, v) = app
        .post(
            &app.admin,
            "/api/v1/leads",
            json!({"last_name": "Сидоров", "phones": ["12"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["phones[0]"], "has too few digits");
}

#[tokio::test]
async fn dates_are_typed_in_the_users_format_not_the_browsers() {
    let app = TestApp::spawn().await;
    let ru = signed_in(&app, "admin").await;
    let token = csrf(&app, &ru).await;
    // The input is text with the Russian pattern, not the browser's date picker.
    let form = ok_page(&app, &ru, "/contacts/new").await;
    let birthday = field_html(&form, "birthday");
    assert!(birthday.contains("type=\"text\""), "{birthday}");
    assert!(
        birthday.contains("placeholder=\"ДД.ММ.ГГГГ\""),
        "{birthday}"
    );
    assert!(!form.contains("type=\"date\""));
    // A bad date comes back beside the field, the typed text kept.
    let r = submit(
        &app,
        &ru,
        "/contacts/new",
        &[
            ("_csrf", &token),
            ("last_name", "Дата"),
            ("birthday", "31.02.1990"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert_eq!(
        field_error(&body, "birthday"),
        "это не дата: введите в виде ДД.ММ.ГГГГ"
    );
    assert!(field_html(&body, "birthday").contains("value=\"31.02.1990\""));
    // The Russian format and ISO are both read.
    for (typed, stored) in [("7.3.1990", "1990-03-07"), ("1991-04-08", "1991-04-08")] {
        let r = submit(
            &app,
            &ru,
            "/contacts/new",
            &[
                ("_csrf", &token),
                ("last_name", "Дата"),
                ("birthday", typed),
            ],
        )
        .await;
        let id = id_in(&see_other(&r), "/contacts/");
        let (_, v) = app.get(&app.admin, &format!("/api/v1/contacts/{id}")).await;
        assert_eq!(v["birthday"], stored);
        if stored == "1990-03-07" {
            let edit = ok_page(&app, &ru, &format!("/contacts/{id}/edit")).await;
            assert!(field_html(&edit, "birthday").contains("value=\"07.03.1990\""));
        }
    }
    // List filters: typed as the user writes dates, kept as typed, read as ISO.
    let list = ok_page(&app, &ru, "/contacts?created_at__gte=01.01.2020").await;
    assert!(
        list.contains("name=\"created_at__gte\" value=\"01.01.2020\""),
        "{list}"
    );
    assert!(list.contains("placeholder=\"ДД.ММ.ГГГГ\""));
    assert!(list.contains("Дата"));
    let list = ok_page(&app, &ru, "/contacts?created_at__gte=2020-01-01").await;
    assert!(
        list.contains("value=\"01.01.2020\""),
        "ISO shown in the user's format"
    );
    let list = ok_page(&app, &ru, "/contacts?created_at__lte=01.01.2020").await;
    assert!(!list.contains(">Дата"), "filtered out");
    let list = ok_page(&app, &ru, "/contacts?created_at__gte=вчера").await;
    assert!(
        list.contains("это не дата: введите в виде ДД.ММ.ГГГГ"),
        "{list}"
    );
    assert!(list.contains("value=\"вчера\""));

    // An English user sees and types the English pattern.
    let (en, _) = app.user("smith", "manager", None).await;
    let (s, _) = app.patch(&en, "/api/v1/me", json!({"locale": "en"})).await;
    assert_eq!(s, StatusCode::OK);
    let form = ok_page(&app, &en, "/contacts/new").await;
    assert!(field_html(&form, "birthday").contains("placeholder=\"YYYY-MM-DD\""));
    let token = csrf(&app, &en).await;
    let r = submit(
        &app,
        &en,
        "/contacts/new",
        &[
            ("_csrf", &token),
            ("last_name", "Date"),
            ("birthday", "23.11.1990"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert_eq!(
        field_error(&body, "birthday"),
        "is not a date: type it as YYYY-MM-DD"
    );
}

/// An htmx request (what the record page's per-field links and forms send).
async fn hx(
    app: &TestApp,
    c: &Client,
    path: &str,
    form: Option<&[(&str, &str)]>,
) -> (StatusCode, String) {
    let r = match form {
        Some(f) => c.post(app.url(path)).form(f),
        None => c.get(app.url(path)),
    };
    let r = r.header("HX-Request", "true").send().await.unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

#[tokio::test]
async fn record_fields_are_edited_one_at_a_time() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let (_, deal) = account_and_deal(&app, &c, "ООО «Поле»", "150000").await;
    let url = format!("/deals/{deal}");

    // The page: every field has its own edit link, a plain link to the whole
    // form without JavaScript; the whole-form edit is still there.
    let page = ok_page(&app, &c, &url).await;
    assert!(page.contains("id=\"fv-description\""), "{page}");
    assert!(page.contains(&format!("hx-get=\"{url}/field/description\"")));
    assert!(page.contains(&format!("href=\"{url}/edit#f-description\"")));
    assert!(page.contains("aria-label=\"Изменить: "));
    assert!(page.contains(&format!("href=\"{url}/edit\"")));

    // Opening one field: a fragment with just its input, the CSRF token and
    // a cancel that brings the value back.
    let (s, frag) = hx(&app, &c, &format!("{url}/field/description"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!frag.contains("<html"), "a fragment: {frag}");
    assert!(frag.contains("id=\"fv-description\""));
    assert!(frag.contains("id=\"f-description\""));
    assert!(!frag.contains("id=\"f-title\""), "only that field");
    assert!(frag.contains(&format!("hx-post=\"{url}/field/description\"")));
    assert!(frag.contains(&format!("value=\"{token}\"")));
    assert!(frag.contains(&format!("hx-get=\"{url}/field/description/view\"")));
    let (s, view) = hx(&app, &c, &format!("{url}/field/description/view"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(view.contains("id=\"fv-description\"") && !view.contains("<form"));

    // Saving sends only that field: the others stay as they were.
    let (_, before) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    let (s, saved) = hx(
        &app,
        &c,
        &format!("{url}/field/description"),
        Some(&[("_csrf", &token), ("description", "Позвонить в среду")]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert!(saved.contains("Позвонить в среду") && saved.contains("id=\"fv-description\""));
    assert!(!saved.contains("<form"), "back to the value: {saved}");
    let (_, v) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(v["description"], "Позвонить в среду");
    for k in [
        "title",
        "amount",
        "currency",
        "stage_id",
        "account_id",
        "expected_close_date",
    ] {
        assert_eq!(v[k], before[k], "{k}");
    }

    // An error comes back beside that field, in Russian; nothing is saved.
    let (s, bad) = hx(
        &app,
        &c,
        &format!("{url}/field/title"),
        Some(&[("_csrf", &token), ("title", "")]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_error(&bad, "title"), "обязательное поле");
    assert!(bad.contains("id=\"fv-title\""));
    let (s, bad) = hx(
        &app,
        &c,
        &format!("{url}/field/expected_close_date"),
        Some(&[("_csrf", &token), ("expected_close_date", "30.02.2026")]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(&bad, "expected_close_date"),
        "это не дата: введите в виде ДД.ММ.ГГГГ"
    );
    // A date, but of a year no forecast shows.
    let (s, bad) = hx(
        &app,
        &c,
        &format!("{url}/field/expected_close_date"),
        Some(&[("_csrf", &token), ("expected_close_date", "31.12.9999")]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(&bad, "expected_close_date"),
        "год должен быть от 1900 до 2199"
    );
    let (s, ok) = hx(
        &app,
        &c,
        &format!("{url}/field/expected_close_date"),
        Some(&[("_csrf", &token), ("expected_close_date", "01.04.2026")]),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(ok.contains("01.04.2026"));
    let (_, v) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(v["title"], "Сделка ООО «Поле»");
    assert_eq!(v["expected_close_date"], "2026-04-01");

    // Without the token nothing changes; an unknown field is not found.
    let (s, _) = hx(
        &app,
        &c,
        &format!("{url}/field/title"),
        Some(&[("title", "Взлом")]),
    )
    .await;
    assert!(s.is_client_error());
    let (s, _) = hx(&app, &c, &format!("{url}/field/nonsense"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Without JavaScript the same form posts and lands back on the record.
    let r = submit(
        &app,
        &c,
        &format!("{url}/field/title"),
        &[("_csrf", &token), ("title", "Поставка полей")],
    )
    .await;
    assert_eq!(see_other(&r), format!("{url}?msg=saved"));
    let (_, v) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(v["title"], "Поставка полей");
    assert_eq!(v["description"], "Позвонить в среду");

    // Another team's manager cannot open a field of this deal.
    let (other, _) = app
        .user("stranger", "manager", Some(app.team("Чужие", true).await))
        .await;
    let (s, _) = hx(&app, &other, &format!("{url}/field/title"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn qualifying_a_lead_through_the_form_lands_on_its_deal() {
    let app = TestApp::spawn().await;
    let lead = app
        .create(
            &app.admin,
            "/api/v1/leads",
            json!({"first_name": "Иван", "last_name": "Петров", "company": "ООО Вектор",
                   "phones": ["+7 495 765-43-21"]}),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    let (pipeline_id, stages) = pipeline(&app).await;
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let form = ok_page(&app, &c, &format!("/leads/{id}")).await;
    assert!(form.contains(&format!("href=\"/leads/{id}/convert\"")));
    let form = ok_page(&app, &c, &format!("/leads/{id}/convert")).await;
    assert!(form.contains("name=\"account_name\" value=\"ООО Вектор\""));

    let pid = pipeline_id.to_string();
    let r = submit(
        &app,
        &c,
        &format!("/leads/{id}/convert"),
        &[
            ("_csrf", &token),
            ("account_name", "ООО Вектор"),
            ("account_inn", "7707083893"),
            ("account_id", ""),
            ("create_contact", "on"),
            ("create_deal", "on"),
            ("deal_title", "Поставка оборудования"),
            ("pipeline_id", &pid),
            ("amount", "150 000,50"),
        ],
    )
    .await;
    let to = see_other(&r);
    let deal = id_in(&to, "/deals/");
    let body = ok_page(&app, &c, &to).await;
    assert!(body.contains("<h1>Поставка оборудования</h1>"));
    assert!(body.contains("Лид квалифицирован"));
    assert!(body.contains("150\u{a0}000,50\u{a0}₽"));
    assert!(body.contains(&stages[0]["name"].as_str().unwrap().to_string()));

    let (_, d) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(amount(&d), amount(&json!("150000.5")));
    assert_eq!(d["stage_id"], stages[0]["id"]);
    let (_, acc) = app
        .get(&app.admin, &format!("/api/v1/accounts/{}", d["account_id"]))
        .await;
    assert_eq!(acc["name"], "ООО Вектор");
    assert_eq!(acc["inn"], "7707083893");
    assert!(body.contains(&format!("href=\"/accounts/{}\"", acc["id"])));
    let (_, contacts) = app.get(&app.admin, "/api/v1/contacts").await;
    assert_eq!(contacts["items"][0]["last_name"], "Петров");
    assert_eq!(contacts["items"][0]["account_id"], acc["id"]);
    let (_, l) = app.get(&app.admin, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(l["status"], "converted");
    let lead_page = ok_page(&app, &c, &format!("/leads/{id}")).await;
    assert!(
        !lead_page.contains(&format!("href=\"/leads/{id}/convert\"")),
        "no second conversion offered"
    );
}

#[tokio::test]
async fn duplicates_on_conversion_are_shown_with_links_and_can_be_overridden() {
    let app = TestApp::spawn().await;
    let acc = app
        .create(
            &app.admin,
            "/api/v1/accounts",
            json!({"name": "ООО Альфа", "inn": "7736207543"}),
        )
        .await;
    let lead = app
        .create(
            &app.admin,
            "/api/v1/leads",
            json!({"last_name": "Смирнов", "company": "Бета"}),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let r = submit(
        &app,
        &c,
        &format!("/leads/{id}/convert"),
        &[
            ("_csrf", &token),
            ("account_name", "Бета"),
            ("account_inn", "7736207543"),
            ("create_contact", "on"),
            ("create_deal", "on"),
            ("deal_title", "Бета: внедрение"),
            ("amount", "5000"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Похожие записи уже есть:"));
    assert!(
        body.contains(&format!(
            "<a href=\"/accounts/{}\">ООО Альфа</a>",
            acc["id"]
        )),
        "{body}"
    );
    assert!(body.contains("Всё равно создать"));
    // What was typed is kept in the form.
    assert!(body.contains("name=\"account_inn\" value=\"7736207543\""));
    assert!(body.contains("name=\"deal_title\" value=\"Бета: внедрение\""));
    assert_eq!(app.count("deals").await, 0);

    let hidden = hidden_inputs(&body, "name=\"force\"");
    assert!(hidden.iter().any(|(k, v)| k == "_csrf" && *v == token));
    assert!(
        hidden
            .iter()
            .any(|(k, v)| k == "account_inn" && v == "7736207543")
    );
    let fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = submit(&app, &c, &format!("/leads/{id}/convert"), &fields).await;
    let to = see_other(&r);
    let deal = id_in(&to, "/deals/");
    let (_, d) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["title"], "Бета: внедрение");
    assert_eq!(amount(&d), amount(&json!("5000")));
    assert_eq!(app.count("accounts").await, 2);
    assert_eq!(app.count("contacts").await, 1);
}

#[tokio::test]
async fn the_deal_page_tells_the_story_of_its_moves() {
    let app = TestApp::spawn().await;
    let (_, deal) = account_and_deal(&app, &app.admin, "ООО Ромашка", "1000").await;
    let (_, stages) = pipeline(&app).await;
    let name = |i: usize| stages[i]["name"].as_str().unwrap().to_owned();
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let next = stages[1]["id"].to_string();

    let r = submit(
        &app,
        &c,
        &format!("/deals/{deal}/move"),
        &[("stage_id", &next)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = submit(
        &app,
        &c,
        &format!("/deals/{deal}/move"),
        &[("_csrf", &token), ("stage_id", &next)],
    )
    .await;
    let to = see_other(&r);
    assert_eq!(to, format!("/deals/{deal}?msg=saved"));
    let body = ok_page(&app, &c, &to).await;
    let timeline = &body[body.find("<h2>История</h2>").expect("a timeline")..];
    assert!(timeline.contains("перевёл(а) в стадию"), "{timeline}");
    assert!(
        timeline.contains(&format!("{} → ", name(0))),
        "from the first stage: {timeline}"
    );
    assert!(
        timeline.contains(&format!("<span class=\"badge\">{}</span>", name(1))),
        "{timeline}"
    );

    // From the board (htmx): no redirect, just done.
    let third = stages[2]["id"].to_string();
    let r = c
        .post(app.url(&format!("/deals/{deal}/move")))
        .header("HX-Request", "true")
        .form(&[("_csrf", token.as_str()), ("stage_id", third.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Losing needs a reason: without one the lose form comes back.
    let lost = stages.iter().find(|s| s["kind"] == "lost").unwrap().clone();
    let lost_id = lost["id"].to_string();
    let r = c
        .post(app.url(&format!("/deals/{deal}/move")))
        .header("HX-Request", "true")
        .form(&[("_csrf", token.as_str()), ("stage_id", lost_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = submit(
        &app,
        &c,
        &format!("/deals/{deal}/close"),
        &[("_csrf", &token), ("outcome", "lost")],
    )
    .await;
    assert_eq!(see_other(&r), format!("/deals/{deal}?lose=1#lose"));
    let form = ok_page(&app, &c, &format!("/deals/{deal}?lose=1")).await;
    assert!(form.contains("id=\"lose\""));
    let (_, reasons) = app.get(&app.admin, "/api/v1/loss-reasons").await;
    let reason = &reasons[0];
    let reason_id = reason["id"].to_string();
    assert!(form.contains(&format!("<option value=\"{reason_id}\">")));
    let r = submit(
        &app,
        &c,
        &format!("/deals/{deal}/close"),
        &[
            ("_csrf", &token),
            ("outcome", "lost"),
            ("reason_id", &reason_id),
            ("reason", "Дорого для них"),
        ],
    )
    .await;
    let to = see_other(&r);
    let body = ok_page(&app, &c, &to).await;
    assert!(body.contains("badge lost"), "lost badge");
    assert!(
        body.contains(reason["name"].as_str().unwrap()),
        "the loss reason is on the page"
    );
    assert!(body.contains("Дорого для них"));
    assert!(
        body.contains("Открыть снова"),
        "a lost deal can be reopened"
    );
    assert!(!body.contains("field-loss_reason"), "{body}");
    let (_, d) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["status"], "lost");
}

struct Teams {
    app: TestApp,
    a1: Client,
    b1: Client,
    b2_id: i64,
    a1_id: i64,
}

async fn teams() -> Teams {
    let app = TestApp::spawn().await;
    let team_a = app.team("Отдел А", true).await;
    let team_b = app.team("Отдел Б", true).await;
    let (_, a1_id) = app.user("a1", "manager", Some(team_a)).await;
    app.user("b1", "manager", Some(team_b)).await;
    let (_, b2_id) = app.user("b2", "manager", Some(team_b)).await;
    let a1 = signed_in(&app, "a1").await;
    let b1 = signed_in(&app, "b1").await;
    Teams {
        app,
        a1,
        b1,
        b2_id,
        a1_id,
    }
}

#[tokio::test]
async fn another_teams_deal_is_nowhere_to_be_seen() {
    let Teams { app, a1, b1, .. } = teams().await;
    let (account, deal) = account_and_deal(&app, &a1, "Секретная Альфа", "777").await;
    let title = "Сделка Секретная Альфа";

    // Its own team sees it everywhere…
    assert!(
        ok_page(&app, &a1, &format!("/deals/{deal}"))
            .await
            .contains(title)
    );
    assert!(ok_page(&app, &a1, "/deals").await.contains(title));
    assert!(
        ok_page(&app, &a1, "/board")
            .await
            .contains(&format!("data-deal=\"{deal}\""))
    );
    assert!(
        ok_page(&app, &a1, "/search/suggest?q=Секретная")
            .await
            .contains(&format!("/deals/{deal}"))
    );

    // …the other team nowhere.
    for path in [
        format!("/deals/{deal}"),
        format!("/deals/{deal}/edit"),
        format!("/accounts/{account}"),
    ] {
        let (s, body) = page(&app, &b1, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("Запись не найдена или недоступна"));
        assert!(!body.contains("Секретная"), "{path} leaks the name");
    }
    for path in [
        "/deals",
        "/accounts",
        "/board",
        "/",
        "/search/suggest?q=Секретная",
        "/search?q=Секретная",
        "/options/accounts?q=Секретная",
    ] {
        let body = ok_page(&app, &b1, path).await;
        assert!(!body.contains(title), "{path} shows it");
        assert!(
            !body.contains("Секретная Альфа"),
            "{path} shows its account"
        );
        assert!(!body.contains(&format!("data-deal=\"{deal}\"")), "{path}");
    }
    assert!(ok_page(&app, &b1, "/board").await.contains("id=\"board\""));
    let suggest = ok_page(&app, &b1, "/search/suggest?q=Секретная").await;
    assert!(suggest.contains("Ничего не найдено"), "{suggest}");

    // Nor can it act on it.
    let token = csrf(&app, &b1).await;
    let (_, stages) = pipeline(&app).await;
    let next = stages[1]["id"].to_string();
    let r = submit(
        &app,
        &b1,
        &format!("/deals/{deal}/move"),
        &[("_csrf", &token), ("stage_id", &next)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = submit(
        &app,
        &b1,
        &format!("/deals/{deal}/edit"),
        &[("_csrf", &token), ("title", "Моя теперь")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = submit(
        &app,
        &b1,
        "/notes",
        &[
            ("_csrf", &token),
            ("related_type", "deal"),
            ("related_id", &deal.to_string()),
            ("body", "подглядел"),
        ],
    )
    .await;
    assert!(
        r.status() == StatusCode::NOT_FOUND || location(&r) == format!("/deals/{deal}"),
        "{}",
        r.status()
    );
    let (_, d) = app.get(&app.admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["title"], title);
    assert_eq!(d["stage_id"], stages[0]["id"]);
    assert_eq!(app.count("notes").await, 0);
}

#[tokio::test]
async fn bulk_actions_touch_only_visible_records() {
    let Teams {
        app,
        a1,
        b1,
        b2_id,
        a1_id,
    } = teams().await;
    let (_, theirs) = account_and_deal(&app, &a1, "Альфа", "100").await;
    let (_, mine) = account_and_deal(&app, &b1, "Бета", "200").await;
    let token = csrf(&app, &b1).await;
    let list = ok_page(&app, &b1, "/deals").await;
    assert!(list.contains(&format!("name=\"ids\" value=\"{mine}\"")));
    assert!(!list.contains(&format!("name=\"ids\" value=\"{theirs}\"")));

    let (mine_s, theirs_s, b2_s) = (mine.to_string(), theirs.to_string(), b2_id.to_string());
    let r = submit(
        &app,
        &b1,
        "/deals/bulk",
        &[("ids", &mine_s), ("ids", &theirs_s), ("action", "delete")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the token is required");

    let r = submit(
        &app,
        &b1,
        "/deals/bulk",
        &[
            ("_csrf", &token),
            ("ids", &mine_s),
            ("ids", &theirs_s),
            ("action", "owner"),
            ("owner_id", &b2_s),
        ],
    )
    .await;
    let to = see_other(&r);
    assert!(to.starts_with("/deals?msg=bulk"), "{to}");
    let after = ok_page(&app, &b1, &to).await;
    assert!(
        after.contains("Изменено записей: 1 из 2;"),
        "the message counts what was done, of what was selected: {}",
        &after[after.find("flash").unwrap_or(0)..][..300],
    );
    assert!(
        !after.contains("flash error"),
        "the page after a bulk action shows no error"
    );
    let owner = |v: &Value| v["owner_id"].as_i64().unwrap();
    let (_, d) = app.get(&app.admin, &format!("/api/v1/deals/{mine}")).await;
    assert_eq!(owner(&d), b2_id);
    let (_, d) = app
        .get(&app.admin, &format!("/api/v1/deals/{theirs}"))
        .await;
    assert_eq!(owner(&d), a1_id, "another team's deal is untouched");
    // All of a selection done: the count alone.
    let r = submit(
        &app,
        &b1,
        "/deals/bulk",
        &[
            ("_csrf", &token),
            ("ids", &mine_s),
            ("action", "owner"),
            ("owner_id", &b2_s),
        ],
    )
    .await;
    let after = ok_page(&app, &b1, &see_other(&r)).await;
    assert!(after.contains("Изменено записей: 1<"), "{after}");

    let r = submit(
        &app,
        &b1,
        "/deals/bulk",
        &[
            ("_csrf", &token),
            ("ids", &mine_s),
            ("ids", &theirs_s),
            ("action", "delete"),
        ],
    )
    .await;
    see_other(&r);
    let (s, _) = app.get(&app.admin, &format!("/api/v1/deals/{mine}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "own team's deal deleted");
    let (s, _) = app
        .get(&app.admin, &format!("/api/v1/deals/{theirs}"))
        .await;
    assert_eq!(s, StatusCode::OK, "another team's deal survives");
}

#[tokio::test]
async fn what_users_type_is_escaped_everywhere() {
    let app = TestApp::spawn().await;
    let evil = "<script>alert(1)</script>";
    let lead = app
        .create(
            &app.admin,
            "/api/v1/leads",
            json!({"last_name": evil, "company": "\"><img src=x onerror=alert(2)>"}),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    let acc = app
        .create(
            &app.admin,
            "/api/v1/accounts",
            json!({"name": format!("ООО {evil}")}),
        )
        .await;
    app.create(
        &app.admin,
        "/api/v1/deals",
        json!({"title": evil, "account_id": acc["id"], "amount": "1"}),
    )
    .await;
    let c = signed_in(&app, "admin").await;
    for path in [
        "/leads".to_owned(),
        format!("/leads/{id}"),
        format!("/leads/{id}/edit"),
        format!("/leads/{id}/convert"),
        "/deals".into(),
        "/accounts".into(),
        "/board".into(),
        "/".into(),
        "/search?q=alert".into(),
        "/search/suggest?q=alert".into(),
        "/options/accounts?q=ООО".into(),
    ] {
        let body = ok_page(&app, &c, &path).await;
        assert!(!body.contains(evil), "{path}: raw script tag");
        assert!(!body.contains("<img src=x"), "{path}: raw img tag");
    }
    let list = ok_page(&app, &c, "/leads").await;
    assert!(
        list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown, escaped"
    );
    let edit = ok_page(&app, &c, &format!("/leads/{id}/edit")).await;
    assert!(
        field_html(&edit, "company")
            .contains("value=\"&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\""),
        "{}",
        field_html(&edit, "company")
    );
    // A search box query is not reflected raw either.
    let body = ok_page(&app, &c, "/search?q=%3Cb%3Ebold%3C%2Fb%3E").await;
    assert!(!body.contains("<b>bold</b>"));
}

#[tokio::test]
async fn a_user_saves_a_list_view_and_only_they_see_it() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let token = csrf(&app, &c).await;
    let r = submit(
        &app,
        &c,
        "/deals/views",
        &[
            ("_csrf", &token),
            ("name", "Крупные"),
            ("query", "amount__gte=100000&sort=-amount"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let body = ok_page(&app, &c, "/deals").await;
    assert!(
        body.contains("Крупные"),
        "the saved view is a chip on the list"
    );
    assert!(
        body.contains("/deals?amount__gte=100000&amp;sort=-amount"),
        "{body}"
    );
    let (other, _) = app.user("m1", "manager", None).await;
    let (_, theirs) = app.get(&other, "/deals").await;
    assert!(
        !theirs.to_string().contains("Крупные"),
        "views are personal"
    );
    let id = attr_after(&body, "/deals/views/")
        .and_then(|s| s.split('/').next().map(str::to_owned))
        .unwrap();
    let r = submit(
        &app,
        &c,
        &format!("/deals/views/{id}/delete"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!ok_page(&app, &c, "/deals").await.contains("Крупные"));
}

#[tokio::test]
async fn competitors_are_added_on_the_deal_page() {
    let app = TestApp::spawn().await;
    let c = signed_in(&app, "admin").await;
    let (_, deal) = account_and_deal(&app, &c, "Омега", "5000").await;
    let token = csrf(&app, &c).await;
    let path = format!("/deals/{deal}/competitors");
    for status in ["active", "lost_to"] {
        let r = submit(
            &app,
            &c,
            &path,
            &[
                ("_csrf", &token),
                ("name", "Конкурент Плюс"),
                ("status", status),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let (_, list) = app
        .get(&app.admin, &format!("/api/v1/deals/{deal}/competitors"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["status"], "lost_to");
    let (_, catalog) = app.get(&app.admin, "/api/v1/competitors").await;
    assert_eq!(
        catalog["items"].as_array().unwrap().len(),
        1,
        "one catalog entry for one name"
    );
    let body = ok_page(&app, &c, &format!("/deals/{deal}")).await;
    assert!(
        body.contains("Конкурент Плюс") && body.contains("Мы проиграли ему"),
        "{body}"
    );
}
