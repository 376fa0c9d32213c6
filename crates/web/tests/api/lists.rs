//! The list engine (filters, sorting, keyset pagination) and global search.

use crate::helpers::*;
use crate::permissions::encode;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(id)
        .collect()
}

/// An amount such as "99.99" in kopecks, to compare without floating point.
fn kopecks(v: &Value) -> i64 {
    let s = v["amount"].as_str().unwrap();
    let (r, k) = s.split_once('.').unwrap_or((s, "0"));
    r.parse::<i64>().unwrap() * 100 + format!("{k:0<2}").parse::<i64>().unwrap()
}

async fn ok(app: &TestApp, c: &Client, path: &str) -> Value {
    let (s, v) = app.get(c, path).await;
    assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
    v
}

async fn list_ids(app: &TestApp, path: &str) -> BTreeSet<i64> {
    ids(&ok(app, &app.admin, path).await).into_iter().collect()
}

/// Every page of a list, `limit` at a time; `between` runs after each page.
async fn walk(app: &TestApp, path: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    for _ in 0..100 {
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = ok(app, &app.admin, &url).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        out.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit as usize, "only the last page is short");
                cursor = Some(c.to_owned());
            }
            None => return out,
        }
    }
    panic!("{path} never ended");
}

struct Deals {
    account: i64,
    /// (id, amount in kopecks), in creation order.
    all: Vec<(i64, i64)>,
}

const AMOUNTS: [&str; 11] = [
    "300.00", "100.00", "99.99", "250.50", "100.00", "0.00", "1000.00", "250.50", "100.00", "5.00",
    "42.00",
];

async fn deals(app: &TestApp) -> Deals {
    let a = &app.admin;
    let account = id(&app
        .create(a, "/api/v1/accounts", json!({"name": "ООО Клиент"}))
        .await);
    let mut all = Vec::new();
    for (i, amount) in AMOUNTS.iter().enumerate() {
        let mut body =
            json!({"title": format!("Сделка {i:02}"), "account_id": account, "amount": amount});
        if i % 3 == 0 {
            body["expected_close_date"] = json!(format!("2026-12-{:02}", 10 + i));
        }
        let d = app.create(a, "/api/v1/deals", body).await;
        all.push((id(&d), kopecks(&d)));
    }
    Deals { account, all }
}

