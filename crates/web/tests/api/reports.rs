//! Reports against figures computed by hand from a small, deliberately shaped
//! data set: deals that went backwards, a reopened deal, two pipelines, a
//! deal outside the period, two managers of one team.
//!
//! Default pipeline stages: s0..s3 open, W won, L lost. Amounts in roubles.
//!
//! | deal | owner | pipeline | amount  | history (2026, 09:00 UTC)                                  | now  |
//! |------|-------|----------|---------|------------------------------------------------------------|------|
//! | A    | m1    | P        | 100 000 | s0 02-01, s1 02-03, s2 02-04, s1 02-06 (went back)         | open |
//! | B    | m1    | P        | 200 000 | s0 02-10, s1 02-11, s2 02-12, s3 02-13, W 02-15            | won  |
//! | C    | m2    | P        | 300 000 | s0 03-01, s1 03-04, L 03-09 (reason R1)                    | lost |
//! | D    | m1    | P        | 400 000 | s0 03-02, s2 03-06, L 03-07, reopened s2 03-20, W 04-01    | won  |
//! | E    | m2    | P        |  50 000 | s0 04-05                                                   | open |
//! | F    | m1    | Q        | 500 000 | q0 02-20, W 02-25                                          | won  |
//! | G    | m2    | P        |  70 000 | s0 2025-06-01, L 2025-07-01 (outside 2026)                 | lost |

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn sql(app: &TestApp, q: &str, binds: &[&str]) {
    let mut r = app.db.reader().await.unwrap();
    let mut query = sqlx::query(q);
    for b in binds {
        query = query.bind(*b);
    }
    query
        .execute(voronka_store::db::Conn::conn(&mut r))
        .await
        .unwrap();
}

async fn sql_i(app: &TestApp, q: &str, binds: &[i64]) -> Vec<i64> {
    use sqlx::Row;
    let mut r = app.db.reader().await.unwrap();
    let mut query = sqlx::query(q);
    for b in binds {
        query = query.bind(*b);
    }
    query
        .fetch_all(voronka_store::db::Conn::conn(&mut r))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<i64, _>(0).unwrap())
        .collect()
}

/// Rewrites a deal's stage history instants (in order) and its created and closed stamps.
async fn backdate(app: &TestApp, deal: i64, at: &[&str], closed: Option<&str>) {
    let ids = sql_i(
        app,
        "SELECT id FROM deal_stage_history WHERE deal_id = $1 ORDER BY id",
        &[deal],
    )
    .await;
    assert_eq!(ids.len(), at.len(), "deal {deal} history: {ids:?}");
    for (id, t) in ids.iter().zip(at) {
        let t = format!("{t}.000000Z");
        sql(
            app,
            &format!("UPDATE deal_stage_history SET at = $1 WHERE id = {id}"),
            &[&t],
        )
        .await;
    }
    let created = format!("{}.000000Z", at[0]);
    sql(
        app,
        &format!("UPDATE deals SET created_at = $1 WHERE id = {deal}"),
        &[&created],
    )
    .await;
    if let Some(c) = closed {
        let c = format!("{c}.000000Z");
        sql(
            app,
            &format!("UPDATE deals SET closed_at = $1 WHERE id = {deal}"),
            &[&c],
        )
        .await;
    }
}

pub struct Shaped {
    pub app: TestApp,
    pub m1: Client,
    pub m2: Client,
    pub m1_id: i64,
    pub m2_id: i64,
    pub team: i64,
    pub p: i64,
    pub q: i64,
    pub deals: Vec<i64>,
}

