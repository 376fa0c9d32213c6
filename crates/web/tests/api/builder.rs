//! The report builder against figures computed by hand from a small,
//! deliberately shaped set of deals.
//!
//! Default pipeline, open stages s0, s1, s2 in order. Users: the
//! administrator («Админ»), managers m1 and m2 of one team that does not
//! share (each sees only their own), m3 in no team. Everyone's time zone is
//! Europe/Moscow (UTC+3) unless a test changes it. src1, src2 are the first
//! two lead sources (src1 before src2).
//!
//! | deal | owner | stage | amount  | cur | source | created (UTC)        | title               |
//! |------|-------|-------|---------|-----|--------|----------------------|---------------------|
//! | A    | m1    | s0    | 100 000 | RUB | src1   | 2026-01-10 09:00     | Станки для Ромашки  |
//! | B    | m1    | s1    | 200 000 | RUB | src1   | 2026-01-20 09:00     | Поставка            |
//! | C    | m2    | s1    | 300 000 | RUB | src2   | 2026-02-05 09:00     | Монтаж              |
//! | D    | m2    | s0    |  50 000 | USD | —      | 2026-02-28 22:30     | Сервис              |
//! | E    | admin | s2    | 150 000 | RUB | src2   | 2026-03-15 09:00     | ромашка сервис      |
//!
//! D was created on 28 February in UTC but on 1 March in Moscow: the month
//! it falls in depends on the user's zone. Amounts are summed in RUB, so D
//! counts but adds nothing to sums, averages, minima or maxima.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct Shaped {
    app: TestApp,
    m1: Client,
    m2: Client,
    m3: Client,
    m1_id: i64,
    m2_id: i64,
    team: i64,
    src1: i64,
}

async fn set_created(app: &TestApp, deal: i64, at: &str) {
    let mut r = app.db.reader().await.unwrap();
    sqlx::query(&format!(
        "UPDATE deals SET created_at = $1 WHERE id = {deal}"
    ))
    .bind(format!("{at}.000000Z"))
    .execute(voronka_store::db::Conn::conn(&mut r))
    .await
    .unwrap();
}

async fn shaped() -> Shaped {
    let app = TestApp::spawn().await;
    let team = app.team("Продажи", false).await;
    let (m1, m1_id) = app.user("m1", "manager", Some(team)).await;
    let (m2, m2_id) = app.user("m2", "manager", Some(team)).await;
    let (m3, _) = app.user("m3", "manager", None).await;
    let (_, me) = app.get(&app.admin, "/api/v1/me").await;
    let admin_id = me["user"]["id"].as_i64().unwrap();
    let st = app.stages().await;
    let (_, sources) = app.get(&app.admin, "/api/v1/lead-sources").await;
    let src1 = sources[0]["id"].as_i64().unwrap();
    let src2 = sources[1]["id"].as_i64().unwrap();
    let account = app
        .create(
            &app.admin,
            "/api/v1/accounts",
            json!({"name": "ООО «Ромашка»"}),
        )
        .await["id"]
        .clone();
    let rows = [
        (
            "Станки для Ромашки",
            m1_id,
            0,
            "100000",
            "RUB",
            Some(src1),
            "2026-01-10T09:00:00",
        ),
        (
            "Поставка",
            m1_id,
            1,
            "200000",
            "RUB",
            Some(src1),
            "2026-01-20T09:00:00",
        ),
        (
            "Монтаж",
            m2_id,
            1,
            "300000",
            "RUB",
            Some(src2),
            "2026-02-05T09:00:00",
        ),
        (
            "Сервис",
            m2_id,
            0,
            "50000",
            "USD",
            None,
            "2026-02-28T22:30:00",
        ),
        (
            "ромашка сервис",
            admin_id,
            2,
            "150000",
            "RUB",
            Some(src2),
            "2026-03-15T09:00:00",
        ),
    ];
    for (title, owner, stage, amount, cur, source, at) in rows {
        let d = app
            .create(
                &app.admin,
                "/api/v1/deals",
                json!({"title": title, "owner_id": owner, "stage_id": st[stage]["id"],
                       "amount": amount, "currency": cur, "source_id": source,
                       "account_id": account}),
            )
            .await;
        set_created(&app, d["id"].as_i64().unwrap(), at).await;
    }
    // The stamps were rewritten behind the report roll-ups' back.
    voronka_store::rollup::rebuild(&app.db).await.unwrap();
    Shaped {
        app,
        m1,
        m2,
        m3,
        m1_id,
        m2_id,
        team,
        src1,
    }
}

