//! Settings: pipelines and their stages, the admin-defined lists, users and
//! their own profile and password.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn account(app: &TestApp) -> i64 {
    id(&app
        .create(
            &app.admin,
            "/api/v1/accounts",
            json!({"name": "ООО Заказчик"}),
        )
        .await)
}

async fn deal(app: &TestApp, account: i64, extra: Value) -> Value {
    let mut body = json!({"title": "Сделка", "account_id": account, "amount": "100.00"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.create(&app.admin, "/api/v1/deals", body).await
}

async fn pipeline(app: &TestApp, pid: &Value) -> Value {
    let (s, p) = app
        .get(&app.admin, &format!("/api/v1/pipelines/{pid}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    p
}

fn names(p: &Value) -> Vec<String> {
    p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_default_pipeline_is_seeded_and_others_can_be_made() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (s, all) = app.get(a, "/api/v1/pipelines").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 1);
    let sales = &all[0];
    assert_eq!(sales["name"], "Продажи");
    assert_eq!(sales["is_default"], true);
    assert_eq!(
        names(sales),
        vec![
            "Новая",
            "Квалификация",
            "Предложение",
            "Переговоры",
            "Успешно",
            "Проиграна"
        ]
    );
    let shape: Vec<(Value, Value)> = sales["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].clone(), s["probability"].clone()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (json!("open"), json!(10)),
            (json!("open"), json!(20)),
            (json!("open"), json!(50)),
            (json!("open"), json!(80)),
            (json!("won"), json!(100)),
            (json!("lost"), json!(0)),
        ]
    );

    let tenders = app
        .create(
            a,
            "/api/v1/pipelines",
            json!({"name": "Тендеры", "stages": [
                {"name": "Заявка", "probability": 5},
                {"name": "Допуск", "probability": 30},
                {"name": "Победа", "kind": "won", "probability": 100},
                {"name": "Отказ", "kind": "lost"},
            ]}),
        )
        .await;
    assert_eq!(tenders["is_default"], false);
    assert_eq!(names(&tenders), vec!["Заявка", "Допуск", "Победа", "Отказ"]);
    assert_eq!(tenders["stages"][3]["probability"], 0);
    assert_eq!(pipeline(&app, &tenders["id"]).await, tenders);
    // New deals still land in the default pipeline unless told otherwise.
    let acc = account(&app).await;
    let d = deal(&app, acc, json!({})).await;
    assert_eq!(d["pipeline_id"], sales["id"]);
    let d = deal(&app, acc, json!({"pipeline_id": tenders["id"]})).await;
    assert_eq!(d["stage_id"], tenders["stages"][0]["id"]);
    assert_eq!(d["effective_probability"], 5);
    // Without stages a pipeline gets the default set.
    let plain = app
        .create(a, "/api/v1/pipelines", json!({"name": "Сервис"}))
        .await;
    assert_eq!(names(&plain), names(sales));
    // A new default takes over.
    let (s, p) = app
        .patch(
            a,
            &format!("/api/v1/pipelines/{}", id(&plain)),
            json!({"is_default": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(pipeline(&app, &sales["id"]).await["is_default"], false);
    let d = deal(&app, acc, json!({})).await;
    assert_eq!(d["pipeline_id"], plain["id"]);

    // Bad stages are named by position.
    let (s, e) = app
        .post(
            a,
            "/api/v1/pipelines",
            json!({"name": "X", "stages": [{"name": "A", "probability": 10}, {"name": "", "kind": "won", "probability": 90}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["stages[1].name", "stages[1].probability"]);
}

#[tokio::test]
async fn a_pipeline_needs_an_open_stage() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let before = app.count("pipelines").await;
    for stages in [
        json!([]),
        json!([{"name": "Победа", "kind": "won", "probability": 100}, {"name": "Отказ", "kind": "lost"}]),
    ] {
        let (s, e) = app
            .post(
                a,
                "/api/v1/pipelines",
                json!({"name": "Пустая", "stages": stages}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(fields(&e), vec!["stages"]);
    }
    assert_eq!(app.count("pipelines").await, before);

    let p = app
        .create(
            a,
            "/api/v1/pipelines",
            json!({"name": "Одна", "stages": [
                {"name": "Работа", "probability": 50},
                {"name": "Победа", "kind": "won", "probability": 100},
            ]}),
        )
        .await;
    let only_open = id(&p["stages"][0]);
    let (s, e) = app
        .patch(
            a,
            &format!("/api/v1/stages/{only_open}"),
            json!({"kind": "lost", "probability": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["stages"]);
    let (s, e) = app.delete(a, &format!("/api/v1/stages/{only_open}")).await;
    assert!(s.is_client_error(), "{s}: {e}");
    assert_eq!(
        names(&pipeline(&app, &p["id"]).await),
        vec!["Работа", "Победа"]
    );
    // Fixed probabilities for closed stages.
    let won = id(&p["stages"][1]);
    let (s, e) = app
        .patch(
            a,
            &format!("/api/v1/stages/{won}"),
            json!({"probability": 90}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["probability"]);
}

#[tokio::test]
async fn stages_are_renamed_reordered_and_reweighed() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let stages = app.stages().await;
    let pid = stages[0]["pipeline_id"].clone();
    let (s1, s2) = (id(&stages[0]), id(&stages[1]));

    let (s, st) = app
        .patch(
            a,
            &format!("/api/v1/stages/{s1}"),
            json!({"name": "Первичный контакт"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["probability"], 10, "the rest of the stage stays");
    assert_eq!(names(&pipeline(&app, &pid).await)[0], "Первичный контакт");

    // Swap the first two.
    let (p1, p2) = (stages[0]["position"].clone(), stages[1]["position"].clone());
    let (s, _) = app
        .patch(a, &format!("/api/v1/stages/{s1}"), json!({"position": p2}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .patch(a, &format!("/api/v1/stages/{s2}"), json!({"position": p1}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let p = pipeline(&app, &pid).await;
    assert_eq!(names(&p)[..2], ["Квалификация", "Первичный контакт"]);
    // New deals start in what is now the first stage.
    let acc = account(&app).await;
    let d = deal(&app, acc, json!({})).await;
    assert_eq!(d["stage_id"], s2);

    // A new probability carries to the deals that follow the stage, not to those with their own.
    let follows = deal(&app, acc, json!({})).await;
    let own = deal(&app, acc, json!({"probability": 70})).await;
    let elsewhere = deal(&app, acc, json!({"stage_id": s1})).await;
    let (s, st) = app
        .patch(
            a,
            &format!("/api/v1/stages/{s2}"),
            json!({"probability": 35}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    for (d, expected) in [(&follows, 35), (&own, 70), (&elsewhere, 10)] {
        let (_, now) = app.get(a, &format!("/api/v1/deals/{}", id(d))).await;
        assert_eq!(now["effective_probability"], expected, "{now}");
    }
    let (_, page) = app
        .get(a, "/api/v1/deals?effective_probability=35&total=true")
        .await;
    assert_eq!(
        page["total"], 2,
        "the list filter sees the new value: {page}"
    );

    // A stage added later goes last.
    let (s, added) = app
        .post(
            a,
            &format!("/api/v1/pipelines/{pid}/stages"),
            json!({"name": "Согласование", "probability": 90}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{added}");
    let p = pipeline(&app, &pid).await;
    assert_eq!(
        p["stages"].as_array().unwrap().last().unwrap()["id"],
        added["id"]
    );
}

#[tokio::test]
async fn a_stage_with_deals_is_not_deleted_until_they_move() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let stages = app.stages().await;
    let pid = stages[0]["pipeline_id"].clone();
    let doomed = id(&stages[2]);
    let acc = account(&app).await;
    let d1 = deal(&app, acc, json!({"stage_id": doomed})).await;
    let d2 = deal(&app, acc, json!({"stage_id": doomed})).await;

    let (s, e) = app.delete(a, &format!("/api/v1/stages/{doomed}")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(
        pipeline(&app, &pid).await["stages"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    // Nor may it change kind under them.
    let (s, _) = app
        .patch(
            a,
            &format!("/api/v1/stages/{doomed}"),
            json!({"kind": "won", "probability": 100}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    for d in [&d1, &d2] {
        let (s, _) = app
            .post(
                a,
                &format!("/api/v1/deals/{}/move", id(d)),
                json!({"stage_id": stages[3]["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, e) = app.delete(a, &format!("/api/v1/stages/{doomed}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    let p = pipeline(&app, &pid).await;
    assert_eq!(p["stages"].as_array().unwrap().len(), 5);
    assert!(!names(&p).contains(&"Предложение".to_owned()));
    // Gone is gone.
    let (s, _) = app.delete(a, &format!("/api/v1/stages/{doomed}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .patch(
            a,
            &format!("/api/v1/stages/{doomed}"),
            json!({"name": "Воскрес"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The past is kept: the deal's history still names the stage.
    let (_, hist) = app
        .get(a, &format!("/api/v1/deals/{}/stage-history", id(&d1)))
        .await;
    assert_eq!(hist[0]["from_stage_id"], doomed, "{hist}");
    // But nothing moves into it any more.
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/deals/{}/move", id(&d1)),
            json!({"stage_id": doomed}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["stage_id"]);

    // A pipeline with deals, or the default one, is not deleted either.
    let (s, _) = app.delete(a, &format!("/api/v1/pipelines/{pid}")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let spare = app
        .create(a, "/api/v1/pipelines", json!({"name": "Запасная"}))
        .await;
    let (s, _) = app
        .delete(a, &format!("/api/v1/pipelines/{}", id(&spare)))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .get(a, &format!("/api/v1/pipelines/{}", id(&spare)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lookup_entries_in_use_are_deactivated_not_deleted() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (_, sources) = app.get(a, "/api/v1/lead-sources").await;
    let source_names: Vec<&str> = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(source_names.len(), 7, "{sources}");
    assert!(source_names.contains(&"Веб-форма"));
    assert!(
        sources
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["active"] == true)
    );
    let (_, reasons) = app.get(a, "/api/v1/loss-reasons").await;
    assert_eq!(reasons.as_array().unwrap().len(), 5, "{reasons}");
    assert_eq!(reasons[0]["name"], "Цена");

    let used = id(&sources[0]);
    let unused = id(&sources[1]);
    let lead = app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Гусев", "source_id": used}),
        )
        .await;
    let (s, e) = app.delete(a, &format!("/api/v1/lead-sources/{used}")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) = app
        .delete(a, &format!("/api/v1/lead-sources/{unused}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, after) = app.get(a, "/api/v1/lead-sources").await;
    assert_eq!(after.as_array().unwrap().len(), 6);

    let (s, off) = app
        .patch(
            a,
            &format!("/api/v1/lead-sources/{used}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{off}");
    assert_eq!(off["active"], false);
    assert_eq!(off["name"], sources[0]["name"]);
    // A new record cannot pick it…
    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Лебедев", "source_id": used}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["source_id"]);
    let acc = account(&app).await;
    let (s, e) = app
        .post(
            a,
            "/api/v1/deals",
            json!({"title": "X", "account_id": acc, "source_id": used}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["source_id"]);
    // …but the old one keeps it, and can still be worked on.
    let item = format!("/api/v1/leads/{}", id(&lead));
    let (s, l) = app.patch(a, &item, json!({"title": "Снабженец"})).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["source_id"], used);
    // A new source works.
    let fresh = app
        .create(a, "/api/v1/lead-sources", json!({"name": "Партнёр"}))
        .await;
    assert_eq!(fresh["active"], true);
    let (s, _) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Лебедев", "source_id": fresh["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // A loss reason is not a lead source.
    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Соколов", "source_id": reasons[0]["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // Loss reasons: the same rules.
    let price = id(&reasons[0]);
    let lost = deal(&app, acc, json!({})).await;
    let (s, _) = app
        .post(
            a,
            &format!("/api/v1/deals/{}/close", id(&lost)),
            json!({"outcome": "lost", "reason_id": price}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .delete(a, &format!("/api/v1/loss-reasons/{price}"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .patch(
            a,
            &format!("/api/v1/loss-reasons/{price}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let other = deal(&app, acc, json!({})).await;
    let (s, e) = app
        .post(
            a,
            &format!("/api/v1/deals/{}/close", id(&other)),
            json!({"outcome": "lost", "reason_id": price}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["reason_id"]);
    let (s, d) = app
        .patch(
            a,
            &format!("/api/v1/deals/{}", id(&lost)),
            json!({"description": "Вернуться весной"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a lost deal keeps its old reason: {d}");
    assert_eq!(d["loss_reason_id"], price);
    assert_eq!(d["status"], "lost");
}

#[tokio::test]
async fn administrators_manage_users() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let team = app.team("Москва", true).await;
    let (s, u) = app
        .post(
            a,
            "/api/v1/users",
            json!({"login": " Petrova ", "name": "Петрова Анна", "email": "Anna@Firma.ru",
                   "team_id": team, "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    assert_eq!(u["login"], "petrova");
    assert_eq!(u["email"], "anna@firma.ru");
    assert_eq!(u["role"], "manager");
    assert_eq!(u["active"], true);
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let uid = id(&u);
    let (_, got) = app.get(a, &format!("/api/v1/users/{uid}")).await;
    assert_eq!(got, u);

    for login in ["petrova", "PETROVA", " petrova"] {
        let (s, e) = app
            .post(
                a,
                "/api/v1/users",
                json!({"login": login, "name": "Другая", "password": PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{login}: {e}");
        assert_eq!(fields(&e), vec!["login"]);
    }
    let (s, e) = app
        .post(
            a,
            "/api/v1/users",
            json!({"login": "shorty", "name": "Коротко", "password": "1234"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["password"]);
    let (s, e) = app
        .post(
            a,
            "/api/v1/users",
            json!({"login": "ghost", "name": "Призрак", "team_id": 999}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["team_id"]);
    // Renaming onto a taken login is refused too.
    let (_, other) = app.user("sidorov", "manager", None).await;
    let (s, e) = app
        .patch(
            a,
            &format!("/api/v1/users/{uid}"),
            json!({"login": "sidorov"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["login"]);
    let _ = other;

    // The team cannot go while she is in it.
    let (s, _) = app.delete(a, &format!("/api/v1/teams/{team}")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // An administrator cannot lock themselves out.
    let (s, e) = app
        .patch(a, "/api/v1/users/1", json!({"role": "manager"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = app.patch(a, "/api/v1/me", json!({"active": false})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_disabled_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let (c, uid) = app.user("leaver", "manager", None).await;
    let (s, t) = app
        .post(&c, "/api/v1/tokens", json!({"name": "скрипт"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let secret = t["secret"].as_str().unwrap().to_owned();
    let (s, _) = app.get(&c, "/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);

    let (s, u) = app
        .patch(a, &format!("/api/v1/users/{uid}"), json!({"active": false}))
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["active"], false);
    let (s, _) = app.get(&c, "/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the open session ends");
    let (s, _) = app.get(&c, "/api/v1/leads").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let bare = reqwest::Client::new();
    let resp = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "and so do tokens");
    assert_eq!(
        app.login(&client(), "leaver", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    // Nobody can hand them records.
    let (s, e) = app
        .post(
            a,
            "/api/v1/leads",
            json!({"last_name": "Х", "owner_id": uid}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["owner_id"]);

    let (s, _) = app
        .patch(a, &format!("/api/v1/users/{uid}"), json!({"active": true}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let again = client();
    assert_eq!(app.login(&again, "leaver", PASSWORD).await, StatusCode::OK);
}

#[tokio::test]
async fn users_change_their_own_profile_but_not_their_role() {
    let app = TestApp::spawn().await;
    let team = app.team("Питер", false).await;
    let (c, uid) = app.user("ivanova", "manager", Some(team)).await;
    let (s, u) = app
        .patch(
            &c,
            "/api/v1/me",
            json!({"name": "Иванова Мария", "locale": "en", "time_zone": "Asia/Novosibirsk"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["name"], "Иванова Мария");
    assert_eq!(u["locale"], "en");
    let (_, me) = app.get(&c, "/api/v1/me").await;
    assert_eq!(me["user"]["name"], "Иванова Мария");
    assert_eq!(me["user"]["time_zone"], "Asia/Novosibirsk");
    assert_eq!(me["visible_owners"], json!([uid]));

    for body in [
        json!({"role": "admin"}),
        json!({"role": "head", "name": "Хитрая"}),
        json!({"team_id": null}),
        json!({"active": false}),
        json!({"login": "boss"}),
    ] {
        let (s, e) = app.patch(&c, "/api/v1/me", body.clone()).await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::FORBIDDEN,
            "{body}: {s} {e}"
        );
    }
    let (s, _) = app
        .patch(
            &c,
            &format!("/api/v1/users/{uid}"),
            json!({"role": "admin"}),
        )
        .await;
    assert!(s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::FORBIDDEN);
    let (s, _) = app
        .patch(&c, "/api/v1/users/1", json!({"name": "Взломан"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, me) = app.get(&c, "/api/v1/me").await;
    assert_eq!(me["user"]["role"], "manager");
    assert_eq!(me["user"]["name"], "Иванова Мария");
    assert_eq!(me["user"]["team_id"], team);
    assert_eq!(me["user"]["login"], "ivanova");
    let (s, e) = app.patch(&c, "/api/v1/me", json!({"locale": "de"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["locale"]);
}

#[tokio::test]
async fn changing_your_password_retires_the_old_one() {
    let app = TestApp::spawn().await;
    let (c, _) = app.user("orlov", "manager", None).await;
    let elsewhere = client();
    assert_eq!(
        app.login(&elsewhere, "orlov", PASSWORD).await,
        StatusCode::OK
    );

    let (s, e) = app
        .post(
            &c,
            "/api/v1/me/password",
            json!({"current_password": "not it at all", "new_password": "brand new secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["current_password"]);
    let (s, e) = app
        .post(
            &c,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["new_password"]);
    assert_eq!(
        app.login(&client(), "orlov", PASSWORD).await,
        StatusCode::OK,
        "refused changes change nothing"
    );

    let (s, e) = app
        .post(
            &c,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "brand new secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    assert_eq!(
        app.login(&client(), "orlov", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&client(), "orlov", "brand new secret").await,
        StatusCode::OK
    );
    let (s, _) = app.get(&c, "/api/v1/me").await;
    assert_eq!(s, StatusCode::OK, "this session goes on");
    let (s, _) = app.get(&elsewhere, "/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "other sessions end");

    // An administrator's reset ends every session of the user.
    let (_, me) = app.get(&c, "/api/v1/me").await;
    let uid = me["user"]["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &app.admin,
            &format!("/api/v1/users/{uid}/password"),
            json!({"password": "set by admin 1"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get(&c, "/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login(&client(), "orlov", "set by admin 1").await,
        StatusCode::OK
    );
}
