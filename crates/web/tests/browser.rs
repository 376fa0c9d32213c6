//! Browser tests: the real server, driven through headless Chromium with
//! chromedriver (WebDriver), the way a person uses it — forms, the board's
//! drag and drop, the lost-reason dialog and the instant search.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: `apt-get install
//! chromium chromium-driver`). Without them the tests say they were skipped
//! and pass, unless VORONKA_BROWSER_TESTS=required (as in CI), where that is a
//! failure. VORONKA_CHROMIUM and VORONKA_CHROMEDRIVER name other binaries.
//! Screenshots of the main pages go to target/screenshots/ on every run (and
//! target/screenshots/failed-*.png where a test stopped).
// clippy.toml allows unwrap/expect in #[test] functions; the helpers here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use helpers::{PASSWORD, TestApp};
use serde_json::{Value, json};
use std::future::Future;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The browser, or another one named by VORONKA_CHROMIUM.
fn chromium() -> String {
    std::env::var("VORONKA_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned())
}

/// Its driver, or another one named by VORONKA_CHROMEDRIVER.
fn chromedriver() -> String {
    std::env::var("VORONKA_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_owned())
}
/// The longest any single wait may take; the machine may be busy.
const WAIT: Duration = Duration::from_secs(30);

/// One browser at a time: two would only fight for the same few cores.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether the browser tests can run here; panics when they must and cannot.
fn browsers_installed() -> bool {
    let missing: Vec<String> = [chromium(), chromedriver()]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("VORONKA_BROWSER_TESTS").is_ok_and(|v| v == "required");
    assert!(
        !required,
        "VORONKA_BROWSER_TESTS=required, but {} not installed \
         (Debian: apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    // Straight to stderr: the test harness would swallow a println! of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "browser test skipped: {} not installed (set VORONKA_BROWSER_TESTS=required to fail instead)",
        missing.join(" and ")
    );
    false
}

/// A chromedriver of our own on a free port, with a fresh browser profile.
/// Dropping it ends chromedriver and the browser it started (one process
/// group) and removes the profile.
struct Chromedriver {
    child: Child,
    url: String,
    profile: PathBuf,
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let profile =
            std::env::temp_dir().join(format!("voronka-chromium-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).unwrap();
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so the browser it starts ends with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver()));
        let mut driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profile,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {}",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn connect(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--window-size=1400,900",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("--user-data-dir={}", self.profile.display())])
        .collect::<Vec<_>>();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium(), "args": args},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot start Chromium through chromedriver: {e}"))
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group we started: chromedriver and any browser left behind.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Runs a browser test: a fresh chromedriver and browser, closed afterwards
/// whatever happens; a failure leaves a screenshot of where it stopped.
async fn run<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    if !browsers_installed() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let driver = Chromedriver::start().await;
    let client = driver.connect().await;
    let outcome = AssertUnwindSafe(test(client.clone())).catch_unwind().await;
    if outcome.is_err() {
        screenshot(&client, &format!("failed-{name}")).await;
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn screenshots_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |t| root.join(t));
    target.join("screenshots")
}