async fn run(t: &Shaped, c: &Client, def: Value) -> Value {
    let (s, v) = t.app.post(c, "/api/v1/reports/builder", def).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Each row as its key labels and its values, for compact comparisons.
fn flat(v: &Value) -> Vec<(Vec<String>, Vec<Value>)> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k["label"].as_str().unwrap().to_owned())
                    .collect(),
                r["values"].as_array().unwrap().clone(),
            )
        })
        .collect()
}

fn keys(v: &Value) -> Vec<Vec<String>> {
    flat(v).into_iter().map(|r| r.0).collect()
}

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn count_by(v: &Value) -> Vec<(String, String)> {
    flat(v)
        .into_iter()
        .map(|(k, vals)| (k.join("/"), vals[0].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn builder_groups_by_owner_with_every_aggregate() {
    let t = shaped().await;
    let v = run(
        &t,
        &t.app.admin,
        json!({"entity": "deals", "group_by": [{"field": "owner"}],
               "aggregates": [{"func": "count"}, {"func": "sum", "field": "amount"},
                              {"func": "avg", "field": "amount"}, {"func": "min", "field": "amount"},
                              {"func": "max", "field": "amount"}]}),
    )
    .await;
    assert_eq!(
        v["aggregates"],
        json!([
            "count",
            "sum_amount",
            "avg_amount",
            "min_amount",
            "max_amount"
        ])
    );
    // m1: A + B. m2: C (+ D in USD: counted, not summed). Админ: E.
    assert_eq!(
        flat(&v),
        vec![
            (
                vec!["m1".into()],
                vec![
                    s("2"),
                    s("300000.00"),
                    s("150000.00"),
                    s("100000.00"),
                    s("200000.00")
                ]
            ),
            (
                vec!["m2".into()],
                vec![
                    s("2"),
                    s("300000.00"),
                    s("300000.00"),
                    s("300000.00"),
                    s("300000.00")
                ]
            ),
            (
                vec!["Админ".into()],
                vec![
                    s("1"),
                    s("150000.00"),
                    s("150000.00"),
                    s("150000.00"),
                    s("150000.00")
                ]
            ),
        ]
    );
    // Totals: 5 deals; 750 000 over the 4 rouble deals = 187 500; 100 000 … 300 000.
    assert_eq!(
        v["totals"],
        json!(["5", "750000.00", "187500.00", "100000.00", "300000.00"])
    );
    assert_eq!(v["rows"][0]["keys"][0]["value"], json!(t.m1_id.to_string()));

    // In dollars: only D counts in the sums.
    let v = run(
        &t,
        &t.app.admin,
        json!({"entity": "deals", "group_by": [{"field": "owner"}], "currency": "USD",
               "aggregates": [{"func": "sum", "field": "amount"}]}),
    )
    .await;
    assert_eq!(
        flat(&v)
            .into_iter()
            .map(|r| r.1[0].clone())
            .collect::<Vec<_>>(),
        vec![Value::Null, s("50000.00"), Value::Null]
    );
}

#[tokio::test]
async fn builder_two_levels_stage_then_source() {
    let t = shaped().await;
    let v = run(
        &t,
        &t.app.admin,
        json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "source"}]}),
    )
    .await;
    let (_, sources) = t.app.get(&t.app.admin, "/api/v1/lead-sources").await;
    let n1 = sources[0]["name"].as_str().unwrap().to_owned();
    let n2 = sources[1]["name"].as_str().unwrap().to_owned();
    let st = t.app.stages().await;
    let sn = |i: usize| st[i]["name"].as_str().unwrap().to_owned();
    // Stages in pipeline order; sources by position, records without one last.
    assert_eq!(
        keys(&v),
        vec![
            vec![sn(0), n1.clone()],    // A
            vec![sn(0), String::new()], // D
            vec![sn(1), n1],            // B
            vec![sn(1), n2.clone()],    // C
            vec![sn(2), n2],            // E
        ]
    );
    assert!(flat(&v).iter().all(|r| r.1 == vec![s("1")]));
    assert_eq!(v["rows"][1]["keys"][1]["value"], Value::Null);
    assert_eq!(v["totals"], json!(["5"]));
}