#[tokio::test]
async fn filters_match_exactly_down_to_the_kopeck() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let d = deals(&app).await;
    let by_amount = |pred: &dyn Fn(i64) -> bool| -> BTreeSet<i64> {
        d.all
            .iter()
            .filter(|(_, k)| pred(*k))
            .map(|(i, _)| *i)
            .collect()
    };

    // The edge: 99.99 is below 100, 100.00 is not.
    let gte = list_ids(&app, "/api/v1/deals?amount__gte=100").await;
    assert_eq!(gte, by_amount(&|k| k >= 10_000));
    assert!(!gte.contains(&d.all[2].0), "99.99 >= 100?");
    assert!(gte.contains(&d.all[1].0), "100.00 >= 100");
    let lte = list_ids(&app, "/api/v1/deals?amount__lte=99.99").await;
    assert_eq!(lte, by_amount(&|k| k <= 9_999));
    assert!(lte.contains(&d.all[2].0));
    assert!(!lte.contains(&d.all[1].0));
    let band = list_ids(&app, "/api/v1/deals?amount__gte=100.00&amount__lte=250.5").await;
    assert_eq!(band, by_amount(&|k| (10_000..=25_050).contains(&k)));
    assert_eq!(band.len(), 5);
    let eq = list_ids(&app, "/api/v1/deals?amount=100").await;
    assert_eq!(eq, by_amount(&|k| k == 10_000));
    assert_eq!(eq.len(), 3);

    // Equality and sets.
    let one = list_ids(
        &app,
        &format!("/api/v1/deals?title={}", encode("Сделка 03")),
    )
    .await;
    assert_eq!(one, BTreeSet::from([d.all[3].0]));
    let stages = app.stages().await;
    for (i, stage) in [(0, 1), (1, 1), (2, 2), (3, 3)] {
        let (s, _) = app
            .post(
                a,
                &format!("/api/v1/deals/{}/move", d.all[i].0),
                json!({"stage_id": stages[stage]["id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let set = list_ids(
        &app,
        &format!(
            "/api/v1/deals?stage_id={},{}",
            stages[1]["id"], stages[2]["id"]
        ),
    )
    .await;
    assert_eq!(set, BTreeSet::from([d.all[0].0, d.all[1].0, d.all[2].0]));
    let set_and_range = list_ids(
        &app,
        &format!(
            "/api/v1/deals?stage_id={},{}&amount__gte=100",
            stages[1]["id"], stages[2]["id"]
        ),
    )
    .await;
    assert_eq!(set_and_range, BTreeSet::from([d.all[0].0, d.all[1].0]));
    let all = list_ids(&app, &format!("/api/v1/deals?account_id={}", d.account)).await;
    assert_eq!(all.len(), AMOUNTS.len());

    // Days and emptiness.
    let dated = list_ids(&app, "/api/v1/deals?expected_close_date__null=false").await;
    assert_eq!(dated.len(), 4);
    let late = list_ids(&app, "/api/v1/deals?expected_close_date__gte=2026-12-16").await;
    assert_eq!(late, BTreeSet::from([d.all[6].0, d.all[9].0]));
    let undated = list_ids(&app, "/api/v1/deals?expected_close_date__null=true").await;
    assert_eq!(undated.len(), AMOUNTS.len() - 4);

    // Text contains.
    for name in ["ACME Steel", "Ромашка-Агро", "Лютик"] {
        app.create(a, "/api/v1/accounts", json!({"name": name}))
            .await;
    }
    let page = ok(&app, a, "/api/v1/accounts?name__contains=acme").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["items"][0]["name"], "ACME Steel");
    let page = ok(
        &app,
        a,
        &format!("/api/v1/accounts?name__contains={}", encode("шка-А")),
    )
    .await;
    assert_eq!(page["items"][0]["name"], "Ромашка-Агро", "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // Russian text is found whatever the case, and ё is е, on every backend.
    app.create(a, "/api/v1/accounts", json!({"name": "Ёлка и Берёзка"}))
        .await;
    for (q, name) in [
        ("Ромашка", "Ромашка-Агро"),
        ("РОМАШКА-агро", "Ромашка-Агро"),
        ("елка", "Ёлка и Берёзка"),
        ("БЕРЁЗ", "Ёлка и Берёзка"),
        ("ка и б", "Ёлка и Берёзка"),
        ("steel", "ACME Steel"),
    ] {
        let page = ok(
            &app,
            a,
            &format!("/api/v1/accounts?name__contains={}", encode(q)),
        )
        .await;
        let names: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec![name], "name__contains={q}");
    }
    // Wildcards of either language are plain text.
    for q in ["*", "?", "[", "_"] {
        let page = ok(
            &app,
            a,
            &format!("/api/v1/accounts?name__contains={}", encode(q)),
        )
        .await;
        assert_eq!(page["items"], json!([]), "name__contains={q}");
    }
    // LIKE wildcards are text, not patterns.
    let page = ok(&app, a, "/api/v1/accounts?name__contains=%25").await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn q_finds_cyrillic_whatever_the_case() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let romashka = id(&app
        .create(a, "/api/v1/accounts", json!({"name": "Ромашка"}))
        .await);
    let beryozka = id(&app
        .create(a, "/api/v1/accounts", json!({"name": "Берёзка"}))
        .await);
    app.create(a, "/api/v1/accounts", json!({"name": "Лютик"}))
        .await;
    for q in ["ромашка", "РОМАШКА", "Ромаш", "машк"] {
        let found = list_ids(&app, &format!("/api/v1/accounts?q={}", encode(q))).await;
        assert_eq!(found, BTreeSet::from([romashka]), "q={q}");
    }
    for q in ["березка", "БЕРЁЗКА"] {
        let found = list_ids(&app, &format!("/api/v1/accounts?q={}", encode(q))).await;
        assert_eq!(found, BTreeSet::from([beryozka]), "q={q}");
    }
    let lead = id(&app
        .create(
            a,
            "/api/v1/leads",
            json!({"last_name": "Кузнецов", "company": "ЗАО ЗВЕЗДА", "force": true}),
        )
        .await);
    for q in ["звезда", "кузнецов"] {
        let found = list_ids(&app, &format!("/api/v1/leads?q={}", encode(q))).await;
        assert_eq!(found, BTreeSet::from([lead]), "q={q}");
    }
    let (s, e) = app.get(a, "/api/v1/activities?q=x").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["q"]);
}

#[tokio::test]
async fn sorting_by_amount_both_ways() {
    let app = TestApp::spawn().await;
    let d = deals(&app).await;
    let mut asc = d.all.clone();
    asc.sort_by_key(|(i, k)| (*k, *i));
    let mut desc = asc.clone();
    desc.reverse();
    let page = ok(&app, &app.admin, "/api/v1/deals?sort=amount").await;
    let got: Vec<(i64, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (id(v), kopecks(v)))
        .collect();
    assert_eq!(got, asc);
    let page = ok(&app, &app.admin, "/api/v1/deals?sort=-amount").await;
    let got: Vec<(i64, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (id(v), kopecks(v)))
        .collect();
    assert_eq!(got, desc);
    // Default: newest first.
    let page = ok(&app, &app.admin, "/api/v1/deals").await;
    let mut newest: Vec<i64> = d.all.iter().map(|(i, _)| *i).collect();
    newest.reverse();
    assert_eq!(ids(&page), newest);
}

#[tokio::test]
async fn unknown_fields_and_bad_values_are_named() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    for (query, field) in [
        ("colour=red", "colour"),
        ("colour__gte=1", "colour__gte"),
        ("amount__between=1", "amount__between"),
        ("amount__gte=abc", "amount__gte"),
        ("amount__gte=1.001", "amount__gte"),
        ("title__gte=a", "title__gte"),
        ("stage_id=x", "stage_id"),
        (
            "expected_close_date__gte=tomorrow",
            "expected_close_date__gte",
        ),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=bogus", "cursor"),
    ] {
        let (s, e) = app.get(a, &format!("/api/v1/deals?{query}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {e}");
        assert_eq!(fields(&e), vec![field], "{query}");
    }
    let (s, e) = app.get(a, "/api/v1/deals?sort=colour").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["sort"]);
    assert!(
        e["error"]["fields"]["sort"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{e}"
    );
    let (s, e) = app.get(a, "/api/v1/deals?sort=-colour&colour=1").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&e), vec!["colour", "sort"], "every problem at once");
    // A column that exists but is not offered is not reachable either.
    let (s, e) = app.get(a, "/api/v1/deals?sort=search_key").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = app.get(a, "/api/v1/leads?search_key=x").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // A cursor belongs to its sort order: reused with another it is refused, not misread.
    deals(&app).await;
    for (from, to) in [
        ("amount", "title"),
        ("title", "amount"),
        ("expected_close_date", "amount"),
        ("amount", "created_at"),
    ] {
        let page = ok(&app, a, &format!("/api/v1/deals?sort={from}&limit=2")).await;
        let cursor = page["next_cursor"].as_str().unwrap();
        let (s, e) = app
            .get(
                a,
                &format!("/api/v1/deals?sort={to}&limit=2&cursor={cursor}"),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{from} → {to}: {e}");
        assert_eq!(fields(&e), vec!["cursor"]);
    }
}