/// Saves what the browser shows as target/screenshots/{name}.png.
async fn screenshot(c: &Client, name: &str) {
    let dir = screenshots_dir();
    let png = match c.screenshot().await {
        Ok(png) => png,
        Err(e) => {
            eprintln!("no screenshot {name}: {e}");
            return;
        }
    };
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Waits until the JavaScript expression is true in the page.
async fn wait_js(c: &Client, condition: &str, what: &str) {
    let script = format!("return !!({condition});");
    let deadline = Instant::now() + WAIT;
    loop {
        // Errors are expected while a page is loading: try again.
        if let Ok(Value::Bool(true)) = c.execute(&script, vec![]).await {
            return;
        }
        if Instant::now() > deadline {
            let url = c.current_url().await.map(|u| u.to_string());
            panic!("timed out waiting for {what} ({condition}) at {url:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn js(c: &Client, script: &str, args: Vec<Value>) -> Value {
    c.execute(script, args).await.unwrap()
}

/// The visible text of the page's main part.
async fn content_text(c: &Client) -> String {
    js(
        c,
        "return document.querySelector('main').innerText;",
        vec![],
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

/// Clicks a button that submits its form and waits for the page the server
/// answers with, by its flash message. The page before may show a flash
/// too (the quote just created), so it is marked first: its elements go
/// stale as soon as the answer arrives.
async fn submit(c: &Client, css: &str, what: &str) {
    js(c, "document.documentElement.dataset.left = '1';", vec![]).await;
    click(c, css).await;
    wait_js(
        c,
        "!document.documentElement.dataset.left && document.querySelector('.flash')",
        what,
    )
    .await;
}

async fn fill(c: &Client, css: &str, text: &str) {
    let input = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn path_is(c: &Client, pattern: &str, what: &str) {
    wait_js(c, &format!("/^{pattern}$/.test(location.pathname)"), what).await;
}

async fn log_in(c: &Client, app: &TestApp, login: &str) {
    c.goto(&app.url("/")).await.unwrap();
    path_is(c, "\\/login", "the login page").await;
    screenshot(c, "login").await;
    fill(c, "#login", login).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form button.primary").await;
    path_is(c, "\\/", "the dashboard after logging in").await;
    wait_js(c, "document.querySelector('.usermenu')", "the user menu").await;
}

/// Drags the element at `from` onto the element at `to` with the mouse, in
/// small steps, as a person does: SortableJS reacts to the pointer events.
async fn drag(c: &Client, from: &str, to: &str) {
    let rects = js(
        c,
        "const a = document.querySelector(arguments[0]).getBoundingClientRect();
         const b = document.querySelector(arguments[1]).getBoundingClientRect();
         // Grab the part of the card the scrolled board shows.
         const v = document.getElementById('board').getBoundingClientRect();
         const left = Math.max(a.left, v.left), right = Math.min(a.right, v.right);
         return [(left + right) / 2, a.top + Math.min(a.height / 2, 12),
                 b.left + b.width / 2, b.top + Math.min(b.height / 2, 40)];",
        vec![json!(from), json!(to)],
    )
    .await;
    let p: Vec<f64> = rects
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap().round())
        .collect();
    let (x0, y0, x1, y1) = (p[0], p[1], p[2], p[3]);
    let step = Duration::from_millis(15);
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo {
            duration: None,
            x: x0,
            y: y0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Pause {
            duration: Duration::from_millis(150),
        });
    // A few pixels first, so the library sees a drag start rather than a click.
    for i in 1..=5 {
        mouse = mouse.then(PointerAction::MoveTo {
            duration: Some(step),
            x: x0 + f64::from(i) * 2.0,
            y: y0 + f64::from(i),
        });
    }
    let (sx, sy) = (x0 + 10.0, y0 + 5.0);
    let steps = 25;
    for i in 1..=steps {
        let t = f64::from(i) / f64::from(steps);
        mouse = mouse.then(PointerAction::MoveTo {
            duration: Some(step),
            x: (sx + (x1 - sx) * t).round(),
            y: (sy + (y1 - sy) * t).round(),
        });
    }
    mouse = mouse
        .then(PointerAction::Pause {
            duration: Duration::from_millis(250),
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    c.perform_actions(mouse).await.unwrap();
    c.release_actions().await.unwrap();
}

/// Marks the current board, so a wait can tell when it has been reloaded.
async fn mark_board(c: &Client) {
    js(
        c,
        "document.getElementById('board').dataset.stale = '1'; return null;",
        vec![],
    )
    .await;
}

fn card_in(stage: &Value, deal: i64) -> String {
    format!("#board .cards[data-stage='{stage}'] article.dealcard[data-deal='{deal}']")
}

async fn wait_board_reloaded_with(c: &Client, card: &str, what: &str) {
    wait_js(
        c,
        &format!(
            "!document.getElementById('board').dataset.stale && document.querySelector(\"{card}\")"
        ),
        what,
    )
    .await;
}

async fn deal(app: &TestApp, id: i64) -> Value {
    app.get(&app.admin, &format!("/api/v1/deals/{id}")).await.1
}

async fn new_user(app: &TestApp, login: &str, name: &str, team: i64) -> i64 {
    let (s, u) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"login": login, "name": name, "role": "manager", "team_id": team, "password": PASSWORD}),
        )
        .await;
    assert!(s.is_success(), "{u}");
    u["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_new_user_takes_a_lead_to_a_lost_deal() {
    run("story", |c| async move {
        let app = TestApp::spawn().await;
        let team = app.team("Отдел продаж", true).await;
        let anna = new_user(&app, "anna", "Смирнова Анна Сергеевна", team).await;
        let stages = app.stages().await;
        let lost = stages.iter().find(|s| s["kind"] == "lost").unwrap().clone();

        log_in(&c, &app, "anna").await;
        assert!(content_text(&c).await.contains("Главная"));

        // A lead, through the form.
        click(&c, "a.btn.primary[href='/leads/new']").await;
        path_is(&c, "\\/leads\\/new", "the new lead form").await;
        fill(&c, "#f-last_name", "Кузнецов").await;
        fill(&c, "#f-first_name", "Олег").await;
        fill(&c, "#f-company", "ООО «Северный ветер»").await;
        fill(&c, "#f-phones", "+7 812 555-01-02").await;
        fill(&c, "#f-emails", "oleg@veter.example").await;
        screenshot(&c, "lead-form").await;
        click(&c, "form.fields button.primary").await;
        path_is(&c, "\\/leads\\/\\d+", "the new lead's page").await;
        let text = content_text(&c).await;
        assert!(text.contains("Кузнецов Олег"), "{text}");
        assert!(text.contains("oleg@veter.example"), "{text}");

        // Qualify it: an account, a contact and a deal with an amount.
        click(&c, "a.btn.primary[href$='/convert']").await;
        path_is(&c, "\\/leads\\/\\d+\\/convert", "the conversion form").await;
        fill(&c, "#deal_title", "Северный ветер: серверы").await;
        fill(&c, "#deal_amount", "250 000").await;
        screenshot(&c, "lead-convert").await;
        click(&c, "form.card button.primary").await;
        path_is(&c, "\\/deals\\/\\d+", "the new deal's page").await;
        let url = c.current_url().await.unwrap();
        let id: i64 = url.path().rsplit('/').next().unwrap().parse().unwrap();
        let text = content_text(&c).await;
        assert!(text.contains("Лид квалифицирован"), "{text}");
        assert!(text.contains("250\u{a0}000,00\u{a0}₽"), "{text}");
        let d = deal(&app, id).await;
        assert_eq!(d["owner_id"], json!(anna));
        assert_eq!(d["stage_id"], stages[0]["id"]);

        // Something to do today, so the home page has content.
        let soon = app.db.now().plus_seconds(15 * 60).to_string();
        app.create(
            &app.admin,
            "/api/v1/activities",
            json!({"kind": "task", "subject": "Отправить КП", "due_at": soon, "owner_id": anna,
                   "related_type": "deal", "related_id": id}),
        )
        .await;
        c.goto(&app.url("/")).await.unwrap();
        wait_js(&c, "document.querySelector('svg.funnel')", "the funnel").await;
        screenshot(&c, "dashboard").await;
        click(&c, ".sidebar a[href='/deals']").await;
        wait_js(&c, "document.querySelector('table.list')", "the deals list").await;
        screenshot(&c, "deals").await;

        // The board: the card waits in the first column.
        click(&c, ".sidebar a[href='/board']").await;
        path_is(&c, "\\/board", "the board").await;
        wait_js(
            &c,
            "document.querySelector('#board .cards[data-sortable]')",
            "the board's drag and drop to be ready",
        )
        .await;
        let first = js(
            &c,
            "return document.querySelector('#board .cards').dataset.stage;",
            vec![],
        )
        .await;
        assert_eq!(first.as_str().unwrap(), stages[0]["id"].to_string());
        c.find(Locator::Css(&card_in(&stages[0]["id"], id)))
            .await
            .expect("the card in the first column");
        screenshot(&c, "board").await;

        // Drag it to the next column.
        mark_board(&c).await;
        drag(
            &c,
            &card_in(&stages[0]["id"], id),
            &format!("#board .cards[data-stage='{}']", stages[1]["id"]),
        )
        .await;
        wait_board_reloaded_with(
            &c,
            &card_in(&stages[1]["id"], id),
            "the board to reload with the card in the second column",
        )
        .await;
        assert_eq!(deal(&app, id).await["stage_id"], stages[1]["id"]);

        // Then to the lost column: the dialog asks why.
        let lost_list = format!("#board .cards[data-stage='{}']", lost["id"]);
        js(
            &c,
            "const b = document.getElementById('board'); b.scrollLeft = b.scrollWidth; return null;",
            vec![],
        )
        .await;
        mark_board(&c).await;
        drag(&c, &card_in(&stages[1]["id"], id), &lost_list).await;
        wait_js(
            &c,
            "document.getElementById('lost-dialog').open",
            "the lost-reason dialog",
        )
        .await;
        let reason = c
            .find(Locator::Css("#lost-dialog select[name=reason_id]"))
            .await
            .unwrap();
        reason.select_by_index(1).await.unwrap();
        let reason_name = js(
            &c,
            "const s = document.querySelector('#lost-dialog select[name=reason_id]');
             return s.options[s.selectedIndex].text;",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
        fill(&c, "#lost-dialog input[name=reason]", "Выбрали другого поставщика").await;
        screenshot(&c, "board-lost-dialog").await;
        click(&c, "#lost-dialog button.primary[type=submit]").await;
        wait_board_reloaded_with(
            &c,
            &card_in(&lost["id"], id),
            "the board to reload with the card in the lost column",
        )
        .await;
        wait_js(
            &c,
            "!document.getElementById('lost-dialog').open",
            "the dialog to close",
        )
        .await;
        let d = deal(&app, id).await;
        assert_eq!(d["status"], "lost");
        assert_eq!(d["loss_reason"], "Выбрали другого поставщика");

        // The deal page tells the whole story.
        click(&c, &format!("article.dealcard[data-deal='{id}'] a.title")).await;
        path_is(&c, "\\/deals\\/\\d+", "the deal page").await;
        wait_js(&c, "document.querySelector('ul.timeline')", "the timeline").await;
        let timeline = js(
            &c,
            "return document.querySelector('ul.timeline').innerText;",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
        let s = |i: usize| stages[i]["name"].as_str().unwrap().to_owned();
        let lost_name = lost["name"].as_str().unwrap();
        assert!(
            timeline.contains(&format!("{} → {}", s(0), s(1))),
            "{timeline}"
        );
        assert!(
            timeline.contains(&format!("{} → {lost_name}", s(1))),
            "{timeline}"
        );
        let badge = c.find(Locator::Css(".badge.lost")).await.unwrap();
        assert_eq!(badge.text().await.unwrap(), lost_name);
        let text = content_text(&c).await;
        assert!(
            text.contains(&format!("{reason_name} — Выбрали другого поставщика")),
            "{text}"
        );
        screenshot(&c, "deal").await;

        // Fields are edited in place: the form replaces them, saving brings them back.
        click(&c, "#fields a.btn").await;
        wait_js(&c, "document.querySelector('#fields form #f-description')", "the inline form").await;
        fill(&c, "#fields #f-description", "Вернуться к ним в марте").await;
        click(&c, "#fields button.primary").await;
        wait_js(
            &c,
            "document.querySelector('#fields dl.fields') && document.querySelector('#fields').innerText.includes('Вернуться к ним в марте')",
            "the saved fields in place",
        )
        .await;
        path_is(&c, "\\/deals\\/\\d+$", "the deal page, not the edit page").await;
        assert_eq!(
            deal(&app, id).await["description"],
            "Вернуться к ним в марте"
        );

        // One field at a time, by keyboard: Enter on its ✎ opens just that
        // input (focused), Esc puts the value back, an error stays beside
        // the field, Enter saves it and the focus returns to its ✎.
        let title = deal(&app, id).await["title"].as_str().unwrap().to_owned();
        let edit = c.find(Locator::Css("#fv-title .fv-edit")).await.unwrap();
        edit.send_keys("\u{E007}").await.unwrap();
        wait_js(
            &c,
            "document.activeElement && document.activeElement.id === 'f-title'",
            "the title's input, focused",
        )
        .await;
        assert_eq!(
            js(&c, "return document.querySelectorAll('#fields form').length;", vec![]).await,
            1,
            "only that field turns into an input"
        );
        let input = c.find(Locator::Id("f-title")).await.unwrap();
        input.send_keys("\u{E00C}").await.unwrap();
        wait_js(
            &c,
            "!document.querySelector('#fv-title form') && document.activeElement.classList.contains('fv-edit')",
            "the title back, the focus on its edit link",
        )
        .await;
        js(
            &c,
            "document.querySelector('#fv-title').scrollIntoView({block: 'center'}); return null;",
            vec![],
        )
        .await;
        click(&c, "#fv-title .fv-value").await;
        fill(&c, "#fv-title #f-title", "").await;
        c.find(Locator::Id("f-title")).await.unwrap().send_keys("\u{E007}").await.unwrap();
        wait_js(
            &c,
            "document.querySelector('#fv-title .error') && document.querySelector('#fv-title .error').innerText.includes('обязательное поле')",
            "the error beside the title",
        )
        .await;
        assert_eq!(deal(&app, id).await["title"], title.as_str());
        fill(&c, "#fv-title #f-title", "Поставка по шагам").await;
        c.find(Locator::Id("f-title")).await.unwrap().send_keys("\u{E007}").await.unwrap();
        wait_js(
            &c,
            "!document.querySelector('#fv-title form') && document.querySelector('#fv-title').innerText.includes('Поставка по шагам')",
            "the saved title in place",
        )
        .await;
        assert_eq!(deal(&app, id).await["title"], "Поставка по шагам");
        assert_eq!(
            deal(&app, id).await["description"],
            "Вернуться к ним в марте"
        );
        path_is(&c, "\\/deals\\/\\d+$", "still the deal page").await;

        // The calendar, where this build has one.
        let calendar = app.admin.get(app.url("/calendar")).send().await.unwrap();
        if calendar.status().is_success() {
            c.goto(&app.url("/calendar")).await.unwrap();
            wait_js(&c, "document.querySelector('h1')", "the calendar").await;
            screenshot(&c, "calendar").await;
        }
    })
    .await;
}

async fn search_box_results(c: &Client, text: &str) -> String {
    // "/" focuses the search box from anywhere on the page.
    js(c, "document.activeElement.blur(); return null;", vec![]).await;
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: '/' })
        .then(KeyAction::Up { value: '/' });
    c.perform_actions(keys).await.unwrap();
    wait_js(
        c,
        "document.activeElement && document.activeElement.id === 'search-box'",
        "the search box to take the focus",
    )
    .await;
    c.find(Locator::Id("search-box"))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
    wait_js(
        c,
        "document.getElementById('search-results').innerText.trim() !== ''",
        "instant search results",
    )
    .await;
    js(
        c,
        "return document.getElementById('search-results').innerHTML;",
        vec![],
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

#[tokio::test]
async fn another_teams_manager_does_not_see_the_deal() {
    run("another-team", |c| async move {
        let app = TestApp::spawn().await;
        let team_a = app.team("Отдел А", true).await;
        let team_b = app.team("Отдел Б", true).await;
        let a1 = new_user(&app, "alexey", "Петров Алексей", team_a).await;
        new_user(&app, "boris", "Иванов Борис", team_b).await;
        let acc = app
            .create(
                &app.admin,
                "/api/v1/accounts",
                json!({"name": "ООО Секретный завод", "owner_id": a1}),
            )
            .await;
        let id = app
            .create(
                &app.admin,
                "/api/v1/deals",
                json!({"title": "Секретный контракт", "account_id": acc["id"],
                       "amount": "990000", "owner_id": a1}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let card = format!("article.dealcard[data-deal='{id}']");

        // Its owner sees it on the board and finds it with the search box…
        log_in(&c, &app, "alexey").await;
        c.goto(&app.url("/board")).await.unwrap();
        wait_js(
            &c,
            &format!("document.querySelector(\"{card}\")"),
            "the card",
        )
        .await;
        let found = search_box_results(&c, "Секретный").await;
        assert!(found.contains(&format!("/deals/{id}")), "{found}");
        click(&c, ".usermenu button[type=submit]").await;
        path_is(&c, "\\/login", "the login page after logging out").await;

        // …a manager of another team nowhere.
        log_in(&c, &app, "boris").await;
        c.goto(&app.url("/board")).await.unwrap();
        wait_js(&c, "document.querySelector('#board .cards')", "the board").await;
        assert!(c.find(Locator::Css(&card)).await.is_err(), "on the board");
        assert!(!content_text(&c).await.contains("Секретный"));

        c.goto(&app.url("/deals")).await.unwrap();
        wait_js(&c, "document.querySelector('h1')", "the deals list").await;
        assert!(!content_text(&c).await.contains("Секретный контракт"));

        let found = search_box_results(&c, "Секретный").await;
        assert!(!found.contains("Секретный"), "{found}");
        assert!(found.contains("Ничего не найдено"), "{found}");

        c.goto(&app.url(&format!("/deals/{id}"))).await.unwrap();
        wait_js(&c, "document.querySelector('h1')", "the deal page").await;
        let text = content_text(&c).await;
        assert!(text.contains("Запись не найдена или недоступна"), "{text}");
        assert!(!text.contains("Секретный"), "{text}");
    })
    .await;
}

/// Types into the field and leaves it with Tab, as a person does: the
/// `change` event that follows is what updates the live totals.
async fn type_and_leave(c: &Client, css: &str, text: &str) {
    fill(c, css, text).await;
    let input = c.find(Locator::Css(css)).await.unwrap();
    input.send_keys("\u{e004}").await.unwrap();
}

async fn totals_show(c: &Client, text: &str, what: &str) {
    wait_js(
        c,
        &format!(
            "document.querySelector('#totals') && document.querySelector('#totals').innerText.includes({})",
            json!(text)
        ),
        what,
    )
    .await;
}

#[tokio::test]
async fn a_manager_prices_a_deal_and_issues_a_quote_with_live_totals() {
    run("quote", |c| async move {
        let app = TestApp::spawn().await;
        let acc = app
            .create(&app.admin, "/api/v1/accounts", json!({"name": "ООО Ромашка"}))
            .await;
        let deal = app
            .create(
                &app.admin,
                "/api/v1/deals",
                json!({"title": "Монтаж серверной", "account_id": acc["id"]}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        log_in(&c, &app, "admin").await;

        // The deal's products: 2 × 1 000 at 22 % show 2 440 before anything is saved.
        c.goto(&app.url(&format!("/deals/{deal}"))).await.unwrap();
        let row = "#products tbody tr:first-child";
        type_and_leave(&c, &format!("{row} input[name=line_name]"), "Монтаж").await;
        type_and_leave(&c, &format!("{row} input[name=line_qty]"), "2").await;
        type_and_leave(&c, &format!("{row} input[name=line_price]"), "1000").await;
        totals_show(&c, "2\u{a0}440,00", "the live total of the products").await;
        submit(&c, "#products button.primary", "the saved deal").await;
        path_is(&c, "\\/deals\\/\\d+", "the deal page").await;
        assert_eq!(deal_amount(&app, deal).await, "2440.00");

        // A quote from them: the editor carries the line; a third unit is priced live.
        let new_quote = "form[action$='/new-quote']:not(:has(input[name=kind])) button";
        click(&c, new_quote).await;
        path_is(&c, "\\/quotes\\/\\d+", "the new quote").await;
        let line = "form[action$='/save'] tbody tr:first-child";
        wait_js(
            &c,
            &format!("document.querySelector(\"{line} input[name=line_name]\").value === 'Монтаж'"),
            "the copied line",
        )
        .await;
        type_and_leave(&c, &format!("{line} input[name=line_qty]"), "3").await;
        totals_show(&c, "3\u{a0}660,00", "the live total of the quote").await;
        screenshot(&c, "quote-editor").await;
        submit(&c, "form[action$='/save'] button.primary", "the saved quote").await;

        // Activated, it is read-only.
        click(&c, "form[action$='/do/activate'] button").await;
        wait_js(
            &c,
            "document.querySelector('.badge') && document.querySelector('.badge').innerText.includes('Активно')",
            "the active quote",
        )
        .await;
        assert!(c.find(Locator::Css("form[action$='/save']")).await.is_err());
        assert!(content_text(&c).await.contains("3\u{a0}660,00"));
        screenshot(&c, "quote").await;
    })
    .await;
}

async fn deal_amount(app: &TestApp, id: i64) -> String {
    deal(app, id).await["amount"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The text of the first cell after the row header in the report table's
/// row whose header is `row` (e.g. a stage's name).
async fn report_cell(c: &Client, row: &str) -> String {
    js(
        c,
        "const r = [...document.querySelectorAll('table.report tbody tr')]
             .find(tr => tr.querySelector('th').innerText.trim() === arguments[0]);
         return r ? r.querySelector('td').innerText.trim() : '';",
        vec![json!(row)],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test]
async fn the_head_of_sales_reads_the_funnel_and_narrows_it_to_a_manager() {
    run("reports", |c| async move {
        let app = TestApp::spawn().await;
        let team = app.team("Продажи", false).await;
        let m1 = new_user(&app, "m1", "Мария Петрова", team).await;
        let stages = app.stages().await;
        let acc = app
            .create(&app.admin, "/api/v1/accounts", json!({"name": "ООО Ромашка"}))
            .await;
        // Three deals: two of Мария (one won), one of the administrator moved on a stage.
        let mut ids = Vec::new();
        for (owner, amount) in [(Some(m1), "100000"), (Some(m1), "50000"), (None, "20000")] {
            let mut body = json!({"title": format!("Сделка {amount}"), "account_id": acc["id"], "amount": amount});
            if let Some(o) = owner {
                body["owner_id"] = json!(o);
            }
            let d = app.create(&app.admin, "/api/v1/deals", body).await;
            ids.push(d["id"].as_i64().unwrap());
        }
        let won = stages.iter().find(|s| s["kind"] == "won").unwrap();
        let lost = stages.iter().find(|s| s["kind"] == "lost").unwrap();
        let (_, reasons) = app.get(&app.admin, "/api/v1/loss-reasons").await;
        for (deal, stage, reason) in [
            (ids[0], &won["id"], None),
            (ids[1], &lost["id"], Some(&reasons[0]["id"])),
            (ids[2], &stages[1]["id"], None),
        ] {
            let mut body = json!({"stage_id": stage});
            if let Some(r) = reason {
                body["reason_id"] = r.clone();
            }
            let (s, v) = app
                .post(&app.admin, &format!("/api/v1/deals/{deal}/move"), body)
                .await;
            assert!(s.is_success(), "{v}");
        }
        let first = stages[0]["name"].as_str().unwrap().to_owned();

        log_in(&c, &app, "admin").await;
        c.goto(&app.url("/reports")).await.unwrap();
        click(&c, "ul.report-index a[href='/reports/funnel']").await;
        path_is(&c, "\\/reports\\/funnel", "the funnel page").await;
        wait_js(&c, "document.querySelector('main svg')", "the funnel chart").await;
        // Everyone's: all three entered the first stage; one won.
        assert_eq!(report_cell(&c, &first).await, "3");
        assert_eq!(report_cell(&c, "Успешные").await, "1");
        screenshot(&c, "report-funnel").await;

        // Narrowed to Мария: her two deals.
        js(
            &c,
            "document.querySelector('form.filters select[name=owner_id]').value = arguments[0];",
            vec![json!(m1.to_string())],
        )
        .await;
        click(&c, "form.filters button.primary").await;
        wait_js(
            &c,
            &format!("location.search.includes('owner_id={m1}')"),
            "the funnel of one manager",
        )
        .await;
        wait_js(&c, "document.querySelector('table.report')", "the table").await;
        assert_eq!(report_cell(&c, &first).await, "2");
        assert_eq!(report_cell(&c, "Успешные").await, "1");
        // The exports carry the same filter.
        let csv = js(
            &c,
            "return [...document.querySelectorAll('a.btn')].map(a => a.href).find(h => h.includes('format=csv'));",
            vec![],
        )
        .await;
        assert!(
            csv.as_str().unwrap_or_default().contains(&format!("owner_id={m1}")),
            "{csv}"
        );

        // The other reports open with a chart and no error.
        for name in ["forecast", "dynamics", "losses", "as-of"] {
            c.goto(&app.url(&format!("/reports/{name}"))).await.unwrap();
            wait_js(&c, "document.querySelector('main svg, main p.muted')", name).await;
            assert!(c.find(Locator::Css(".flash.error")).await.is_err(), "{name}");
            screenshot(&c, &format!("report-{name}")).await;
        }
    })
    .await;
}

/// The report builder in the page: deals grouped by stage, the chart and the
/// table, saved under a name and reopened from the saved reports.
#[tokio::test]
async fn a_head_builds_saves_and_reopens_a_grouped_report() {
    run("builder", |c| async move {
        let app = TestApp::spawn().await;
        let acc = app
            .create(&app.admin, "/api/v1/accounts", json!({"name": "ООО Ромашка"}))
            .await;
        let st = app.stages().await;
        // Two deals in the first stage, one in the second.
        for (title, stage) in [("Станки", 0), ("Монтаж", 0), ("Поставка", 1)] {
            app.create(
                &app.admin,
                "/api/v1/deals",
                json!({"title": title, "account_id": acc["id"], "stage_id": st[stage]["id"], "amount": "1000"}),
            )
            .await;
        }
        let s0 = st[0]["name"].as_str().unwrap().to_owned();
        let s1 = st[1]["name"].as_str().unwrap().to_owned();
        log_in(&c, &app, "admin").await;

        // From the Reports section to the builder.
        c.goto(&app.url("/reports")).await.unwrap();
        click(&c, "a[href='/reports/builder']").await;
        path_is(&c, "\\/reports\\/builder", "the builder").await;
        c.find(Locator::Css("#bf-g1"))
            .await
            .unwrap()
            .select_by_value("stage")
            .await
            .unwrap();
        c.find(Locator::Css("#bf-chart"))
            .await
            .unwrap()
            .select_by_value("bar")
            .await
            .unwrap();
        click(&c, "#bf-show").await;
        wait_js(
            &c,
            "document.querySelector('#bf-result') && document.querySelector('section.chart svg')",
            "the chart and the table",
        )
        .await;
        let table = js(&c, "return document.querySelector('#bf-result').innerText;", vec![]).await;
        let table = table.as_str().unwrap();
        assert!(table.contains(&format!("{s0}\t2")), "{table}");
        assert!(table.contains(&format!("{s1}\t1")), "{table}");
        assert!(table.contains("Итого\t3"), "{table}");

        // Saved under a name, it opens again with the same grouping.
        fill(&c, "#bf-name", "Сделки по этапам").await;
        click(&c, "#bf-save-form button.primary").await;
        wait_js(
            &c,
            "document.querySelector('h1') && document.querySelector('h1').innerText.includes('Сделки по этапам')",
            "the saved report",
        )
        .await;
        js(
            &c,
            "document.querySelector('section.chart').scrollIntoView();",
            vec![],
        )
        .await;
        screenshot(&c, "report-builder").await;
        c.goto(&app.url("/reports/builder")).await.unwrap();
        click(&c, "ul.saved-reports a").await;
        wait_js(
            &c,
            "document.querySelector('#bf-g1') && document.querySelector('#bf-g1').value === 'stage' \
             && document.querySelector('#bf-result')",
            "the reopened report",
        )
        .await;
        assert!(content_text(&c).await.contains("Итого"));
    })
    .await;
}