#[tokio::test]
async fn builder_months_follow_the_users_time_zone() {
    let t = shaped().await;
    let def = json!({"entity": "deals", "group_by": [{"field": "created_at", "grain": "month"}],
                     "chart": "line"});
    // Moscow: D (22:30 UTC on 28 Feb) is 1 March.
    let v = run(&t, &t.app.admin, def.clone()).await;
    assert_eq!(
        count_by(&v),
        vec![
            ("2026-01".into(), "2".into()),
            ("2026-02".into(), "1".into()),
            ("2026-03".into(), "2".into())
        ]
    );
    assert_eq!(v["rows"][0]["keys"][0]["value"], json!("2026-01-01"));
    let (s_, _) = t
        .app
        .patch(&t.app.admin, "/api/v1/me", json!({"time_zone": "UTC"}))
        .await;
    assert_eq!(s_, StatusCode::OK);
    let v = run(&t, &t.app.admin, def).await;
    assert_eq!(
        count_by(&v),
        vec![
            ("2026-01".into(), "2".into()),
            ("2026-02".into(), "2".into()),
            ("2026-03".into(), "1".into())
        ]
    );
    // Other grains over the same records (UTC now).
    let grain =
        |g: &str| json!({"entity": "deals", "group_by": [{"field": "created_at", "grain": g}]});
    let v = run(&t, &t.app.admin, grain("quarter")).await;
    assert_eq!(count_by(&v), vec![("2026-Q1".into(), "5".into())]);
    let v = run(&t, &t.app.admin, grain("year")).await;
    assert_eq!(count_by(&v), vec![("2026".into(), "5".into())]);
    // Weeks from Monday: 10 Jan (Sat) is in W02, 20 Jan W04, 5 Feb W06, 28 Feb W09, 15 Mar (Sun) W11.
    let v = run(&t, &t.app.admin, grain("week")).await;
    assert_eq!(
        keys(&v).concat(),
        vec!["2026-W02", "2026-W04", "2026-W06", "2026-W09", "2026-W11"]
    );
    let v = run(&t, &t.app.admin, grain("day")).await;
    assert_eq!(keys(&v)[3], vec!["2026-02-28".to_owned()]);
}

#[tokio::test]
async fn builder_filters() {
    let t = shaped().await;
    let total = |v: &Value| v["totals"][0].as_str().unwrap().to_owned();
    let by = |filters: Value| json!({"entity": "deals", "filters": filters});
    // Amounts between 100 000 and 200 000 inclusive: A, B, E.
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "amount", "op": "between", "values": ["100000", 200000]}])),
    )
    .await;
    assert_eq!(total(&v), "3");
    // Less than 100 000: D (50 000 dollars; amounts compare as numbers).
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "amount", "op": "lt", "values": ["100000"]}])),
    )
    .await;
    assert_eq!(total(&v), "1");
    // «ромаш» in the title, whatever the case of its first letter: A and E.
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "title", "op": "contains", "values": ["ромаш"]}])),
    )
    .await;
    assert_eq!(total(&v), "2");
    // February in Moscow: C only (D is 1 March there).
    let feb =
        json!([{"field": "created_at", "op": "between", "values": ["2026-02-01", "2026-02-28"]}]);
    let v = run(&t, &t.app.admin, by(feb.clone())).await;
    assert_eq!(total(&v), "1");
    // Created after 31 January and before 15 March: C, D.
    let v = run(
        &t,
        &t.app.admin,
        by(json!([
        {"field": "created_at", "op": "gt", "values": ["2026-01-31"]},
        {"field": "created_at", "op": "lt", "values": ["2026-03-15"]}])),
    )
    .await;
    assert_eq!(total(&v), "2");
    // One day: 15 March → E.
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "created_at", "op": "eq", "values": ["2026-03-15"]}])),
    )
    .await;
    assert_eq!(total(&v), "1");
    // Without a source: D. With one: the other four. Not src1: C, D, E.
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "source", "op": "empty"}])),
    )
    .await;
    assert_eq!(total(&v), "1");
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "source", "op": "not_empty"}])),
    )
    .await;
    assert_eq!(total(&v), "4");
    let v = run(
        &t,
        &t.app.admin,
        by(json!([{"field": "source", "op": "ne", "values": [t.src1]}])),
    )
    .await;
    assert_eq!(total(&v), "3");
    // Owners in (m1, m2), in USD: D.
    let v = run(
        &t,
        &t.app.admin,
        by(json!([
        {"field": "owner", "op": "in", "values": [t.m1_id, t.m2_id]},
        {"field": "currency", "op": "eq", "values": ["USD"]}])),
    )
    .await;
    assert_eq!(total(&v), "1");
}

