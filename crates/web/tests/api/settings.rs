//! The settings pages of the browser interface: administrators only, every
//! change through a CSRF-checked form, refusals shown beside the fields, and
//! the same rules as the JSON API behind them.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// A client that does not follow redirects, to see them.
fn no_redirects() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(app: &TestApp, c: &Client, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The CSRF token every page carries in `<body data-csrf="…">`.
fn csrf_of(html: &str) -> String {
    let start = html.find("data-csrf=\"").expect("a page with a CSRF token") + "data-csrf=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn token_for(app: &TestApp, c: &Client) -> String {
    let (s, html) = page(app, c, "/settings").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    csrf_of(&html)
}

/// Sends a form as the browser does, with the CSRF token; follows redirects.
async fn submit(
    app: &TestApp,
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let csrf = token_for(app, c).await;
    let mut body: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
    body.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&body).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The HTML of the form field around the input with this id (its label, input and error).
fn field_html<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[at..];
    let end = rest.find("<div class=\"field").unwrap_or(rest.len());
    &rest[..end]
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn stage_names(app: &TestApp) -> Vec<String> {
    app.stages()
        .await
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_deal(app: &TestApp) -> Value {
    let account = app
        .create(
            &app.admin,
            "/api/v1/accounts",
            json!({"name": "ООО Настройка"}),
        )
        .await;
    app.create(
        &app.admin,
        "/api/v1/deals",
        json!({"title": "Поставка", "account_id": id(&account), "amount": "1000.00"}),
    )
    .await
}

async fn me(app: &TestApp, secret: &str) -> reqwest::Response {
    Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
}

const PAGES: &[&str] = &[
    "/settings",
    "/settings/users",
    "/settings/teams",
    "/settings/pipelines",
    "/settings/loss-reasons",
    "/settings/lead-sources",
    "/settings/tokens",
];

#[tokio::test]
async fn settings_are_for_administrators_only() {
    let app = TestApp::spawn().await;
    let (manager, manager_id) = app.user("manager", "manager", None).await;
    let user_page = format!("/settings/users/{manager_id}");
    for path in PAGES.iter().copied().chain([user_page.as_str()]) {
        let (s, html) = page(&app, &app.admin, path).await;
        assert_eq!(s, StatusCode::OK, "admin GET {path}: {html}");
        assert!(
            html.contains("aria-current=\"page\" href=\"/settings\"")
                || html.contains("href=\"/settings\" aria-current=\"page\""),
            "{path}: the nav marks Settings"
        );
        let (s, html) = page(&app, &manager, path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "manager GET {path}");
        assert!(
            html.contains("Настройки доступны только администраторам"),
            "{path}: a friendly page: {html}"
        );
    }
    let (s, _) = page(&app, &app.admin, "/settings/nothing-here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The navigation shows the link to administrators only.
    let (_, home) = page(&app, &app.admin, "/").await;
    assert!(home.contains("href=\"/settings\""));
    let (_, home) = page(&app, &manager, "/").await;
    assert!(!home.contains("href=\"/settings\""));

    // A manager's forms are refused too, with a valid CSRF token.
    let csrf = csrf_of(&page(&app, &manager, "/").await.1);
    let r = manager
        .post(app.url("/settings/teams"))
        .form(&[("_csrf", csrf.as_str()), ("name", "Самозванцы")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = manager
        .post(app.url(&format!("/settings/users/{manager_id}")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "manager"),
            ("name", "manager"),
            ("role", "admin"),
            ("time_zone", "Europe/Moscow"),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("teams").await, 0);
    let (_, me) = app.get(&manager, "/api/v1/me").await;
    assert_eq!(me["user"]["role"], "manager", "{me}");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    for body in [
        vec![("name", "Без токена")],
        vec![
            ("name", "Чужой токен"),
            ("_csrf", "0123456789abcdef0123456789abcdef"),
        ],
    ] {
        let r = app
            .admin
            .post(app.url("/settings/teams"))
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("teams").await, 0);
    // With the token it goes through.
    let (s, html) = submit(
        &app,
        &app.admin,
        "/settings/teams",
        &[("name", "С токеном"), ("team_visibility", "on")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(app.count("teams").await, 1);
}

#[tokio::test]
async fn a_user_created_in_the_form_can_log_in_and_be_disabled() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let team = app.team("Продажи Москва", true).await;
    let team_s = team.to_string();
    let user = |login: &'static str, name: &'static str, password: &'static str| {
        vec![
            ("login", login),
            ("name", name),
            ("email", ""),
            ("role", "manager"),
            ("locale", "ru"),
            ("time_zone", "Europe/Moscow"),
            ("active", "on"),
            ("password", password),
        ]
    };
    let mut fields = user("Petrov", "Пётр Петров", "длинный пароль");
    fields.push(("team_id", team_s.as_str()));
    let (s, html) = submit(&app, a, "/settings/users", &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("Пётр Петров") && html.contains("Продажи Москва"),
        "the list shows the new user"
    );
    let (_, list) = app.get(a, "/api/v1/users").await;
    let petrov = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "petrov")
        .cloned()
        .expect("created, login lowercased");
    assert_eq!(petrov["team_id"], team);
    assert_eq!(petrov["role"], "manager");

    // The new user logs in through the login form.
    let browser = no_redirects();
    let r = browser
        .post(app.url("/login"))
        .form(&[
            ("login", "petrov"),
            ("password", "длинный пароль"),
            ("next", "/deals"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/deals");

    // A taken login: the form comes back with the message beside the login and the input kept.
    let (s, html) = submit(
        &app,
        a,
        "/settings/users",
        &user("petrov", "Пётр Дубль", "другой пароль"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_html(&html, "f-login").contains("уже занят"),
        "{}",
        field_html(&html, "f-login")
    );
    assert!(field_html(&html, "f-name").contains("value=\"Пётр Дубль\""));
    assert!(
        !html.contains("другой пароль"),
        "a password is never sent back"
    );
    // Every problem at once, each beside its field.
    let (s, html) = submit(&app, a, "/settings/users", &user("", "", "short")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, "f-login").contains("обязательное поле"));
    assert!(field_html(&html, "f-name").contains("обязательное поле"));
    assert!(field_html(&html, "f-password").contains("не короче 8 символов"));
    assert_eq!(
        list.as_array().unwrap().len(),
        app.get(a, "/api/v1/users")
            .await
            .1
            .as_array()
            .unwrap()
            .len()
    );

    // The edit page: make them head of sales, move them out of the team, disable them.
    let edit = format!("/settings/users/{}", id(&petrov));
    let (s, html) = page(&app, a, &edit).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("value=\"petrov\""));
    let (s, html) = submit(
        &app,
        a,
        &edit,
        &[
            ("login", "petrov"),
            ("name", "Пётр Петров"),
            ("role", "head"),
            ("locale", "en"),
            ("time_zone", "Europe/Moscow"),
            ("team_id", ""),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, u) = app.get(a, &format!("/api/v1/users/{}", id(&petrov))).await;
    assert_eq!(
        (
            u["role"].as_str(),
            u["team_id"].is_null(),
            u["active"].as_bool(),
            u["locale"].as_str()
        ),
        (Some("head"), true, Some(false), Some("en"))
    );
    let r = browser
        .post(app.url("/login"))
        .form(&[
            ("login", "petrov"),
            ("password", "длинный пароль"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "a disabled user gets the login form again"
    );

    // Enabled again with a new password set by the administrator.
    let mut back = user("petrov", "Пётр Петров", "");
    back.retain(|(k, _)| *k != "password");
    let (s, _) = submit(&app, a, &edit, &back).await;
    assert_eq!(s, StatusCode::OK);
    let (s, html) = submit(
        &app,
        a,
        &format!("{edit}/password"),
        &[("password", "short")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, "password").contains("не короче 8 символов"));
    let (s, _) = submit(
        &app,
        a,
        &format!("{edit}/password"),
        &[("password", "новый длинный пароль")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let r = browser
        .post(app.url("/login"))
        .form(&[
            ("login", "petrov"),
            ("password", "новый длинный пароль"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // An administrator cannot demote themselves: the store's message, beside the role.
    let (_, me) = app.get(a, "/api/v1/me").await;
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/users/{}", id(&me["user"])),
        &[
            ("login", "admin"),
            ("name", "Админ"),
            ("role", "manager"),
            ("locale", "ru"),
            ("time_zone", "Europe/Moscow"),
            ("active", "on"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, "f-role").contains("нельзя понизить или отключить самого себя"));
}

#[tokio::test]
async fn teams_are_added_renamed_and_kept_while_they_have_members() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (s, html) = submit(&app, a, "/settings/teams", &[("name", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, "new-team-name").contains("обязательное поле"));
    let (s, _) = submit(
        &app,
        a,
        "/settings/teams",
        &[("name", "Север"), ("team_visibility", "on")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, teams) = app.get(a, "/api/v1/teams").await;
    let team = id(&teams[0]);
    let (_, head_id) = app.user("head1", "head", Some(team)).await;
    let head_id = head_id.to_string();

    // Renamed, given a head, visibility turned off (an unchecked box is not sent).
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/teams/{team}"),
        &[("name", "Север-Запад"), ("head_id", &head_id)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, t) = app.get(a, &format!("/api/v1/teams/{team}")).await;
    assert_eq!(
        (
            t["name"].as_str(),
            t["head_id"].as_i64().map(|h| h.to_string()),
            t["team_visibility"].as_bool()
        ),
        (Some("Север-Запад"), Some(head_id), Some(false))
    );

    // A team with members stays, and the page says why.
    let (s, html) = submit(&app, a, &format!("/settings/teams/{team}/delete"), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("в команде 1 участник"), "{html}");
    assert_eq!(app.count("teams").await, 1);
    // An empty one goes.
    let (_, _) = submit(&app, a, "/settings/teams", &[("name", "Пустой")]).await;
    let (_, teams) = app.get(a, "/api/v1/teams").await;
    let empty = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Пустой")
        .map(id)
        .unwrap();
    let (s, _) = submit(&app, a, &format!("/settings/teams/{empty}/delete"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.count("teams").await, 1);
}

#[tokio::test]
async fn stages_are_added_edited_and_reordered() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, pipelines) = app.get(a, "/api/v1/pipelines").await;
    let pid = id(&pipelines[0]);
    let before = stage_names(&app).await;

    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/pipelines/{pid}/stages"),
        &[("name", "Договор"), ("probability", "90"), ("kind", "open")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("value=\"Договор\""),
        "the new stage is on the page"
    );
    let mut expected = before.clone();
    expected.push("Договор".to_owned());
    assert_eq!(stage_names(&app).await, expected);
    let stages = app.stages().await;
    let contract = stages.iter().find(|s| s["name"] == "Договор").unwrap();
    let sid = id(contract);
    assert_eq!(contract["probability"], 90);

    // Up twice: before the won and lost stages.
    for _ in 0..2 {
        let (s, html) = submit(
            &app,
            a,
            &format!("/settings/stages/{sid}/move"),
            &[("dir", "up")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
    }
    let mut expected = before.clone();
    expected.insert(before.len() - 2, "Договор".to_owned());
    assert_eq!(stage_names(&app).await, expected);
    // Down once, and the first stage cannot go further up.
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/stages/{sid}/move"),
        &[("dir", "down")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let first = id(&app.stages().await[0]);
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/stages/{first}/move"),
        &[("dir", "up")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let mut expected = before.clone();
    expected.insert(before.len() - 1, "Договор".to_owned());
    assert_eq!(stage_names(&app).await, expected);

    // Renamed and re-weighed; a bad probability comes back beside its field with the input kept.
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/stages/{sid}"),
        &[
            ("name", "Контракт"),
            ("probability", "150"),
            ("kind", "open"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, &format!("stage-{sid}-probability")).contains("число от 0 до 100"));
    assert!(field_html(&html, &format!("stage-{sid}-name")).contains("value=\"Контракт\""));
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/stages/{sid}"),
        &[
            ("name", "Контракт"),
            ("probability", "85"),
            ("kind", "open"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let stages = app.stages().await;
    let contract = stages.iter().find(|s| id(s) == sid).unwrap();
    assert_eq!(
        (contract["name"].as_str(), contract["probability"].as_i64()),
        (Some("Контракт"), Some(85))
    );

    // A second pipeline: created with the standard stages, made the default, renamed, deleted.
    let (s, _) = submit(&app, a, "/settings/pipelines", &[("name", "Тендеры")]).await;
    assert_eq!(s, StatusCode::OK);
    let (_, all) = app.get(a, "/api/v1/pipelines").await;
    let tenders = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Тендеры")
        .unwrap()
        .clone();
    assert_eq!(tenders["stages"].as_array().unwrap().len(), before.len());
    let tid = id(&tenders);
    let (s, _) = submit(&app, a, &format!("/settings/pipelines/{tid}/default"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (_, p) = app.get(a, &format!("/api/v1/pipelines/{tid}")).await;
    assert_eq!(p["is_default"], true);
    let (s, _) = submit(&app, a, &format!("/settings/pipelines/{pid}/default"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/pipelines/{tid}"),
        &[("name", "Госзакупки")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, p) = app.get(a, &format!("/api/v1/pipelines/{tid}")).await;
    assert_eq!(
        (p["name"].as_str(), p["is_default"].as_bool()),
        (Some("Госзакупки"), Some(false))
    );
    let (s, _) = submit(&app, a, &format!("/settings/pipelines/{tid}/delete"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(a, &format!("/api/v1/pipelines/{tid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stage_holding_a_deal_is_kept_and_the_page_says_why() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let deal = a_deal(&app).await;
    let stage = deal["stage_id"].as_i64().unwrap();
    let before = stage_names(&app).await;
    let (s, html) = submit(&app, a, &format!("/settings/stages/{stage}/delete"), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("на этапе 1 сделка"), "{html}");
    assert!(
        html.contains(&format!("id=\"stage-{stage}\"")),
        "the stage is still listed"
    );
    assert_eq!(stage_names(&app).await, before);
    // Its kind cannot change either while it holds the deal.
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/stages/{stage}"),
        &[("name", &before[0]), ("probability", "0"), ("kind", "lost")],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("тип этапа нельзя менять"), "{html}");
    // An empty stage can go.
    let empty = id(&app.stages().await[1]);
    let (s, _) = submit(&app, a, &format!("/settings/stages/{empty}/delete"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(stage_names(&app).await.len(), before.len() - 1);
}

#[tokio::test]
async fn loss_reasons_and_lead_sources_are_managed_and_deactivated_ones_not_offered() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let deal = a_deal(&app).await;
    let lose_form = format!("/deals/{}?lose=1", id(&deal));
    let (_, reasons) = app.get(a, "/api/v1/loss-reasons").await;
    let price = id(&reasons[0]);
    let option = format!(
        "<option value=\"{price}\">{}</option>",
        reasons[0]["name"].as_str().unwrap()
    );
    let (_, html) = page(&app, a, &lose_form).await;
    assert!(html.contains(&option), "offered while active");

    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/loss-reasons/{price}/active"),
        &[("active", "0")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, r) = app.get(a, "/api/v1/loss-reasons").await;
    assert_eq!(r[0]["active"], false);
    let (_, html) = page(&app, a, &lose_form).await;
    assert!(
        !html.contains(&option),
        "a deactivated reason is not offered"
    );
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/loss-reasons/{price}/active"),
        &[("active", "1")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, html) = page(&app, a, &lose_form).await;
    assert!(html.contains(&option), "offered again");

    // An entry in use can only be deactivated: the store's message is shown.
    let (s, v) = app
        .post(
            a,
            &format!("/api/v1/deals/{}/close", id(&deal)),
            json!({"outcome": "lost", "reason_id": price}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/loss-reasons/{price}/delete"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("значение используется в 1 записи"), "{html}");
    assert_eq!(
        app.get(a, "/api/v1/loss-reasons")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        reasons.as_array().unwrap().len()
    );

    // Lead sources: added at the end, renamed and moved, deleted while unused.
    let (_, sources) = app.get(a, "/api/v1/lead-sources").await;
    let n = sources.as_array().unwrap().len();
    let (s, html) = submit(&app, a, "/settings/lead-sources", &[("name", "Партнёр")]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, sources) = app.get(a, "/api/v1/lead-sources").await;
    assert_eq!(sources.as_array().unwrap().len(), n + 1);
    let partner = &sources[n];
    assert_eq!(partner["name"], "Партнёр");
    let pid = id(partner);
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/lead-sources/{pid}"),
        &[("name", ""), ("position", "-1")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, &format!("entry-{pid}-name")).contains("обязательное поле"));
    assert!(field_html(&html, &format!("entry-{pid}-position")).contains("value=\"-1\""));
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/lead-sources/{pid}"),
        &[("name", "Партнёры"), ("position", "-1")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, sources) = app.get(a, "/api/v1/lead-sources").await;
    assert_eq!(sources[0]["name"], "Партнёры", "moved to the top");
    let (s, _) = submit(
        &app,
        a,
        &format!("/settings/lead-sources/{pid}/delete"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.get(a, "/api/v1/lead-sources")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        n
    );
}

#[tokio::test]
async fn a_token_is_shown_once_works_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, manager_id) = app.user("integrator", "manager", None).await;
    let (s, html) = submit(
        &app,
        a,
        "/settings/tokens",
        &[("user_id", &manager_id.to_string()), ("name", "")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html, "token-name").contains("обязательное поле"));

    let (s, html) = submit(
        &app,
        a,
        "/settings/tokens",
        &[("user_id", &manager_id.to_string()), ("name", "Сайт")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Скопируйте токен сейчас — больше он показан не будет"));
    let start = html.find("vrk_").expect("the secret on the page");
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let r = me(&app, &secret).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["user"]["login"],
        "integrator"
    );

    // Never again: not on the list, not on the user's page.
    for path in [
        "/settings/tokens".to_owned(),
        format!("/settings/tokens?user_id={manager_id}"),
        format!("/settings/users/{manager_id}"),
    ] {
        let (s, html) = page(&app, a, &path).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Сайт"), "{path} lists the token");
        assert!(!html.contains(&secret), "{path} does not show the secret");
    }

    let (_, tokens) = app
        .get(a, &format!("/api/v1/tokens?user_id={manager_id}"))
        .await;
    let tid = id(&tokens[0]);
    let (s, html) = submit(
        &app,
        a,
        &format!("/settings/tokens/{tid}/revoke"),
        &[("user_id", &manager_id.to_string())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("badge lost"), "shown as revoked");
    assert_eq!(me(&app, &secret).await.status(), StatusCode::UNAUTHORIZED);
}