#[tokio::test]
async fn pages_walk_every_record_exactly_once_in_order() {
    let app = TestApp::spawn().await;
    let d = deals(&app).await;
    for sort in [
        "",
        "?sort=amount",
        "?sort=-amount",
        "?sort=title",
        "?sort=-expected_close_date",
        "?sort=expected_close_date",
        "?sort=id",
    ] {
        let path = format!("/api/v1/deals{sort}");
        let whole = ok(
            &app,
            &app.admin,
            &format!("{path}{}limit=500", if sort.is_empty() { '?' } else { '&' }),
        )
        .await;
        let pages = walk(&app, &path, 3).await;
        let got: Vec<i64> = pages.iter().map(id).collect();
        assert_eq!(got, ids(&whole), "{path}");
        assert_eq!(got.len(), d.all.len(), "{path}");
        let unique: BTreeSet<i64> = got.iter().copied().collect();
        assert_eq!(unique.len(), got.len(), "{path}: a record came twice");
    }
    // The order is the one asked for, ties broken by id.
    let pages = walk(&app, "/api/v1/deals?sort=amount", 3).await;
    let got: Vec<(i64, i64)> = pages.iter().map(|v| (id(v), kopecks(v))).collect();
    let mut expected = d.all.clone();
    expected.sort_by_key(|(i, k)| (*k, *i));
    assert_eq!(got, expected);
    // Nulls last both ways.
    for sort in ["expected_close_date", "-expected_close_date"] {
        let pages = walk(&app, &format!("/api/v1/deals?sort={sort}"), 3).await;
        let dates: Vec<&Value> = pages.iter().map(|v| &v["expected_close_date"]).collect();
        let first_null = dates.iter().position(|v| v.is_null()).unwrap();
        assert!(
            dates[first_null..].iter().all(|v| v.is_null()),
            "{sort}: {dates:?}"
        );
        let days: Vec<&str> = dates[..first_null]
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut sorted = days.clone();
        sorted.sort_unstable();
        if sort.starts_with('-') {
            sorted.reverse();
        }
        assert_eq!(days, sorted, "{sort}");
    }
    // A filter holds on every page, and so does the total.
    let page = ok(
        &app,
        &app.admin,
        "/api/v1/deals?amount__gte=100&limit=2&total=true",
    )
    .await;
    assert_eq!(page["total"], 7);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let filtered = walk(&app, "/api/v1/deals?amount__gte=100&sort=-amount", 2).await;
    assert_eq!(filtered.len(), 7);
    assert!(filtered.iter().all(|v| kopecks(v) >= 10_000));
}