#[tokio::test]
async fn builder_counts_only_what_the_user_may_see() {
    let t = shaped().await;
    let def = json!({"entity": "deals", "group_by": [{"field": "owner"}],
                     "aggregates": [{"func": "count"}, {"func": "sum", "field": "amount"}]});
    // m1 sees their own two deals only, in rows and in totals.
    let v = run(&t, &t.m1, def.clone()).await;
    assert_eq!(
        flat(&v),
        vec![(vec!["m1".into()], vec![s("2"), s("300000.00")])]
    );
    assert_eq!(v["totals"], json!(["2", "300000.00"]));
    // Asking for m2's deals cannot widen it.
    let v = run(
        &t,
        &t.m1,
        json!({"entity": "deals", "filters": [{"field": "owner", "op": "eq", "values": [t.m2_id]}]}),
    )
    .await;
    assert_eq!(v["totals"], json!(["0"]));
    // m3 sees nothing at all.
    let v = run(&t, &t.m3, def).await;
    assert_eq!(v["rows"], json!([]));
    // A detail report lists only m1's records too, newest first.
    let v = run(
        &t,
        &t.m1,
        json!({"entity": "deals", "columns": ["title", "amount", "owner"],
               "aggregates": [{"func": "sum", "field": "amount"}]}),
    )
    .await;
    assert_eq!(v["columns"], json!(["title", "amount", "owner"]));
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["cells"][0], json!("Поставка"));
    assert_eq!(
        rows[0]["cells"][1],
        json!({"amount": "200000.00", "currency": "RUB"})
    );
    assert_eq!(rows[0]["cells"][2]["label"], json!("m1"));
    assert_eq!(rows[1]["cells"][0], json!("Станки для Ромашки"));
    assert_eq!(v["totals"], json!(["300000.00"]));
}

