//! The calendar page: month, week, day and list views place events and tasks
//! on the right day and hour (in the user's zone, Moscow by default), overdue
//! tasks are marked, other teams' events stay invisible, dragging an event
//! moves it with its duration (CSRF-checked), and bad parameters do not crash.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// The session's CSRF token from `<body data-csrf="…">`.
fn csrf_of(html: &str) -> String {
    let marker = "data-csrf=\"";
    let start = html.find(marker).expect("data-csrf on the page") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// The items of one drop target (a month day, a day strip or an hour slot):
/// `<ul class="cal-items" data-date=… data-lo=… data-hi=…>…</ul>`.
fn slot<'a>(html: &'a str, date: &str, lo: u8, hi: u8) -> &'a str {
    let marker = format!(r#"data-date="{date}" data-lo="{lo}" data-hi="{hi}">"#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no slot {marker} in the page"));
    let end = html[start..].find("</ul>").unwrap();
    &html[start..start + end]
}

/// The class attribute of the calendar item whose text contains `subject`.
fn item_class(html: &str, subject: &str) -> String {
    let at = html
        .find(subject)
        .unwrap_or_else(|| panic!("{subject} not on the page"));
    let li = html[..at].rfind("<li class=\"").unwrap() + "<li class=\"".len();
    let end = html[li..].find('"').unwrap();
    html[li..li + end].to_owned()
}

/// A deal (with its customer) for activities to be about.
async fn deal(app: &TestApp, c: &Client, title: &str) -> i64 {
    let account = app
        .create(
            c,
            "/api/v1/accounts",
            json!({"name": format!("ООО {title}")}),
        )
        .await;
    let d = app
        .create(
            c,
            "/api/v1/deals",
            json!({"title": title, "account_id": account["id"], "amount": "1000.00"}),
        )
        .await;
    d["id"].as_i64().unwrap()
}

async fn event(app: &TestApp, c: &Client, deal: i64, subject: &str, start: &str, end: &str) -> i64 {
    let e = app
        .create(
            c,
            "/api/v1/activities",
            json!({"kind": "event", "subject": subject, "related_type": "deal", "related_id": deal,
                   "start_at": start, "end_at": end}),
        )
        .await;
    e["id"].as_i64().unwrap()
}

async fn task(app: &TestApp, c: &Client, deal: i64, subject: &str, due: &str, status: &str) -> i64 {
    let t = app
        .create(
            c,
            "/api/v1/activities",
            json!({"kind": "task", "subject": subject, "related_type": "deal", "related_id": deal,
                   "due_at": due, "status": status}),
        )
        .await;
    t["id"].as_i64().unwrap()
}