async fn deal(app: &TestApp, owner: i64, title: &str, amount: &str, extra: Value) -> i64 {
    let (_, accounts) = app.get(&app.admin, "/api/v1/accounts?q=Ромашка").await;
    let account = match accounts["items"].as_array().and_then(|a| a.first()) {
        Some(a) => a["id"].clone(),
        None => app
            .create(
                &app.admin,
                "/api/v1/accounts",
                json!({"name": "ООО «Ромашка»", "industry": "Станки", "territory": "Москва"}),
            )
            .await["id"]
            .clone(),
    };
    let mut body =
        json!({"title": title, "amount": amount, "owner_id": owner, "account_id": account});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.create(&app.admin, "/api/v1/deals", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn mv(app: &TestApp, deal: i64, stage: &Value, reason: Option<&Value>) {
    let mut body = json!({"stage_id": stage});
    if let Some(r) = reason {
        body["reason_id"] = r.clone();
    }
    let (s, v) = app
        .post(&app.admin, &format!("/api/v1/deals/{deal}/move"), body)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

pub async fn shaped() -> Shaped {
    let app = TestApp::spawn().await;
    let team = app.team("Продажи", false).await;
    let (m1, m1_id) = app.user("m1", "manager", Some(team)).await;
    let (m2, m2_id) = app.user("m2", "manager", Some(team)).await;
    let st = app.stages().await;
    let (_, pipes) = app.get(&app.admin, "/api/v1/pipelines").await;
    let p = pipes[0]["id"].as_i64().unwrap();
    let qp = app
        .create(&app.admin, "/api/v1/pipelines", json!({"name": "Тендеры"}))
        .await;
    let q = qp["id"].as_i64().unwrap();
    let qst = qp["stages"].as_array().unwrap().clone();
    let (_, reasons) = app.get(&app.admin, "/api/v1/loss-reasons").await;
    let r1 = reasons[0]["id"].clone();
    let r2 = reasons[1]["id"].clone();
    let won = st.iter().find(|s| s["kind"] == "won").unwrap().clone();
    let lost = st.iter().find(|s| s["kind"] == "lost").unwrap().clone();

    let a = deal(
        &app,
        m1_id,
        "A",
        "100000.00",
        json!({"probability": 30, "expected_close_date": "2026-05-15"}),
    )
    .await;
    for s in [1, 2, 1] {
        mv(&app, a, &st[s]["id"], None).await;
    }
    backdate(
        &app,
        a,
        &[
            "2026-02-01T09:00:00",
            "2026-02-03T09:00:00",
            "2026-02-04T09:00:00",
            "2026-02-06T09:00:00",
        ],
        None,
    )
    .await;

    let b = deal(&app, m1_id, "B", "200000.00", json!({})).await;
    for s in [1, 2, 3] {
        mv(&app, b, &st[s]["id"], None).await;
    }
    mv(&app, b, &won["id"], None).await;
    backdate(
        &app,
        b,
        &[
            "2026-02-10T09:00:00",
            "2026-02-11T09:00:00",
            "2026-02-12T09:00:00",
            "2026-02-13T09:00:00",
            "2026-02-15T09:00:00",
        ],
        Some("2026-02-15T09:00:00"),
    )
    .await;

    let c = deal(&app, m2_id, "C", "300000.00", json!({})).await;
    mv(&app, c, &st[1]["id"], None).await;
    mv(&app, c, &lost["id"], Some(&r1)).await;
    backdate(
        &app,
        c,
        &[
            "2026-03-01T09:00:00",
            "2026-03-04T09:00:00",
            "2026-03-09T09:00:00",
        ],
        Some("2026-03-09T09:00:00"),
    )
    .await;

    let d = deal(&app, m1_id, "D", "400000.00", json!({})).await;
    mv(&app, d, &st[2]["id"], None).await;
    mv(&app, d, &lost["id"], Some(&r2)).await;
    let (s, v) = app
        .post(&app.admin, &format!("/api/v1/deals/{d}/reopen"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["stage_id"], st[2]["id"],
        "reopened into its last open stage"
    );
    mv(&app, d, &won["id"], None).await;
    backdate(
        &app,
        d,
        &[
            "2026-03-02T09:00:00",
            "2026-03-06T09:00:00",
            "2026-03-07T09:00:00",
            "2026-03-20T09:00:00",
            "2026-04-01T09:00:00",
        ],
        Some("2026-04-01T09:00:00"),
    )
    .await;

    let e = deal(
        &app,
        m2_id,
        "E",
        "50000.00",
        json!({"probability": 50, "expected_close_date": "2026-06-10"}),
    )
    .await;
    backdate(&app, e, &["2026-04-05T09:00:00"], None).await;

    let f = deal(&app, m1_id, "F", "500000.00", json!({"pipeline_id": q})).await;
    let qwon = qst.iter().find(|s| s["kind"] == "won").unwrap();
    mv(&app, f, &qwon["id"], None).await;
    backdate(
        &app,
        f,
        &["2026-02-20T09:00:00", "2026-02-25T09:00:00"],
        Some("2026-02-25T09:00:00"),
    )
    .await;

    let g = deal(&app, m2_id, "G", "70000.00", json!({})).await;
    mv(&app, g, &lost["id"], Some(&r1)).await;
    backdate(
        &app,
        g,
        &["2025-06-01T09:00:00", "2025-07-01T09:00:00"],
        Some("2025-07-01T09:00:00"),
    )
    .await;

    // One competitor met in B (won), C (lost) and D (won).
    let x = app
        .create(
            &app.admin,
            "/api/v1/competitors",
            json!({"name": "Конкурент Икс"}),
        )
        .await["id"]
        .clone();
    for id in [b, c, d] {
        let (s, v) = app
            .put(
                &app.admin,
                &format!("/api/v1/deals/{id}/competitors"),
                json!([{"competitor_id": x, "status": "active"}]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The instants above were rewritten with SQL, past the write path that
    // keeps the report roll-ups: recount them, as after a bulk load.
    voronka_store::rollup::rebuild(&app.db).await.unwrap();
    Shaped {
        app,
        m1,
        m2,
        m1_id,
        m2_id,
        team,
        p,
        q,
        deals: vec![a, b, c, d, e, f, g],
    }
}

const YEAR: &str = "from=2026-01-01&to=2026-12-31";

/// Deals, amount, conversion to next, conversion to won, average days.
type StageFigures = (i64, String, Option<String>, Option<String>, Option<String>);

fn stage_figures(f: &Value) -> Vec<StageFigures> {
    f["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["deals"].as_i64().unwrap(),
                s["amount"].as_str().unwrap().to_owned(),
                s["conversion_next"].as_str().map(str::to_owned),
                s["conversion_won"].as_str().map(str::to_owned),
                s["avg_days"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn o(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[tokio::test]
async fn funnel_from_stage_history() {
    let t = shaped().await;
    let (s, f) = t
        .app
        .get(&t.app.admin, &format!("/api/v1/reports/funnel?{YEAR}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["pipeline_id"], t.p);
    // Cohort: A, B, C, D, E (F is in another pipeline, G was created in 2025).
    // Reached s0: all five = 1 050 000; s1: A, B (won), C, D (won) = 1 000 000;
    // s2: A (went back, still counts once), B, D = 700 000; s3: B, D (won) = 600 000.
    // Conversions: 4/5 = 80, 3/4 = 75, 2/3 = 66.7, won 2 of 2 = 100; to Won: 2/5, 2/4, 2/3, 2/2.
    // Days in stage (finished stays): s0: A 2, B 1, C 3, D 4 → 2.5; s1: A 1, B 1, C 5 → 2.3;
    // s2: A 2, B 1, D 1 + 12 (before and after the reopening) → 16/3 = 5.3; s3: B 2.
    assert_eq!(
        stage_figures(&f),
        vec![
            (5, "1050000.00".into(), o("80.0"), o("40.0"), o("2.5")),
            (4, "1000000.00".into(), o("75.0"), o("50.0"), o("2.3")),
            (3, "700000.00".into(), o("66.7"), o("66.7"), o("5.3")),
            (2, "600000.00".into(), o("100.0"), o("100.0"), o("2.0")),
        ]
    );
    // D was lost, then reopened and won: it counts as won, not lost.
    assert_eq!(f["won"], json!({"deals": 2, "amount": "600000.00"}));
    assert_eq!(f["lost"], json!({"deals": 1, "amount": "300000.00"}));
    assert_eq!(f["total"], json!({"deals": 5, "amount": "1050000.00"}));
    assert_eq!(f["win_rate"], "66.7");

    // The other pipeline: F alone, straight to won.
    let (_, fq) = t
        .app
        .get(
            &t.app.admin,
            &format!("/api/v1/reports/funnel?{YEAR}&pipeline_id={}", t.q),
        )
        .await;
    assert_eq!(fq["won"], json!({"deals": 1, "amount": "500000.00"}));
    assert_eq!(fq["stages"][0]["deals"], 1);

    // A period that holds only March: C and D.
    let (_, mar) = t
        .app
        .get(
            &t.app.admin,
            "/api/v1/reports/funnel?from=2026-03-01&to=2026-03-31",
        )
        .await;
    assert_eq!(mar["total"]["deals"], 2);
    assert_eq!(mar["stages"][2]["deals"], 1, "only D reached s2");
}

#[tokio::test]
async fn managers_count_only_what_they_may_see() {
    let t = shaped().await;
    // m1's team does not share records: m1 sees A, B, D.
    let (_, f) = t
        .app
        .get(&t.m1, &format!("/api/v1/reports/funnel?{YEAR}"))
        .await;
    assert_eq!(f["total"], json!({"deals": 3, "amount": "700000.00"}));
    assert_eq!(f["stages"][0]["deals"], 3);
    assert_eq!(f["lost"]["deals"], 0);
    assert_eq!(f["win_rate"], "100.0");
    // Asking for a colleague's figures gives nothing, not the colleague's.
    let (_, other) = t
        .app
        .get(
            &t.m1,
            &format!("/api/v1/reports/funnel?{YEAR}&owner_id={}", t.m2_id),
        )
        .await;
    assert_eq!(other["total"]["deals"], 0);
    let (_, team) = t
        .app
        .get(
            &t.m1,
            &format!("/api/v1/reports/funnel?{YEAR}&team_id={}", t.team),
        )
        .await;
    assert_eq!(team["total"]["deals"], 3, "a team filter never widens");
    // The head of sales filters by owner and by team.
    let (_, m2) = t
        .app
        .get(
            &t.app.admin,
            &format!("/api/v1/reports/funnel?{YEAR}&owner_id={}", t.m2_id),
        )
        .await;
    assert_eq!(m2["total"], json!({"deals": 2, "amount": "350000.00"}));
    let (_, all) = t
        .app
        .get(
            &t.app.admin,
            &format!("/api/v1/reports/funnel?{YEAR}&team_id={}", t.team),
        )
        .await;
    assert_eq!(all["total"]["deals"], 5);
    // Every report applies the same rule.
    let (_, dynm) = t
        .app
        .get(&t.m2, &format!("/api/v1/reports/dynamics?{YEAR}"))
        .await;
    let new: i64 = dynm
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["new"]["deals"].as_i64().unwrap())
        .sum();
    assert_eq!(new, 2, "m2 created C and E in 2026: {dynm}");
    let (_, opp) = t
        .app
        .get(
            &t.m2,
            &format!("/api/v1/reports/opportunities?{YEAR}&by=owner"),
        )
        .await;
    assert_eq!(opp.as_array().unwrap().len(), 1);
    let (_, losses) = t
        .app
        .get(&t.m1, &format!("/api/v1/reports/losses?{YEAR}"))
        .await;
    assert_eq!(losses["reasons"], json!([]), "C is m2's loss");
    assert_eq!(losses["competitors"][0]["lost"]["deals"], 0);
}

#[tokio::test]
async fn pipeline_as_it_stood_on_a_day() {
    let t = shaped().await;
    // End of 5 March (Moscow): A in s1 (back since 02-06), C in s1 (since 03-04),
    // D in s0 (moved on 03-06), B won, G lost (in 2025, and still lost); E did not
    // exist yet, F is in the other pipeline.
    let (s, v) = t
        .app
        .get(
            &t.app.admin,
            "/api/v1/reports/pipeline-as-of?date=2026-03-05",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let got: Vec<(i64, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["deals"].as_i64().unwrap(), s["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "400000.00"),
            (2, "400000.00"),
            (0, "0.00"),
            (0, "0.00"),
            (1, "200000.00"),
            (1, "70000.00")
        ]
    );
    // End of 7 March: D was lost then (reopened only on 03-20).
    let (_, v) = t
        .app
        .get(
            &t.app.admin,
            "/api/v1/reports/pipeline-as-of?date=2026-03-07",
        )
        .await;
    assert_eq!(v[5]["deals"], 2, "G and D");
    assert_eq!(v[5]["kind"], "lost");
    assert_eq!(v[0]["deals"], 0);
}

#[tokio::test]
async fn forecast_dynamics_losses_opportunities() {
    let t = shaped().await;
    let a = &t.app.admin;
    // Forecast by month, January–June: won B (02-15) and F (02-25) by m1 in February,
    // D (04-01) in April; open A expected in May at 30 % → 30 000; E in June at 50 % → 25 000.
    let (s, fc) = t
        .app
        .get(
            a,
            "/api/v1/reports/forecast?from=2026-01-01&to=2026-06-30&grain=month",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{fc}");
    let rows: Vec<(String, i64, String, String, i64, String)> = fc
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_owned(),
                r["owner_id"].as_i64().unwrap(),
                r["open"]["amount"].as_str().unwrap().to_owned(),
                r["weighted"].as_str().unwrap().to_owned(),
                r["won"]["deals"].as_i64().unwrap(),
                r["won"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "2026-02".into(),
                t.m1_id,
                "0.00".into(),
                "0.00".into(),
                2,
                "700000.00".into()
            ),
            (
                "2026-04".into(),
                t.m1_id,
                "0.00".into(),
                "0.00".into(),
                1,
                "400000.00".into()
            ),
            (
                "2026-05".into(),
                t.m1_id,
                "100000.00".into(),
                "30000.00".into(),
                0,
                "0.00".into()
            ),
            (
                "2026-06".into(),
                t.m2_id,
                "50000.00".into(),
                "25000.00".into(),
                0,
                "0.00".into()
            ),
        ]
    );
    let (_, fq) = t
        .app
        .get(
            a,
            "/api/v1/reports/forecast?from=2026-01-01&to=2026-12-31&grain=quarter",
        )
        .await;
    assert_eq!(fq[0]["period"], "2026-Q1");
    assert_eq!(fq[0]["won"]["amount"], "700000.00");

    // Dynamics by month: new Feb A, B, F = 800 000; Mar C, D = 700 000; Apr E = 50 000.
    // Won Feb B, F; Apr D. Lost Mar C (D's March loss was undone by the reopening).
    let (_, dy) = t
        .app
        .get(
            a,
            "/api/v1/reports/dynamics?from=2026-01-01&to=2026-04-30&grain=month",
        )
        .await;
    let d: Vec<(i64, i64, i64)> = dy
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["new"]["deals"].as_i64().unwrap(),
                r["won"]["deals"].as_i64().unwrap(),
                r["lost"]["deals"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(d, vec![(0, 0, 0), (3, 2, 0), (2, 0, 1), (1, 1, 0)]);
    assert_eq!(dy[1]["new"]["amount"], "800000.00");
    assert_eq!(dy[0]["period"], "2026-01");

    // Losses in 2026: C alone (reason R1); G was lost in 2025.
    let (_, l) = t
        .app
        .get(a, &format!("/api/v1/reports/losses?{YEAR}"))
        .await;
    assert_eq!(l["reasons"].as_array().unwrap().len(), 1, "{l}");
    assert_eq!(
        l["reasons"][0]["lost"],
        json!({"deals": 1, "amount": "300000.00"})
    );
    assert_eq!(l["reasons"][0]["share"], "100.0");
    // Against the competitor: won B and D (600 000), lost C (300 000).
    assert_eq!(l["competitors"][0]["competitor"], "Конкурент Икс");
    assert_eq!(
        l["competitors"][0]["won"],
        json!({"deals": 2, "amount": "600000.00"})
    );
    assert_eq!(
        l["competitors"][0]["lost"],
        json!({"deals": 1, "amount": "300000.00"})
    );
    assert_eq!(l["competitors"][0]["win_rate"], "66.7");

    // Opportunities by owner: m1 created A, B, D, F (1 200 000), won B, D, F;
    // average won deal (200 000 + 400 000 + 500 000) / 3; cycle (5 + 30 + 5) / 3 = 13.3 days.
    // m2 created C and E in 2026 (G in 2025): lost C, won none.
    let (_, op) = t
        .app
        .get(a, &format!("/api/v1/reports/opportunities?{YEAR}&by=owner"))
        .await;
    assert_eq!(op[0]["key"], "m1");
    assert_eq!(op[0]["total"], json!({"deals": 4, "amount": "1200000.00"}));
    assert_eq!(op[0]["won"]["deals"], 3);
    assert_eq!(op[0]["win_rate"], "100.0");
    assert_eq!(op[0]["avg_won_amount"], "366666.67");
    assert_eq!(op[0]["avg_cycle_days"], "13.3");
    assert_eq!(op[1]["key"], "m2");
    assert_eq!(op[1]["win_rate"], "0.0");
    assert_eq!(op[1]["avg_won_amount"], Value::Null);
    let (_, bp) = t
        .app
        .get(
            a,
            &format!("/api/v1/reports/opportunities?{YEAR}&by=pipeline"),
        )
        .await;
    assert_eq!(bp.as_array().unwrap().len(), 2);
    assert_eq!(bp[1]["key"], "Тендеры");

    // Bad parameters are named.
    let (s, e) = t
        .app
        .get(
            a,
            "/api/v1/reports/funnel?from=2026-05-01&to=2026-04-01&owner_id=x",
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["owner_id", "to"]);
    let (s, _) = t
        .app
        .get(a, "/api/v1/reports/opportunities?by=colour")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn manager_activity_and_gross_profit() {
    let t = shaped().await;
    let app = &t.app;
    let [a, b, _c, d, ..] = t.deals[..] else {
        panic!()
    };
    let act = |body: Value| async move {
        app.create(&app.admin, "/api/v1/activities", body).await["id"]
            .as_i64()
            .unwrap()
    };
    // m1: a logged call and a completed task in March, an open task due in January (overdue).
    let call = act(
        json!({"kind": "interaction", "channel": "call", "subject": "Звонок",
        "related_type": "deal", "related_id": a, "owner_id": t.m1_id}),
    )
    .await;
    let done = act(
        json!({"kind": "task", "subject": "КП", "related_type": "deal", "related_id": a,
        "due_at": "2026-03-10T10:00:00Z", "status": "completed", "owner_id": t.m1_id}),
    )
    .await;
    act(
        json!({"kind": "task", "subject": "Перезвонить", "related_type": "deal", "related_id": a,
        "due_at": "2026-01-10T10:00:00Z", "owner_id": t.m1_id}),
    )
    .await;
    // m2: a meeting held in March; a planned one does not count.
    let meet = act(
        json!({"kind": "event", "subject": "Встреча", "related_type": "deal", "related_id": a,
        "start_at": "2026-03-12T10:00:00Z", "end_at": "2026-03-12T11:00:00Z", "owner_id": t.m2_id}),
    )
    .await;
    act(
        json!({"kind": "event", "subject": "Ещё встреча", "related_type": "deal", "related_id": a,
        "start_at": "2026-03-13T10:00:00Z", "end_at": "2026-03-13T11:00:00Z", "owner_id": t.m2_id}),
    )
    .await;
    // m2's calls logged with a start: one in March counts, one that began
    // in February not, though logged as done in March.
    for start in ["2026-03-14T10:00:00Z", "2026-02-14T10:00:00Z"] {
        let id = act(
            json!({"kind": "interaction", "channel": "call", "subject": "Звонок",
                   "related_type": "deal", "related_id": a, "owner_id": t.m2_id,
                   "start_at": start}),
        )
        .await;
        sql(
            app,
            &format!("UPDATE activities SET completed_at = $1 WHERE id = {id}"),
            &["2026-03-20T10:00:00.000000Z"],
        )
        .await;
    }
    // m2's meeting logged without a start, done in March: a meeting by its
    // completion.
    let logged = act(
        json!({"kind": "interaction", "channel": "meeting", "subject": "Встреча у клиента",
               "related_type": "deal", "related_id": a, "owner_id": t.m2_id}),
    )
    .await;
    sql(
        app,
        &format!("UPDATE activities SET completed_at = $1, start_at = NULL WHERE id = {logged}"),
        &["2026-03-21T10:00:00.000000Z"],
    )
    .await;
    let (s, v) = app
        .patch(
            &app.admin,
            &format!("/api/v1/activities/{meet}"),
            json!({"status": "held"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for id in [call, done] {
        sql(
            app,
            &format!("UPDATE activities SET completed_at = $1, start_at = NULL WHERE id = {id}"),
            &["2026-03-11T10:00:00.000000Z"],
        )
        .await;
    }
    let (s, r) = app
        .get(
            &app.admin,
            "/api/v1/reports/activity?from=2026-03-01&to=2026-03-31",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r,
        json!([
            {"owner_id": t.m1_id, "owner": "m1", "calls": 1, "meetings": 0, "tasks_done": 1, "tasks_overdue": 1},
            {"owner_id": t.m2_id, "owner": "m2", "calls": 1, "meetings": 2, "tasks_done": 0, "tasks_overdue": 0}
        ])
    );
    // A manager sees their own row, with the same figures.
    let (_, mine) = app
        .get(
            &t.m2,
            "/api/v1/reports/activity?from=2026-03-01&to=2026-03-31",
        )
        .await;
    assert_eq!(mine, json!([r[1]]));

    // Gross profit from deal products: B sells for 150 000 net at a cost of 90 000,
    // D for 300 000 at 240 000 (two lines). Profit B 60 000 (40 %), D 60 000 (20 %).
    // Saved as a manager saves them, on deals already won, keeping the
    // amounts typed on the deals.
    for (deal, lines) in [
        (b, vec![("Станок", "150000", "90000")]),
        (
            d,
            vec![
                ("Монтаж", "100000", "40000"),
                ("Станок", "200000", "200000"),
                ("Упаковка", "0", "0"),
            ],
        ),
    ] {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(name, price, cost)| {
                json!({"name": name, "quantity": "1", "unit_price": price, "unit_cost": cost})
            })
            .collect();
        let (s, v) = app
            .put(
                &app.admin,
                &format!("/api/v1/deals/{deal}/products"),
                json!({"lines": lines, "amount_from_lines": false}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=deal"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{gp}");
    assert_eq!(
        gp,
        json!([
            {"key": "B", "deal_id": b, "revenue": "150000.00", "cost": "90000.00", "profit": "60000.00", "margin": "40.0"},
            {"key": "D", "deal_id": d, "revenue": "300000.00", "cost": "240000.00", "profit": "60000.00", "margin": "20.0"}
        ])
    );
    // Two deals of one title are two rows: each is its own deal.
    sql(
        app,
        &format!("UPDATE deals SET title = 'B' WHERE id = {d}"),
        &[],
    )
    .await;
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=deal"),
        )
        .await;
    assert_eq!(
        (gp[0]["deal_id"].as_i64(), gp[1]["deal_id"].as_i64()),
        (Some(b), Some(d)),
        "{gp}"
    );
    assert_eq!((&gp[0]["key"], &gp[1]["key"]), (&json!("B"), &json!("B")));
    assert_eq!(gp[1]["revenue"], "300000.00");
    sql(
        app,
        &format!("UPDATE deals SET title = 'D' WHERE id = {d}"),
        &[],
    )
    .await;
    // By product: Станок 350 000 − 290 000 = 60 000; Монтаж 100 000 − 40 000 = 60 000.
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=product"),
        )
        .await;
    assert_eq!(gp[0]["key"], "Монтаж");
    assert_eq!(gp[1]["revenue"], "350000.00");
    // A line given away is sold too, for nothing.
    assert_eq!(
        gp[2],
        json!({"key": "Упаковка", "revenue": "0.00", "cost": "0.00", "profit": "0.00", "margin": null})
    );
    // By month: B in February, D in April.
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=period"),
        )
        .await;
    assert_eq!(gp[0]["key"], "2026-02");
    assert_eq!(gp[0]["revenue"], "150000.00");
    assert_eq!(gp[1]["key"], "2026-04");
    assert_eq!(gp[1]["profit"], "60000.00");
    // A range that cuts a month counts only its part: B was won on 15 February.
    let (_, gp) = app
        .get(
            &app.admin,
            "/api/v1/reports/gross-profit?from=2026-02-16&to=2026-04-30&by=period",
        )
        .await;
    assert_eq!(gp.as_array().map(Vec::len), Some(1), "{gp}");
    assert_eq!(gp[0]["key"], "2026-04");
    // By owner: both deals are m1's.
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=owner"),
        )
        .await;
    assert_eq!(
        gp,
        json!([{"key": "m1", "revenue": "450000.00", "cost": "330000.00", "profit": "120000.00", "margin": "26.7"}])
    );
    // The pipeline filter: both deals are the first pipeline's.
    for by in ["deal", "product", "owner", "period"] {
        let path = format!("/api/v1/reports/gross-profit?{YEAR}&by={by}");
        let (_, all) = app.get(&app.admin, &path).await;
        let (_, first) = app
            .get(&app.admin, &format!("{path}&pipeline_id={}", t.p))
            .await;
        assert_eq!(first, all, "{by}");
        let (_, other) = app
            .get(&app.admin, &format!("{path}&pipeline_id={}", t.q))
            .await;
        assert_eq!(other, json!([]), "{by}");
    }
    // m2 sees neither deal.
    let (_, gp) = app
        .get(
            &t.m2,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=owner"),
        )
        .await;
    assert_eq!(gp, json!([]));
    // No invoices yet: the invoice-based report is empty, not an error.
    let (s, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&source=invoices"),
        )
        .await;
    assert_eq!((s, gp), (StatusCode::OK, json!([])));

    // Invoiced: each deal's products on an invoice issued in May. Two
    // deals of one title are two rows from invoices too; a draft counts
    // for nothing.
    for (deal, issue) in [(b, true), (d, true), (b, false)] {
        let inv = app
            .create(
                &app.admin,
                &format!("/api/v1/deals/{deal}/invoices"),
                json!({"doc_date": "2026-05-10"}),
            )
            .await;
        if !issue {
            continue;
        }
        let (s, v) = app
            .post(
                &app.admin,
                &format!("/api/v1/invoices/{}/send", inv["id"]),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    sql(
        app,
        &format!("UPDATE deals SET title = 'B' WHERE id = {d}"),
        &[],
    )
    .await;
    let (s, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&source=invoices&by=deal"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{gp}");
    assert_eq!(
        gp,
        json!([
            {"key": "B", "deal_id": b, "revenue": "150000.00", "cost": "90000.00", "profit": "60000.00", "margin": "40.0"},
            {"key": "B", "deal_id": d, "revenue": "300000.00", "cost": "240000.00", "profit": "60000.00", "margin": "20.0"}
        ])
    );
    let (_, gp) = app
        .get(
            &app.admin,
            &format!(
                "/api/v1/reports/gross-profit?{YEAR}&source=invoices&by=deal&limit=1&offset=1"
            ),
        )
        .await;
    assert_eq!(gp.as_array().map(Vec::len), Some(1), "{gp}");
    assert_eq!(gp[0]["deal_id"], json!(d));
    // By product the invoices hold the deals' products: the won deals'
    // figures; by owner they are the administrator's, who issued them; by
    // month both are May's, when they were issued.
    let path = format!("/api/v1/reports/gross-profit?{YEAR}&by=product");
    let (_, deals) = app.get(&app.admin, &path).await;
    let (_, invoices) = app
        .get(&app.admin, &format!("{path}&source=invoices"))
        .await;
    assert_eq!(invoices, deals);
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=owner&source=invoices"),
        )
        .await;
    assert_eq!(
        gp,
        json!([{"key": "Админ", "revenue": "450000.00", "cost": "330000.00", "profit": "120000.00", "margin": "26.7"}])
    );
    let may = json!([{"key": "2026-05", "revenue": "450000.00", "cost": "330000.00", "profit": "120000.00", "margin": "26.7"}]);
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=period&source=invoices"),
        )
        .await;
    assert_eq!(gp, may);
    // A range ending the day before they were dated counts neither; one
    // starting on that day counts both.
    for (range, expected) in [
        ("from=2026-01-01&to=2026-05-09", json!([])),
        ("from=2026-05-10&to=2026-05-10", may.clone()),
    ] {
        let (_, gp) = app
            .get(
                &app.admin,
                &format!("/api/v1/reports/gross-profit?{range}&by=period&source=invoices"),
            )
            .await;
        assert_eq!(gp, expected, "{range}");
    }
    // The pipeline filter: both deals are the first pipeline's.
    for by in ["deal", "product", "owner", "period"] {
        let path = format!("/api/v1/reports/gross-profit?{YEAR}&by={by}&source=invoices");
        let (_, all) = app.get(&app.admin, &path).await;
        let (_, first) = app
            .get(&app.admin, &format!("{path}&pipeline_id={}", t.p))
            .await;
        assert_eq!(first, all, "{by}");
        let (_, other) = app
            .get(&app.admin, &format!("{path}&pipeline_id={}", t.q))
            .await;
        assert_eq!(other, json!([]), "{by}");
    }
    // An invoice given to m2, who may not see its deal (m1's): m2 counts
    // it under the deal's title, without the id of a deal they cannot open.
    sql(
        app,
        &format!(
            "UPDATE invoices SET owner_id = {} WHERE deal_id = {d} AND status <> 'draft'",
            t.m2_id
        ),
        &[],
    )
    .await;
    let (s, gp) = app
        .get(
            &t.m2,
            &format!("/api/v1/reports/gross-profit?{YEAR}&source=invoices&by=deal"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{gp}");
    assert_eq!(
        gp,
        json!([
            {"key": "B", "revenue": "300000.00", "cost": "240000.00", "profit": "60000.00", "margin": "20.0"}
        ])
    );
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&source=invoices&by=deal"),
        )
        .await;
    assert_eq!(gp[1]["deal_id"], json!(d), "{gp}");
    // The administrator asking for m2's invoices alone may still open the
    // deal: the link follows the user's rights, not the report's filter.
    let (_, gp) = app
        .get(
            &app.admin,
            &format!(
                "/api/v1/reports/gross-profit?{YEAR}&source=invoices&by=deal&owner_id={}",
                t.m2_id
            ),
        )
        .await;
    assert_eq!(gp.as_array().map(Vec::len), Some(1), "{gp}");
    assert_eq!(gp[0]["deal_id"], json!(d), "{gp}");
    // A won deal whose products are all taken off has no row by deal.
    let (s, v) = app
        .put(
            &app.admin,
            &format!("/api/v1/deals/{b}/products"),
            json!({"lines": [], "amount_from_lines": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, gp) = app
        .get(
            &app.admin,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=deal"),
        )
        .await;
    assert_eq!(gp.as_array().map(Vec::len), Some(1), "{gp}");
    assert_eq!(gp[0]["deal_id"], json!(d));
}

/// The lines of a CSV export, without its byte order mark.
async fn csv_lines(app: &TestApp, c: &Client, path: &str) -> Vec<String> {
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let text = r.text().await.unwrap();
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::to_owned)
        .collect()
}

async fn page(t: &Shaped, c: &Client, path: &str) -> String {
    let r = c.get(t.app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn report_pages_in_both_languages_with_chart_and_table() {
    let t = shaped().await;
    let body = page(&t, &t.app.admin, &format!("/reports/funnel?{YEAR}")).await;
    assert!(body.contains("Воронка продаж") && body.contains("<svg") && body.contains("<table"));
    // Locale formatting: 1 050 000,00 ₽ with no-break spaces; conversion 66,7.
    assert!(body.contains("1\u{a0}050\u{a0}000,00\u{a0}₽"), "{body}");
    assert!(body.contains("66,7"));
    // The team filter offers the team, and narrows the report to it; days
    // are typed in the user's format and read back as such.
    assert!(
        body.contains("name=\"team_id\"") && body.contains("Продажи"),
        "{body}"
    );
    let by_team = page(
        &t,
        &t.app.admin,
        &format!(
            "/reports/funnel?from=01.01.2026&to=31.12.2026&team_id={}",
            t.team
        ),
    )
    .await;
    assert!(by_team.contains("value=\"01.01.2026\""), "{by_team}");
    assert!(by_team.contains("<svg") && by_team.contains("<table"));
    assert!(
        body.contains("href=\"/reports\""),
        "the navigation links the section"
    );
    for name in [
        "as-of?date=2026-03-05",
        "forecast?from=2026-01-01&to=2026-06-30",
        "dynamics?from=2026-01-01&to=2026-04-30&grain=week",
        "losses?from=2026-01-01&to=2026-12-31",
        "opportunities?from=2026-01-01&to=2026-12-31&by=industry",
    ] {
        let body = page(&t, &t.app.admin, &format!("/reports/{name}")).await;
        assert!(body.contains("<svg") && body.contains("<table"), "{name}");
    }
    // No deal in the set has products, nobody logged an activity: an empty
    // report says so instead of drawing an empty chart.
    for name in [
        "gross-profit?from=2026-01-01&to=2026-12-31&by=period",
        "activity?from=2026-01-01&to=2026-12-31",
    ] {
        let body = page(&t, &t.app.admin, &format!("/reports/{name}")).await;
        assert!(!body.contains("<svg") && !body.contains("<table"), "{name}");
        assert!(body.contains("Нет данных за выбранный период"), "{name}");
    }
    // A bad filter is shown, not a crash.
    let body = page(
        &t,
        &t.app.admin,
        "/reports/funnel?from=2026-05-01&to=2026-04-01",
    )
    .await;
    assert!(body.contains("role=\"alert\""));
    let r = t
        .app
        .admin
        .get(t.app.url("/reports/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // In English, for a manager: their own figures only, English number format.
    let (s, _) = t
        .app
        .patch(&t.m1, "/api/v1/me", json!({"locale": "en"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let body = page(&t, &t.m1, &format!("/reports/funnel?{YEAR}")).await;
    assert!(
        body.contains("Sales funnel") && body.contains("To won, %"),
        "{body}"
    );
    assert!(body.contains("₽700,000.00"), "A + B + D only: {body}");
    assert!(!body.contains("1,050,000"));
    // The dashboard carries the funnel and the forecast widgets.
    let body = page(&t, &t.m1, "/").await;
    assert!(body.contains("/reports/forecast") && body.contains("My forecast by month"));
}

#[tokio::test]
async fn exports_read_back() {
    use calamine::{Data, Reader, Xlsx};
    let t = shaped().await;
    let path = format!("/reports/funnel/export?format=xlsx&{YEAR}");
    let r = t.app.admin.get(t.app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    assert_eq!(sheet, "Воронка продаж");
    let range = book.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0], Data::String("Стадия".into()));
    // The same figures as the JSON funnel: s0 5 deals, 1 050 000; 80 % onwards.
    assert_eq!(rows[1][1], Data::Float(5.0));
    assert_eq!(rows[1][2], Data::Float(1_050_000.0));
    assert_eq!(rows[1][3], Data::Float(80.0));
    assert_eq!(rows[3][5], Data::Float(5.3));
    assert_eq!(rows[5][0], Data::String("Успешные".into()));
    assert_eq!(rows[5][4], Data::Float(66.7), "win rate");
    assert_eq!(rows.len(), 7, "header, four stages, won, lost");

    // A manager's export holds only what they see.
    let lines = csv_lines(
        &t.app,
        &t.m2,
        &format!("/reports/opportunities/export?format=csv&{YEAR}&by=owner"),
    )
    .await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].starts_with("m2,2,350000.00,0,1,0.0,,"),
        "{lines:?}"
    );
    let r = t
        .app
        .admin
        .get(t.app.url("/reports/funnel/export?format=pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// A year's gross profit by deal on a busy CRM lists thousands of deals:
/// the page draws the most profitable ones and shows the first rows, and
/// says so; the export keeps every row.
#[tokio::test]
async fn a_long_report_page_shows_its_first_rows_and_exports_them_all() {
    use voronka_core::records::Deal;
    let app = TestApp::spawn().await;
    let (_, m1_id) = app.user("m1", "manager", None).await;
    let won = app
        .stages()
        .await
        .into_iter()
        .find(|s| s["kind"] == "won")
        .unwrap();
    let account = app
        .create(
            &app.admin,
            "/api/v1/accounts",
            json!({"name": "ООО «Ромашка»"}),
        )
        .await["id"]
        .clone();
    let sys = voronka_store::Actor::system();
    for i in 0..501 {
        let _: Deal = voronka_store::rules::create(
            &app.db,
            &sys,
            json!({"title": format!("Сделка {i:03}"), "amount": "100", "owner_id": m1_id,
                   "account_id": account, "stage_id": won["id"]}),
        )
        .await
        .unwrap();
    }
    // One line each, the profit growing with the deal: the last created
    // is the most profitable, the first the least. The deal keeps the sums
    // of its lines, as saving products writes them.
    sql(
        &app,
        "UPDATE deals SET closed_at = '2026-03-02T10:00:00.000000Z', \
         lines_net_minor = 10000 + id, lines_cost_minor = 6000, lines_count = 1",
        &[],
    )
    .await;
    sql(
        &app,
        "INSERT INTO doc_lines (doc_kind, doc_id, position, name, unit_code, quantity_milli, \
         unit_price_minor, vat_rate, unit_cost_minor, amount_minor, discount_minor, net_minor, \
         vat_minor, total_minor, cost_minor) SELECT 'deal', id, 0, title, '796', 1000, 10000, \
         'none', 6000, 10000, 0, 10000 + id, 0, 10000 + id, 6000 FROM deals",
        &[],
    )
    .await;
    let c = signed_in(&app, "admin").await;
    let body = ok_page(&app, &c, &format!("/reports/gross-profit?{YEAR}&by=deal")).await;
    assert_eq!(body.matches("<th scope=\"row\">").count(), 500, "{body}");
    // Each row opens its deal.
    let best = sql_i(&app, "SELECT MAX(id) FROM deals", &[]).await[0];
    assert!(
        body.contains(&format!(
            "<th scope=\"row\"><a href=\"/deals/{best}\">Сделка 500</a>"
        )),
        "{body}"
    );
    assert!(
        body.contains("Показаны первые 500 строк из 501; все строки — в выгрузке CSV и XLSX."),
        "{body}"
    );
    assert!(body.contains("Сделка 500") && !body.contains("Сделка 000"));
    // The next rows are a link away, with the same filters.
    let next = format!(
        "/reports/gross-profit?offset=500&amp;{}&amp;by=deal",
        YEAR.replace('&', "&amp;")
    );
    assert!(
        body.contains(&format!("<a href=\"{next}\">Следующие строки →</a>")),
        "{body}"
    );
    assert!(!body.contains("Предыдущие строки"), "{body}");
    let rest = ok_page(&app, &c, &unescape(&next)).await;
    assert_eq!(rest.matches("<th scope=\"row\">").count(), 1, "{rest}");
    assert!(
        rest.contains("Сделка 000") && !rest.contains("Сделка 001"),
        "{rest}"
    );
    assert!(rest.contains("Показаны строки 501–501 из 501"), "{rest}");
    assert!(
        rest.contains("Предыдущие строки") && !rest.contains("Следующие строки"),
        "{rest}"
    );
    assert!(
        rest.contains("Валовая прибыль: строки 501–501 по прибыли"),
        "{rest}"
    );
    // Past the last row: the way back to the last page.
    let far = ok_page(
        &app,
        &c,
        &format!("/reports/gross-profit?offset=1000&{YEAR}&by=deal"),
    )
    .await;
    assert!(
        far.contains("Строк в отчёте: 501, так далеко их нет."),
        "{far}"
    );
    assert!(far.contains(&format!("<a href=\"/reports/gross-profit?offset=500&amp;{}&amp;by=deal\">Последние строки →</a>", YEAR.replace('&', "&amp;"))), "{far}");
    let (s, bad) = crate::helpers::page(
        &app,
        &c,
        &format!("/reports/gross-profit?{YEAR}&by=deal&offset=x"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(bad.contains("offset: "), "{bad}");
    // The chart: the 25 most profitable deals, and its title says so.
    assert!(
        body.contains("Валовая прибыль: первые 25 по прибыли"),
        "{body}"
    );
    assert_eq!(body.matches("<g><title>").count(), 25, "{body}");
    assert!(body.contains("<title>Сделка 476: ") && !body.contains("<title>Сделка 475: "));
    let lines = csv_lines(
        &app,
        &c,
        &format!("/reports/gross-profit/export?format=csv&{YEAR}&by=deal"),
    )
    .await;
    assert_eq!(lines.len(), 502, "a header and every deal");
    assert!(lines[501].starts_with("Сделка 000,"), "{}", lines[501]);

    // The JSON pages through the ranking and tells how many rows there are.
    let window = |q: &'static str| {
        let (app, c) = (&app, &app.admin);
        async move {
            let r = c
                .get(app.url(&format!("/api/v1/reports/gross-profit?{YEAR}&{q}")))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let total = r
                .headers()
                .get("x-total-count")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body: Value = r.json().await.unwrap();
            (status, total, body)
        }
    };
    let keys = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_owned())
            .collect()
    };
    let (s, total, v) = window("by=deal&limit=2&offset=1").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(total.as_deref(), Some("501"));
    assert_eq!(keys(&v), ["Сделка 499", "Сделка 498"]);
    let (_, total, v) = window("by=deal&limit=10&offset=498").await;
    assert_eq!(
        (total.as_deref(), keys(&v)),
        (
            Some("501"),
            vec![
                "Сделка 002".to_owned(),
                "Сделка 001".to_owned(),
                "Сделка 000".to_owned()
            ]
        )
    );
    let (_, total, v) = window("by=deal&offset=600").await;
    assert_eq!((total.as_deref(), v), (Some("501"), json!([])));
    let (_, total, v) = window("by=deal").await;
    assert_eq!(
        (total.as_deref(), v.as_array().map(Vec::len)),
        (Some("501"), Some(501))
    );
    for (q, field) in [
        ("by=deal&limit=0", "limit"),
        ("by=deal&limit=ten", "limit"),
        ("by=deal&offset=-1", "offset"),
        ("by=deal&offset=18446744073709551615", "offset"),
    ] {
        let (s, _, v) = window(q).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
        assert!(v["error"]["fields"][field].is_string(), "{q}: {v}");
    }

    // By week the chart keeps every period, in order of time: the deals
    // won over 30 weeks, the roll-ups recounted after the hand edits.
    let first = time::Date::from_calendar_date(2026, time::Month::January, 5).unwrap();
    for w in 0..30 {
        let day = first + time::Duration::weeks(w);
        sql(
            &app,
            &format!("UPDATE deals SET closed_at = '{day}T10:00:00.000000Z' WHERE id % 30 = {w}"),
            &[],
        )
        .await;
    }
    voronka_store::rollup::rebuild(&app.db).await.unwrap();
    let body = ok_page(
        &app,
        &c,
        &format!("/reports/gross-profit?{YEAR}&by=period&grain=week"),
    )
    .await;
    assert_eq!(body.matches("<g><title>").count(), 30, "{body}");
    assert!(!body.contains("первые 25"), "{body}");
    // Groupings ranked in the server page the same way (each line is
    // typed with its deal's title for a name).
    let (_, total, v) = window("by=product&limit=3&offset=499").await;
    assert_eq!(
        (total.as_deref(), keys(&v)),
        (
            Some("501"),
            vec!["Сделка 001".to_owned(), "Сделка 000".to_owned()]
        )
    );
}

/// Periods are the user's (Moscow, UTC+3): the hours between a Moscow
/// midnight and the UTC one belong to the Moscow day. The roll-ups hold
/// whole UTC days; these deals sit in the hours left over at the ends of
/// 2026 and must be counted from the deals themselves.
#[tokio::test]
async fn period_edges_follow_the_users_time_zone() {
    let app = TestApp::spawn().await;
    let (_, m1_id) = app.user("m1", "manager", None).await;
    let st = app.stages().await;
    let (_, reasons) = app.get(&app.admin, "/api/v1/loss-reasons").await;
    let r1 = reasons[0]["id"].clone();
    let won = st.iter().find(|s| s["kind"] == "won").unwrap().clone();
    let lost = st.iter().find(|s| s["kind"] == "lost").unwrap().clone();
    // H: created 1 Jan 2026 01:00 Moscow (31 Dec 22:00 UTC), won an hour later.
    let h = deal(&app, m1_id, "H", "1000.00", json!({})).await;
    mv(&app, h, &won["id"], None).await;
    backdate(
        &app,
        h,
        &["2025-12-31T22:00:00", "2025-12-31T23:00:00"],
        Some("2025-12-31T23:00:00"),
    )
    .await;
    // I: created and lost on 1 Jan 2027 Moscow (31 Dec 2026 22:00 UTC): not 2026.
    let i = deal(&app, m1_id, "I", "2000.00", json!({})).await;
    mv(&app, i, &lost["id"], Some(&r1)).await;
    backdate(
        &app,
        i,
        &["2026-12-31T22:00:00", "2026-12-31T22:30:00"],
        Some("2026-12-31T22:30:00"),
    )
    .await;
    // J: created 31 Dec 2026 23:00 Moscow (20:00 UTC), still open: 2026.
    let j = deal(&app, m1_id, "J", "4000.00", json!({})).await;
    backdate(&app, j, &["2026-12-31T20:00:00"], None).await;
    // K: created 31 Dec 2025 23:00 and lost 23:59 Moscow: 2025, though its
    // UTC day is H's.
    let k = deal(&app, m1_id, "K", "8000.00", json!({})).await;
    mv(&app, k, &lost["id"], Some(&r1)).await;
    backdate(
        &app,
        k,
        &["2025-12-31T20:00:00", "2025-12-31T20:59:00"],
        Some("2025-12-31T20:59:00"),
    )
    .await;
    // H sold one line: its gross profit is January 2026's in Moscow,
    // though its UTC day is 31 December.
    let (s, v) = app
        .put(
            &app.admin,
            &format!("/api/v1/deals/{h}/products"),
            json!({"lines": [{"name": "Станок", "quantity": "1", "unit_price": "700", "unit_cost": "400"}],
                   "amount_from_lines": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    voronka_store::rollup::rebuild(&app.db).await.unwrap();
    let a = &app.admin;
    let (_, gp) = app
        .get(
            a,
            &format!("/api/v1/reports/gross-profit?{YEAR}&by=period&grain=month"),
        )
        .await;
    assert_eq!(
        gp,
        json!([{"key": "2026-01", "revenue": "700.00", "cost": "400.00", "profit": "300.00", "margin": "42.9"}])
    );
    let (_, gp) = app
        .get(
            a,
            "/api/v1/reports/gross-profit?from=2025-12-01&to=2025-12-31&by=product",
        )
        .await;
    assert_eq!(gp, json!([]), "H's day cell is 2025's, its hours are not");

    // The 2026 cohort is H (won) and J (open).
    let (s, f) = app.get(a, &format!("/api/v1/reports/funnel?{YEAR}")).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["total"], json!({"deals": 2, "amount": "5000.00"}));
    assert_eq!(f["won"], json!({"deals": 1, "amount": "1000.00"}));
    assert_eq!(f["lost"], json!({"deals": 0, "amount": "0.00"}));

    // By month: January has H created and won; December has J created; nothing lost in 2026.
    let (s, dy) = app
        .get(a, &format!("/api/v1/reports/dynamics?{YEAR}&grain=month"))
        .await;
    assert_eq!(s, StatusCode::OK, "{dy}");
    let rows = dy.as_array().unwrap();
    assert_eq!(rows.len(), 12);
    let figures = |r: &Value| {
        (
            r["new"]["deals"].as_i64().unwrap(),
            r["won"]["deals"].as_i64().unwrap(),
            r["lost"]["deals"].as_i64().unwrap(),
        )
    };
    assert_eq!(figures(&rows[0]), (1, 1, 0));
    assert_eq!(figures(&rows[11]), (1, 0, 0));
    assert!(rows[1..11].iter().all(|r| figures(r) == (0, 0, 0)), "{dy}");

    // No loss in 2026: I is 2027's, K is 2025's.
    let (s, l) = app.get(a, &format!("/api/v1/reports/losses?{YEAR}")).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["reasons"], json!([]));
    let (_, l) = app
        .get(a, "/api/v1/reports/losses?from=2025-12-01&to=2025-12-31")
        .await;
    assert_eq!(
        l["reasons"][0]["lost"],
        json!({"deals": 1, "amount": "8000.00"})
    );

    // Won in January 2026: H.
    let (s, fc) = app
        .get(
            a,
            "/api/v1/reports/forecast?from=2026-01-01&to=2026-01-31&grain=month",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{fc}");
    assert_eq!(fc[0]["won"], json!({"deals": 1, "amount": "1000.00"}));
    assert_eq!(fc.as_array().unwrap().len(), 1);

    // At the end of 31 Dec 2025 (Moscow): K already lost, H not yet created.
    // At the end of 1 Jan 2026: H won beside it.
    let at = |date: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .get(
                    &app.admin,
                    &format!("/api/v1/reports/pipeline-as-of?date={date}"),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v.as_array()
                .unwrap()
                .iter()
                .filter(|s| s["deals"] != 0)
                .map(|s| {
                    (
                        s["kind"].as_str().unwrap().to_owned(),
                        s["deals"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(at("2025-12-31").await, vec![("lost".to_owned(), 1)]);
    assert_eq!(
        at("2026-01-01").await,
        vec![("won".to_owned(), 1), ("lost".to_owned(), 1)]
    );

    // Opportunities of 2026 by the customer's territory: H (won after an
    // hour) and J, both of «Ромашка» in Moscow.
    let opp = |by: &'static str, period: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .get(
                    &app.admin,
                    &format!("/api/v1/reports/opportunities?{period}&by={by}"),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let t = opp("territory", YEAR).await;
    assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t[0]["key"], "Москва");
    assert_eq!(t[0]["total"], json!({"deals": 2, "amount": "5000.00"}));
    assert_eq!(t[0]["won"], json!({"deals": 1, "amount": "1000.00"}));
    assert_eq!(t[0]["win_rate"], "100.0");
    assert_eq!(t[0]["avg_cycle_days"], "0.0");
    let i = opp("industry", YEAR).await;
    assert_eq!(i[0]["key"], "Станки");
    // No source on any deal: one group without a name.
    let s = opp("source", YEAR).await;
    assert_eq!(s[0]["key"], "");
    assert_eq!(s[0]["total"]["deals"], 2);
    // K alone is December 2025's, though its UTC day is H's.
    let dec = opp("owner", "from=2025-12-01&to=2025-12-31").await;
    assert_eq!(dec[0]["key"], "m1");
    assert_eq!(dec[0]["total"], json!({"deals": 1, "amount": "8000.00"}));
    assert_eq!(dec[0]["lost"]["deals"], 1);

    // The customer moves to Kazan: its deals follow at once, with no recount.
    let (_, acc) = app.get(a, "/api/v1/accounts?q=Ромашка").await;
    let acc = acc["items"][0]["id"].as_i64().unwrap();
    let (st, body) = app
        .patch(
            a,
            &format!("/api/v1/accounts/{acc}"),
            json!({"territory": "Казань"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let t = opp("territory", YEAR).await;
    assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t[0]["key"], "Казань");
    assert_eq!(t[0]["total"], json!({"deals": 2, "amount": "5000.00"}));
    assert_eq!(
        opp("territory", "from=2025-12-01&to=2025-12-31").await[0]["key"],
        "Казань"
    );

    // A manager of no deals sees none of them.
    let (m2, _) = app.user("m2", "manager", None).await;
    let (s, v) = app
        .get(
            &m2,
            &format!("/api/v1/reports/opportunities?{YEAR}&by=territory"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!([]));
}