#[tokio::test]
async fn new_rows_between_pages_neither_duplicate_nor_skip() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let d = deals(&app).await;
    for sort in ["amount", "-amount", "id", "-id"] {
        let mut seen: Vec<(i64, i64)> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut added = 0;
        loop {
            let mut url = format!("/api/v1/deals?sort={sort}&limit=3&account_id={}", d.account);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = ok(&app, a, &url).await;
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| (id(v), kopecks(v))),
            );
            // New deals everywhere in the order (below, at and above what was
            // seen) while the first pages are read.
            let amounts = if added < 12 {
                &["0.00", "100.00", "250.50", "5000.00"][..]
            } else {
                &[]
            };
            for amount in amounts {
                app.create(
                    a,
                    "/api/v1/deals",
                    json!({"title": format!("Новая {added}"), "account_id": d.account, "amount": amount}),
                )
                .await;
                added += 1;
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
            assert!(seen.len() < 200, "{sort}: the walk never ends");
        }
        let seen_ids: Vec<i64> = seen.iter().map(|(i, _)| *i).collect();
        let unique: BTreeSet<i64> = seen_ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen_ids.len(),
            "{sort}: duplicates in {seen_ids:?}"
        );
        for (orig, _) in &d.all {
            assert!(unique.contains(orig), "{sort}: skipped {orig}");
        }
        // What was seen is in order, new rows included.
        let key = |(i, k): &(i64, i64)| {
            if sort.contains("amount") {
                (*k, *i)
            } else {
                (*i, 0)
            }
        };
        let mut sorted = seen.clone();
        sorted.sort_by_key(key);
        if sort.starts_with('-') {
            sorted.reverse();
        }
        assert_eq!(seen, sorted, "{sort}");
    }
}