#[tokio::test]
async fn every_view_puts_events_and_tasks_on_their_day() {
    let app = TestApp::spawn().await;
    let c = &app.admin;
    let d = deal(&app, c, "Поставка Ромашке").await;
    // 12:00–13:30 in Moscow on Monday the 23rd; the task is due at 15:00 on the 24th.
    event(
        &app,
        c,
        d,
        "Встреча с Ромашкой",
        "2026-11-23T09:00:00Z",
        "2026-11-23T10:30:00Z",
    )
    .await;
    task(
        &app,
        c,
        d,
        "Позвонить Ромашке",
        "2026-11-24T12:00:00Z",
        "planned",
    )
    .await;

    let month = ok_page(&app, c, "/calendar?view=month&date=2026-11-10").await;
    assert!(month.contains("Ноябрь 2026"), "the month title");
    let day23 = slot(&month, "2026-11-23", 0, 23);
    assert!(
        day23.contains("Встреча с Ромашкой") && day23.contains("12:00"),
        "{day23}"
    );
    assert!(!day23.contains("Позвонить"));
    let day24 = slot(&month, "2026-11-24", 0, 23);
    assert!(
        day24.contains("Позвонить Ромашке") && day24.contains("15:00"),
        "{day24}"
    );
    // The grid is whole weeks from Monday: 26 October … 6 December.
    slot(&month, "2026-10-26", 0, 23);
    slot(&month, "2026-12-06", 0, 23);
    assert!(!month.contains(r#"data-date="2026-12-07""#));
    // Events can be dragged; tasks cannot.
    assert!(item_class(&month, "Встреча с Ромашкой").contains("cal-ev"));
    assert!(month.contains("data-start=\"2026-11-23T12:00\""));
    assert!(item_class(&month, "Позвонить Ромашке").contains("cal-task"));
    // The calendar is in the navigation, and its script is on the page.
    assert!(month.contains(r#"href="/calendar" aria-current="page""#));
    assert!(month.contains("/assets/calendar.js"));

    let week = ok_page(&app, c, "/calendar?view=week&date=2026-11-26").await;
    assert!(week.contains("23–29 ноября 2026"), "the week title");
    let noon = slot(&week, "2026-11-23", 12, 12);
    assert!(
        noon.contains("Встреча с Ромашкой") && noon.contains("12:00–13:30"),
        "{noon}"
    );
    assert!(!slot(&week, "2026-11-23", 13, 13).contains("Встреча"));
    // Tasks sit in the day's strip with their due time.
    assert!(slot(&week, "2026-11-24", 0, 23).contains("Позвонить Ромашке"));
    // Hours before 8:00 and after 20:00 are collapsed into one row each.
    slot(&week, "2026-11-29", 0, 7);
    slot(&week, "2026-11-29", 20, 23);
    // An empty hour offers a new event starting there.
    assert!(week.contains("/activities/new?kind=event&amp;start=2026-11-25T14%3A00"));

    let day = ok_page(&app, c, "/calendar?view=day&date=2026-11-23").await;
    assert!(day.contains("Понедельник, 23 ноября 2026"));
    assert!(slot(&day, "2026-11-23", 12, 12).contains("Встреча с Ромашкой"));
    assert!(
        !day.contains("Позвонить Ромашке"),
        "the task is due on another day"
    );
    // The day view names what the event is about.
    assert!(slot(&day, "2026-11-23", 12, 12).contains("Поставка Ромашке"));

    let list = ok_page(&app, c, "/calendar?view=list&date=2026-11-01").await;
    let (e, t) = (
        list.find("Встреча с Ромашкой").unwrap(),
        list.find("Позвонить Ромашке").unwrap(),
    );
    assert!(e < t, "chronological");
    let h23 = list.find("Понедельник, 23 ноября").unwrap();
    let h24 = list.find("Вторник, 24 ноября").unwrap();
    assert!(h23 < e && e < h24 && h24 < t);

    // The default: this month, the current user's calendar.
    let default = ok_page(&app, c, "/calendar").await;
    assert!(default.contains(r#"aria-current="page">Месяц"#));

    // htmx asks for the calendar body alone, to swap it in after a move.
    let r = c
        .get(app.url("/calendar?view=week&date=2026-11-23"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let fragment = r.text().await.unwrap();
    assert!(
        fragment.starts_with(r#"<div class="cal" id="cal""#),
        "{}",
        fragment.chars().take(80).collect::<String>()
    );
    assert!(!fragment.contains("<html") && fragment.contains("Встреча с Ромашкой"));
}

#[tokio::test]
async fn overdue_open_tasks_are_marked_and_completed_ones_muted() {
    let app = TestApp::spawn().await;
    let c = &app.admin;
    let d = deal(&app, c, "Сделка").await;
    task(
        &app,
        c,
        d,
        "Просроченный звонок",
        "2020-03-10T09:00:00Z",
        "planned",
    )
    .await;
    task(
        &app,
        c,
        d,
        "Выполненный звонок",
        "2020-03-11T09:00:00Z",
        "completed",
    )
    .await;
    task(
        &app,
        c,
        d,
        "Будущий звонок",
        "2099-03-12T09:00:00Z",
        "in_progress",
    )
    .await;

    let month = ok_page(&app, c, "/calendar?date=2020-03-05").await;
    let overdue = item_class(&month, "Просроченный звонок");
    assert!(overdue.contains("overdue"), "{overdue}");
    let done = item_class(&month, "Выполненный звонок");
    assert!(done.contains("done") && !done.contains("overdue"), "{done}");
    // Not by colour alone: the item says so.
    assert!(slot(&month, "2020-03-10", 0, 23).contains("просрочено"));

    let future = ok_page(&app, c, "/calendar?view=week&date=2099-03-12").await;
    assert!(!item_class(&future, "Будущий звонок").contains("overdue"));

    let list = ok_page(&app, c, "/calendar?view=list&date=2020-03-01").await;
    assert!(item_class(&list, "Просроченный звонок").contains("overdue"));
}

#[tokio::test]
async fn another_teams_events_are_not_shown() {
    let app = TestApp::spawn().await;
    let team_a = app.team("Отдел А", true).await;
    let team_b = app.team("Отдел Б", true).await;
    let (a1, _) = app.user("a1", "manager", Some(team_a)).await;
    let (a2, _) = app.user("a2", "manager", Some(team_a)).await;
    let (b1, b1_id) = app.user("b1", "manager", Some(team_b)).await;
    let da = deal(&app, &a2, "Сделка А").await;
    event(
        &app,
        &a2,
        da,
        "Встреча коллеги",
        "2026-11-23T09:00:00Z",
        "2026-11-23T10:00:00Z",
    )
    .await;
    let db = deal(&app, &b1, "Сделка Б").await;
    let secret = event(
        &app,
        &b1,
        db,
        "Чужая встреча",
        "2026-11-23T11:00:00Z",
        "2026-11-23T12:00:00Z",
    )
    .await;
    task(
        &app,
        &b1,
        db,
        "Чужая задача",
        "2026-11-24T11:00:00Z",
        "planned",
    )
    .await;

    // a1's own calendar is empty; all users shows the team, never team B.
    let mine = ok_page(&app, &a1, "/calendar?view=month&date=2026-11-01").await;
    assert!(!mine.contains("Встреча коллеги") && !mine.contains("Чужая"));
    for path in [
        "/calendar?view=month&date=2026-11-01&owner=all".to_owned(),
        "/calendar?view=week&date=2026-11-23&owner=all".to_owned(),
        "/calendar?view=list&date=2026-11-01&owner=all".to_owned(),
        format!("/calendar?view=month&date=2026-11-01&owner={b1_id}"),
    ] {
        let html = ok_page(&app, &a1, &path).await;
        assert!(
            !html.contains("Чужая встреча") && !html.contains("Чужая задача"),
            "{path}"
        );
        if path.contains("owner=all") {
            assert!(html.contains("Встреча коллеги"), "{path}");
        }
    }
    // Nor can it be moved by someone who cannot see it.
    let token = csrf_of(&ok_page(&app, &a1, "/calendar").await);
    let r = a1
        .post(app.url("/calendar/move"))
        .header("HX-Request", "true")
        .form(&[
            ("id", secret.to_string()),
            ("start", "2026-11-25T10:00".into()),
            ("_csrf", token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, v) = app.get(&b1, &format!("/api/v1/activities/{secret}")).await;
    assert_eq!(v["start_at"], "2026-11-23T11:00:00Z");
}

#[tokio::test]
async fn dragging_an_event_moves_it_and_keeps_its_duration() {
    let app = TestApp::spawn().await;
    let c = &app.admin;
    let d = deal(&app, c, "Сделка").await;
    // 12:00–13:30 Moscow time.
    let id = event(
        &app,
        c,
        d,
        "Встреча",
        "2026-11-23T09:00:00Z",
        "2026-11-23T10:30:00Z",
    )
    .await;
    let token = csrf_of(&ok_page(&app, c, "/calendar?view=week&date=2026-11-23").await);
    let when = |v: &Value| {
        (
            v["start_at"].as_str().unwrap().to_owned(),
            v["end_at"].as_str().unwrap().to_owned(),
        )
    };

    // Without the token: refused, nothing changes.
    let r = c
        .post(app.url("/calendar/move"))
        .header("HX-Request", "true")
        .form(&[("id", id.to_string()), ("start", "2026-11-25T15:00".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(app.url("/calendar/move"))
        .form(&[
            ("id", id.to_string()),
            ("start", "2026-11-25T15:00".into()),
            ("_csrf", "forged".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, v) = app.get(c, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(
        when(&v),
        ("2026-11-23T09:00:00Z".into(), "2026-11-23T10:30:00Z".into())
    );

    // From the calendar script (fetch with HX-Request): 204, moved, 1 h 30 min long.
    let r = c
        .post(app.url("/calendar/move"))
        .header("HX-Request", "true")
        .form(&[
            ("id", id.to_string()),
            ("start", "2026-11-25T15:00".into()),
            ("_csrf", token.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, v) = app.get(c, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(
        when(&v),
        ("2026-11-25T12:00:00Z".into(), "2026-11-25T13:30:00Z".into())
    );
    let week = ok_page(&app, c, "/calendar?view=week&date=2026-11-23").await;
    assert!(slot(&week, "2026-11-25", 15, 15).contains("15:00–16:30"));

    // A plain form post is redirected back to the calendar.
    let r = c
        .post(app.url("/calendar/move"))
        .form(&[
            ("id", id.to_string()),
            ("start", "2026-11-26T09:15".into()),
            ("_csrf", token.clone()),
            ("back", "/calendar?view=day&date=2026-11-26".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.url()
            .as_str()
            .ends_with("/calendar?view=day&date=2026-11-26"),
        "{}",
        r.url()
    );
    let (_, v) = app.get(c, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(
        when(&v),
        ("2026-11-26T06:15:00Z".into(), "2026-11-26T07:45:00Z".into())
    );

    // Nonsense is refused with a message, and tasks are not moved here.
    let t = task(&app, c, d, "Задача", "2026-11-23T09:00:00Z", "planned").await;
    for (id, start) in [
        (id.to_string(), "завтра"),
        ("x".to_owned(), "2026-11-25T10:00"),
        (t.to_string(), "2026-11-25T10:00"),
    ] {
        let r = c
            .post(app.url("/calendar/move"))
            .header("HX-Request", "true")
            .form(&[
                ("id", id.clone()),
                ("start", start.into()),
                ("_csrf", token.clone()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{id} {start}");
        assert!(!r.text().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn bad_parameters_show_the_current_period() {
    let app = TestApp::spawn().await;
    let c = &app.admin;
    for path in [
        "/calendar?date=2026-13-45",
        "/calendar?view=week&date=garbage",
        "/calendar?view=day&date=9999-12-31",
        "/calendar?view=list&date=%00%FF",
        "/calendar?date=-002026-01-01",
    ] {
        let html = ok_page(&app, c, path).await;
        assert!(html.contains("Дата не распознана"), "{path}");
        assert!(html.contains("cal-bar"), "{path}");
    }
    for path in [
        "/calendar?view=nonsense",
        "/calendar?owner=abc",
        "/calendar?owner=999999",
        "/calendar?date=",
        "/calendar?view=month&date=0001-01-01",
        "/calendar?view=week&date=9998-12-31",
    ] {
        let html = ok_page(&app, c, path).await;
        assert!(!html.contains("Дата не распознана"), "{path}");
    }
}

#[tokio::test]
async fn a_click_on_a_slot_opens_a_prefilled_event_form_that_asks_for_the_deal() {
    let app = TestApp::spawn().await;
    let c = &app.admin;
    let d = deal(&app, c, "Поставка станков").await;
    let form = ok_page(&app, c, "/activities/new?kind=event&start=2026-11-23T10:00").await;
    assert!(form.contains(r#"name="subject""#));
    assert!(
        form.contains(r#"name="start_at" value="2026-11-23T10:00""#),
        "start pre-filled"
    );
    assert!(
        form.contains(r#"name="end_at" value="2026-11-23T11:00""#),
        "an hour long"
    );
    assert!(
        form.contains(r#"name="related_id""#) && form.contains("/options/deals"),
        "asks for the deal"
    );
    let token = csrf_of(&form);

    // Without a deal the form comes back with the message beside the field.
    let base = [
        ("_csrf", token.as_str()),
        ("kind", "event"),
        ("subject", "Демонстрация"),
        ("status", ""),
        ("start_at", "2026-11-23T10:00"),
        ("end_at", "2026-11-23T11:00"),
    ];
    let r = c
        .post(app.url("/activities/new"))
        .form(&base)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("Демонстрация"),
        "the typed values survive"
    );

    let chosen = format!("Поставка станков #{d}");
    let mut fields = base.to_vec();
    fields.push(("related_id", &chosen));
    let r = c
        .post(app.url("/activities/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id: i64 = r.url().path().rsplit('/').next().unwrap().parse().unwrap();
    let (_, v) = app.get(c, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(v["related_type"], "deal");
    assert_eq!(v["related_id"], d);
    assert_eq!(v["start_at"], "2026-11-23T07:00:00Z");
    assert_eq!(v["end_at"], "2026-11-23T08:00:00Z");

    // A start at the edge of time does not break the form.
    for start in ["9999-12-31T23:30", "nonsense", ""] {
        ok_page(
            &app,
            c,
            &format!("/activities/new?kind=event&start={start}"),
        )
        .await;
    }

    // From a record page the record is already known: no deal input.
    let from_deal = ok_page(
        &app,
        c,
        &format!("/activities/new?kind=task&related_type=deal&related_id={d}"),
    )
    .await;
    assert!(!from_deal.contains("/options/deals"));
    assert!(from_deal.contains(r#"name="subject""#));
    // Nor when editing.
    let edit = ok_page(&app, c, &format!("/activities/{id}/edit")).await;
    assert!(!edit.contains("/options/deals"));
}
