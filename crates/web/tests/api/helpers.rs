//! A real server on a random port over a fresh database (SQLite file, or a
//! PostgreSQL schema when VORONKA_TEST_DATABASE_URL is set), and clients that
//! keep their session cookies.

use reqwest::{Client, Response, StatusCode, header, redirect::Policy};
use serde_json::{Value, json};
use voronka_store::Db;

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// Logged in as the administrator.
    pub admin: Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub const PASSWORD: &str = "correct horse";

pub fn client() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(voronka_web::WebConfig::default()).await
    }

    pub async fn spawn_with(config: voronka_web::WebConfig) -> TestApp {
        let (db, _url) = voronka_store::testing::fresh_db()
            .await
            .expect("test database");
        let hash = voronka_web::auth::hash_password(PASSWORD.into())
            .await
            .unwrap();
        voronka_store::users::create_user(
            &db,
            &voronka_store::Actor::system(),
            json!({"login": "admin", "name": "Админ", "role": "admin"}),
            Some(hash),
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = voronka_web::app(db.clone(), config);
        tokio::spawn(voronka_web::serve(listener, app, async move {
            let _ = rx.await;
        }));
        let base = format!("http://{addr}");
        let admin = client();
        let mut app = TestApp {
            base,
            db,
            admin: admin.clone(),
            shutdown: Some(tx),
        };
        app.login(&admin, "admin", PASSWORD).await;
        app.admin = admin;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, c: &Client, login: &str, password: &str) -> StatusCode {
        c.post(self.url("/api/v1/auth/login"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap()
            .status()
    }

    /// Creates a user through the API and returns a client logged in as them, and their id.
    pub async fn user(&self, login: &str, role: &str, team_id: Option<i64>) -> (Client, i64) {
        let (s, u) = self
            .post(
                &self.admin,
                "/api/v1/users",
                json!({"login": login, "name": login, "role": role, "team_id": team_id, "password": PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{u}");
        let c = client();
        assert_eq!(self.login(&c, login, PASSWORD).await, StatusCode::OK);
        (c, u["id"].as_i64().unwrap())
    }

    pub async fn team(&self, name: &str, visibility: bool) -> i64 {
        let (s, t) = self
            .post(
                &self.admin,
                "/api/v1/teams",
                json!({"name": name, "team_visibility": visibility}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        t["id"].as_i64().unwrap()
    }

    pub async fn get(&self, c: &Client, path: &str) -> (StatusCode, Value) {
        read(c.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn post(&self, c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
        read(c.post(self.url(path)).json(&body).send().await.unwrap()).await
    }

    pub async fn patch(&self, c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
        read(c.patch(self.url(path)).json(&body).send().await.unwrap()).await
    }

    pub async fn put(&self, c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
        read(c.put(self.url(path)).json(&body).send().await.unwrap()).await
    }

    pub async fn delete(&self, c: &Client, path: &str) -> (StatusCode, Value) {
        read(c.delete(self.url(path)).send().await.unwrap()).await
    }

    /// Creates a record and returns it, failing the test with the server's answer otherwise.
    pub async fn create(&self, c: &Client, path: &str, body: Value) -> Value {
        let (s, v) = self.post(c, path, body).await;
        assert_eq!(s, StatusCode::CREATED, "POST {path}: {v}");
        v
    }

    /// The default pipeline's stages, by position.
    pub async fn stages(&self) -> Vec<Value> {
        let (_, p) = self.get(&self.admin, "/api/v1/pipelines").await;
        p[0]["stages"].as_array().unwrap().clone()
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        let mut r = self.db.reader().await.unwrap();
        sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(voronka_store::db::Conn::conn(&mut r))
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    }
}

async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, v)
}

/// The `fields` of an error answer.
pub fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- pages without a browser

/// A browser-like client: keeps cookies, does not follow redirects (so the tests see them).
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// A browser-like client logged in as an existing user.
pub async fn signed_in(app: &TestApp, login: &str) -> Client {
    let c = browser();
    assert_eq!(app.login(&c, login, PASSWORD).await, StatusCode::OK);
    c
}

pub async fn page(app: &TestApp, c: &Client, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

/// A page that must render: its HTML.
pub async fn ok_page(app: &TestApp, c: &Client, path: &str) -> String {
    let (s, body) = page(app, c, path).await;
    assert_eq!(s, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The session's CSRF token, as every page carries it in `<body data-csrf>`.
pub async fn csrf(app: &TestApp, c: &Client) -> String {
    let body = ok_page(app, c, "/profile").await;
    attr_after(&body, "data-csrf=\"").expect("data-csrf on the page")
}

/// The attribute value that starts right after `marker` (which ends with the opening quote).
pub fn attr_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(unescape(&html[start..start + end]))
}

pub fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub async fn submit(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
    c.post(app.url(path)).form(fields).send().await.unwrap()
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Asserts a 303 and returns where it goes.
pub fn see_other(r: &Response) -> String {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    location(r)
}

/// The id in a `/{entity}/{id}?…` address.
pub fn id_in(location: &str, prefix: &str) -> i64 {
    let rest = location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location} does not start with {prefix}"));
    rest.split(['?', '/', '#']).next().unwrap().parse().unwrap()
}