#[tokio::test]
async fn builder_errors_name_the_field() {
    let t = shaped().await;
    let (st, v) = t
        .app
        .post(
            &t.app.admin,
            "/api/v1/reports/builder",
            json!({"entity": "deals",
                   "columns": ["nope"],
                   "filters": [{"field": "amount", "op": "contains", "values": ["1"]},
                               {"field": "created_at", "op": "between", "values": ["2026-13-01", "2026-01-01"]}],
                   "group_by": [{"field": "title"}, {"field": "owner", "grain": "month"}, {"field": "stage"}],
                   "aggregates": [{"func": "sum", "field": "title"}, {"func": "avg"}],
                   "chart": "radar"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let f = &v["error"]["fields"];
    assert_eq!(f["columns[0]"], "is not a field of deals");
    assert!(
        f["filters[0].op"].as_str().unwrap().contains("amount"),
        "{v}"
    );
    assert_eq!(
        f["filters[1].values"],
        "is not a date (expected YYYY-MM-DD)"
    );
    assert_eq!(f["group_by"], "must have at most 2 entries");
    assert_eq!(f["group_by[0].field"], "title cannot be grouped by");
    assert!(f["group_by[1].grain"].as_str().unwrap().contains("owner"));
    assert!(f["aggregates[0].field"].as_str().unwrap().contains("title"));
    assert_eq!(
        f["aggregates[1].field"],
        "avg needs a number or money field"
    );
    assert!(
        f["chart"]
            .as_str()
            .unwrap()
            .contains("bar, line, pie, funnel")
    );
    let (st, v) = t
        .app
        .post(
            &t.app.admin,
            "/api/v1/reports/builder",
            json!({"entity": "invoices"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&v), vec!["entity"]);
    // Too many day periods for the data's range is refused, naming the grain.
    let mut r = t.app.db.reader().await.unwrap();
    sqlx::query(
        "UPDATE deals SET created_at = '2020-01-01T00:00:00.000000Z' WHERE title = 'Монтаж'",
    )
    .execute(voronka_store::db::Conn::conn(&mut r))
    .await
    .unwrap();
    let (st, v) = t
        .app
        .post(
            &t.app.admin,
            "/api/v1/reports/builder",
            json!({"entity": "deals", "group_by": [{"field": "created_at", "grain": "day"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), vec!["group_by[0].grain"]);
    // The catalogue says what each field allows.
    let (_, cat) = t.app.get(&t.m1, "/api/v1/reports/builder/fields").await;
    let deals = &cat[0];
    assert_eq!(deals["entity"], "deals");
    let amount = deals["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "amount")
        .unwrap();
    assert_eq!(amount["aggregatable"], true);
    assert_eq!(amount["type"], "money");
}

#[tokio::test]
async fn saved_reports_shared_with_the_team_edited_by_the_owner() {
    let t = shaped().await;
    let def = json!({"entity": "deals", "group_by": [{"field": "owner"}]});
    let shared = t
        .app
        .create(
            &t.m1,
            "/api/v1/saved-reports",
            json!({"name": "По ответственным", "team_id": t.team, "definition": def}),
        )
        .await;
    let sid = shared["id"].as_i64().unwrap();
    assert_eq!(shared["can_edit"], true);
    assert_eq!(shared["owner"], "m1");
    let private = t
        .app
        .create(
            &t.m1,
            "/api/v1/saved-reports",
            json!({"name": "Мой", "definition": {"entity": "leads"}}),
        )
        .await;
    let pid = private["id"].as_i64().unwrap();

    // m2 (same team) sees the shared one only, and may not change it.
    let (_, list) = t.app.get(&t.m2, "/api/v1/saved-reports").await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["По ответственным"]);
    assert_eq!(list[0]["can_edit"], false);
    let (st, _) = t
        .app
        .get(&t.m2, &format!("/api/v1/saved-reports/{pid}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, v) = t
        .app
        .put(
            &t.m2,
            &format!("/api/v1/saved-reports/{sid}"),
            json!({"name": "x", "definition": def}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (st, _) = t
        .app
        .delete(&t.m2, &format!("/api/v1/saved-reports/{sid}"))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Run by m2, the shared report counts m2's deals only.
    let (_, v) = t
        .app
        .get(&t.m2, &format!("/api/v1/saved-reports/{sid}/run"))
        .await;
    assert_eq!(count_by(&v), vec![("m2".into(), "2".into())]);

    // m3 (no team) sees neither.
    let (_, list) = t.app.get(&t.m3, "/api/v1/saved-reports").await;
    assert_eq!(list, json!([]));
    let (st, _) = t
        .app
        .get(&t.m3, &format!("/api/v1/saved-reports/{sid}/run"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The owner renames it; an administrator may change and delete it.
    let (st, v) = t
        .app
        .put(
            &t.m1,
            &format!("/api/v1/saved-reports/{sid}"),
            json!({"name": "По менеджерам", "team_id": t.team, "definition": def}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "По менеджерам");
    let (_, list) = t.app.get(&t.app.admin, "/api/v1/saved-reports").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|r| r["can_edit"] == true)
    );

    // Bad saves name the field.
    let (st, v) = t
        .app
        .post(&t.m1, "/api/v1/saved-reports",
              json!({"name": " ", "team_id": 999, "definition": {"entity": "deals", "group_by": [{"field": "nope"}]}}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&v),
        vec!["definition.group_by[0].field", "name", "team_id"]
    );

    let (st, _) = t
        .app
        .delete(&t.app.admin, &format!("/api/v1/saved-reports/{sid}"))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = t
        .app
        .delete(&t.m1, &format!("/api/v1/saved-reports/{pid}"))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(t.app.count("saved_reports").await, 0);
}

const OWNER_REPORT: &str = "entity=deals&g1=owner&agg=count&agg=sum%3Aamount&chart=pie";

#[tokio::test]
async fn builder_page_and_exports_read_back() {
    use calamine::{Data, Reader, Xlsx};
    let t = shaped().await;
    // The page: chart and table in Russian (the default), linked from Reports.
    let body = ok_page(&t.app, &t.app.admin, "/reports").await;
    assert!(body.contains("/reports/builder"));
    let body = ok_page(
        &t.app,
        &t.app.admin,
        &format!("/reports/builder?{OWNER_REPORT}"),
    )
    .await;
    assert!(body.contains("Конструктор отчётов"));
    assert!(body.contains("<svg"), "a chart");
    assert!(body.contains("id=\"bf-result\""));
    assert!(body.contains("Итого"));
    assert!(
        body.contains("300\u{a0}000,00"),
        "money in the Russian format"
    );
    // In English, with a bad filter: the message names the filter.
    let (en, _) = t.app.user("en", "head", None).await;
    let (st, _) = t
        .app
        .patch(&en, "/api/v1/me", json!({"locale": "en"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let body = ok_page(
        &t.app,
        &en,
        &format!("/reports/builder?{OWNER_REPORT}&f0_field=amount&f0_op=contains&f0_v1=1"),
    )
    .await;
    assert!(body.contains("Report builder"));
    assert!(
        body.contains("Filter 1, condition: does not apply to amount"),
        "{body}"
    );

    // CSV: the same figures as the JSON.
    let csv = t
        .app
        .admin
        .get(t.app.url(&format!(
            "/reports/builder/export?format=csv&{OWNER_REPORT}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        vec![
            "Ответственный,Количество,Сумма: Сумма",
            "m1,2,300000.00",
            "m2,2,300000.00",
            "Админ,1,150000.00",
            "Итого,5,750000.00",
        ]
    );
    // XLSX: numbers stay numbers.
    let r = t
        .app
        .admin
        .get(t.app.url(&format!(
            "/reports/builder/export?format=xlsx&{OWNER_REPORT}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0], Data::String("Ответственный".into()));
    assert_eq!(
        rows[1],
        vec![
            Data::String("m1".into()),
            Data::Float(2.0),
            Data::Float(300_000.0)
        ]
    );
    assert_eq!(rows[3][0], Data::String("Админ".into()));
    assert_eq!(
        rows[4],
        vec![
            Data::String("Итого".into()),
            Data::Float(5.0),
            Data::Float(750_000.0)
        ]
    );
    // A manager's export holds only their rows.
    let text =
        t.m1.get(t.app.url(&format!(
            "/reports/builder/export?format=csv&{OWNER_REPORT}"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text.trim_start_matches('\u{feff}').lines().count(),
        3,
        "{text}"
    );
}

#[tokio::test]
async fn builder_page_saves_and_reopens() {
    let t = shaped().await;
    let c = signed_in(&t.app, "m1").await;
    let token = csrf(&t.app, &c).await;
    let r = submit(
        &t.app,
        &c,
        "/reports/builder/save",
        &[
            ("_csrf", &token),
            ("query", OWNER_REPORT),
            ("name", "Мой отчёт"),
            ("team_id", &t.team.to_string()),
        ],
    )
    .await;
    let to = see_other(&r);
    let id = id_in(&to, "/reports/saved/");
    let r = c.get(t.app.url(&to)).send().await.unwrap();
    let builder = see_other(&r);
    assert!(
        builder.starts_with("/reports/builder?entity=deals&g1=owner"),
        "{builder}"
    );
    let body = ok_page(&t.app, &c, &builder).await;
    assert!(body.contains("Мой отчёт"));
    assert!(body.contains(&format!("name=\"id\" value=\"{id}\"")));
    // An empty name is refused on the page, naming the field.
    let r = submit(
        &t.app,
        &c,
        "/reports/builder/save",
        &[("_csrf", &token), ("query", OWNER_REPORT), ("name", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Название: обязательно"), "{body}");
    // Another manager of the team cannot delete it.
    let c2 = signed_in(&t.app, "m2").await;
    let token2 = csrf(&t.app, &c2).await;
    let r = submit(
        &t.app,
        &c2,
        &format!("/reports/saved/{id}/delete"),
        &[("_csrf", &token2)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = submit(
        &t.app,
        &c,
        &format!("/reports/saved/{id}/delete"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(see_other(&r), "/reports/builder");
    assert_eq!(t.app.count("saved_reports").await, 0);
    let _ = (&t.m2, &t.m3);
}
