use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn login_logout_and_me() {
    let app = TestApp::spawn().await;
    let (s, me) = app.get(&app.admin, "/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["user"]["login"], "admin");
    assert!(me["visible_owners"].is_null());

    let anonymous = client();
    let (s, e) = app.get(&anonymous, "/api/v1/deals").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["code"], "unauthorized");

    let c = client();
    assert_eq!(
        app.login(&c, "admin", "wrong password").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&c, "nobody", "wrong password").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.login(&c, "ADMIN", PASSWORD).await, StatusCode::OK);
    let (s, _) = app.post(&c, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get(&c, "/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax() {
    let app = TestApp::spawn().await;
    let resp = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let app = TestApp::spawn_with(voronka_web::WebConfig {
        login_attempts: 3,
        ..Default::default()
    })
    .await;
    let c = client();
    for _ in 0..3 {
        assert_eq!(
            app.login(&c, "admin", "nope nope").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let resp = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
}

#[tokio::test]
async fn api_tokens_work_until_revoked() {
    let app = TestApp::spawn().await;
    let (s, t) = app
        .post(&app.admin, "/api/v1/tokens", json!({"name": "1C"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let secret = t["secret"].as_str().unwrap().to_owned();
    let bare = reqwest::Client::new();
    let me = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let (_, list) = app.get(&app.admin, "/api/v1/tokens").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none() && list[0].get("token_hash").is_none());

    let id = t["token"]["id"].as_i64().unwrap();
    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/tokens/{id}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let me = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_and_openapi() {
    let app = TestApp::spawn().await;
    let c = client();
    assert_eq!(
        c.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        c.get(app.url("/readyz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let (s, doc) = app.get(&c, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/leads",
        "/api/v1/leads/{id}",
        "/api/v1/leads/{id}/convert",
        "/api/v1/deals/{id}/move",
        "/api/v1/deals/{id}/close",
        "/api/v1/search",
        "/api/v1/auth/login",
        "/api/v1/pipelines",
        "/api/v1/accounts/{id}/timeline",
        "/api/v1/notes",
        "/api/v1/activities",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    // Every operation documents its errors.
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            assert!(
                codes.iter().any(|c| c.starts_with('4')),
                "{method} {path} documents no error: {codes:?}"
            );
        }
    }
}