async fn hits(app: &TestApp, c: &Client, q: &str) -> Vec<(String, i64)> {
    let v = ok(app, c, &format!("/api/v1/search?q={}", encode(q))).await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| (h["entity"].as_str().unwrap().to_owned(), id(h)))
        .collect()
}

#[tokio::test]
async fn search_finds_phones_emails_inns_and_word_forms() {
    let app = TestApp::spawn().await;
    let a = &app.admin;
    let lead = id(&app
        .create(
            a,
            "/api/v1/leads",
            json!({"first_name": "Иван", "last_name": "Петров", "phones": ["+74951234567"],
                   "emails": ["ivan.petrov@romashka.ru"]}),
        )
        .await);
    let lead_hit = ("lead".to_owned(), lead);
    let account = id(&app
        .create(
            a,
            "/api/v1/accounts",
            json!({"name": "ООО «Ромашка»", "inn": "7707083893", "website": "romashka-agro.ru"}),
        )
        .await);
    let account_hit = ("account".to_owned(), account);
    let deal = id(&app
        .create(
            a,
            "/api/v1/deals",
            json!({"title": "Поставка оборудования", "account_id": account}),
        )
        .await);
    let deal_hit = ("deal".to_owned(), deal);
    let contact = id(&app
        .create(
            a,
            "/api/v1/contacts",
            json!({"last_name": "Сидорова", "emails": ["SIDOROVA@Example.COM"], "phones": ["8 (812) 765-43-21"]}),
        )
        .await);
    let contact_hit = ("contact".to_owned(), contact);

    for q in [
        "8 (495) 123-45-67",
        "+7 495 123 45 67",
        "84951234567",
        "4951234567",
        "123-45-67",
    ] {
        assert_eq!(hits(&app, a, q).await, vec![lead_hit.clone()], "phone {q}");
    }
    assert_eq!(
        hits(&app, a, "+7 (812) 765-43-21").await,
        vec![contact_hit.clone()]
    );
    for q in [
        "ivan.petrov@romashka.ru",
        "Ivan.Petrov@Romashka.ru",
        "ivan.petrov",
    ] {
        assert_eq!(hits(&app, a, q).await, vec![lead_hit.clone()], "e-mail {q}");
    }
    assert_eq!(
        hits(&app, a, "sidorova@example.com").await,
        vec![contact_hit.clone()]
    );
    assert_eq!(hits(&app, a, "7707083893").await, vec![account_hit.clone()]);
    assert_eq!(
        hits(&app, a, "romashka-agro.ru").await,
        vec![account_hit.clone()],
        "by website"
    );
    assert!(hits(&app, a, "Ромашка").await.contains(&account_hit));
    assert!(
        hits(&app, a, "ромаш").await.contains(&account_hit),
        "by prefix"
    );
    assert_eq!(hits(&app, a, "Петров Иван").await, vec![lead_hit.clone()]);
    assert_eq!(hits(&app, a, "поставка").await, vec![deal_hit.clone()]);
    assert_eq!(hits(&app, a, "Кузнецов").await, vec![]);
    assert_eq!(hits(&app, a, "   ").await, vec![]);
    assert_eq!(
        hits(&app, a, "\"*:& ) ( |").await,
        vec![],
        "query syntax is inert"
    );

    if voronka_store::testing::test_database_url().is_some() {
        // PostgreSQL stems Russian: other forms of the same words match.
        assert_eq!(
            hits(&app, a, "поставки оборудованием").await,
            vec![deal_hit.clone()]
        );
        assert!(hits(&app, a, "Петрову").await.contains(&lead_hit));
    }
}
