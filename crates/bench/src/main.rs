//! `voronka-bench`: starts Voronka in-process on a random port over an
//! existing (demo) database and measures it through the HTTP API, the way a
//! client sees it. Figures go to docs/benchmarks.md.
//!
//! Note: the create-deal runs add deals to the database they measure
//! (`--only` leaves them out, e.g. `--only reports`).

use anyhow::{Context, Result, bail};
use clap::Parser;
use reqwest::Client;
use serde_json::{Value, json};
use sqlx::Row;
use std::time::{Duration, Instant};
use voronka_core::Timestamp;
use voronka_core::records::{Id, Role};
use voronka_store::db::Conn;
use voronka_store::{Actor, Db, migrate, users};

/// The groups of measurements, for `--only`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// The deals list through the API.
    List,
    /// Global search through the API.
    Search,
    /// The pages of the web interface.
    Pages,
    /// Deal creation at concurrency 1 and 16 (adds deals to the database),
    /// open deals moved to another stage, activities created.
    Creates,
    /// The reports, as an administrator and as a manager.
    Reports,
    /// Report-builder groupings over all deals, as an administrator and as a manager.
    Builder,
}

#[derive(Parser)]
#[command(name = "voronka-bench", about = "Measure Voronka on a demo database")]
struct Args {
    /// The database to measure, e.g. sqlite:///tmp/demo1m/voronka.db (make one with `voronka demo`).
    #[arg(long, env = "VORONKA_DATABASE_URL")]
    database_url: String,
    /// Deals (then stage moves, then activities) created at concurrency 1.
    #[arg(long, default_value_t = 2_000)]
    creates_serial: usize,
    /// Deals (then stage moves, then activities) created at concurrency 16.
    #[arg(long, default_value_t = 20_000)]
    creates_parallel: usize,
    /// Requests per latency measurement.
    #[arg(long, default_value_t = 1_000)]
    samples: usize,
    /// Requests per report measurement (reports scan far more than a list page).
    #[arg(long, default_value_t = 50)]
    report_samples: usize,
    /// Run only these measurements (comma-separated); default all.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
    /// Of the report-builder groupings, only those whose name contains this
    /// text (e.g. `closed`), to measure a change without the whole set.
    #[arg(long)]
    builder_cases: Option<String>,
}

struct Bench {
    client: Client,
    base: String,
    token: String,
    /// A browser session for the pages.
    session: String,
}

impl Bench {
    /// A page as the browser gets it, with the session cookie.
    async fn page(&self, path: &str) -> Result<()> {
        let resp = self
            .client
            .get(format!("{}{}", self.base, path))
            .header("cookie", format!("voronka_session={}", self.session))
            .send()
            .await?;
        let status = resp.status();
        let _ = resp.bytes().await?;
        if !status.is_success() {
            bail!("GET {path}: {status}");
        }
        Ok(())
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let resp = self
            .client
            .get(format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {body}");
        }
        Ok(body)
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn latency(bench: &Bench, name: &str, paths: &[String], samples: usize) -> Result<()> {
    measure(bench, name, paths, samples, false).await
}

async fn measure(
    bench: &Bench,
    name: &str,
    paths: &[String],
    samples: usize,
    page: bool,
) -> Result<()> {
    let fetch = |p: &str| {
        let p = p.to_owned();
        async move {
            if page {
                bench.page(&p).await
            } else {
                bench.get(&p).await.map(drop)
            }
        }
    };
    // Warm up caches the way a working day would.
    for p in paths.iter().take(20) {
        fetch(p).await?;
    }
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let p = &paths[i % paths.len()];
        let t = Instant::now();
        fetch(p).await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{name:<44} p50 {:>10}  p90 {:>10}  p99 {:>10}  ({samples} requests)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.90)),
        ms(percentile(&times, 0.99))
    );
    Ok(())
}

/// Creates `total` records at `path`, `concurrency` requests at a time;
/// `body(worker, i)` is the worker's `i`-th record.
async fn creates(
    bench: &std::sync::Arc<Bench>,
    what: &str,
    path: &'static str,
    total: usize,
    concurrency: usize,
    body: impl Fn(usize, usize) -> Value + Send + Sync + 'static,
) -> Result<()> {
    let label = format!("create {what}, concurrency {concurrency}");
    let req = move |worker, i| (path.to_owned(), body(worker, i));
    writes(bench, &label, "creates", total, concurrency, req).await
}

/// Posts `total` requests, `concurrency` at a time; `req(worker, i)` is the
/// worker's `i`-th path and body. Prints the rate as `unit`/s.
async fn writes(
    bench: &std::sync::Arc<Bench>,
    label: &str,
    unit: &str,
    total: usize,
    concurrency: usize,
    req: impl Fn(usize, usize) -> (String, Value) + Send + Sync + 'static,
) -> Result<()> {
    let req = std::sync::Arc::new(req);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let bench = bench.clone();
        let req = req.clone();
        let n = total / concurrency + usize::from(worker < total % concurrency);
        tasks.push(tokio::spawn(async move {
            for i in 0..n {
                let (path, body) = req(worker, i);
                bench.post(&path, &body).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label:<44} {:>10.0} {unit}/s  ({total} in {secs:.1} s)",
        total as f64 / secs
    );
    Ok(())
}

/// Open deals, each with another open stage of its pipeline to move to:
/// a stage move changes the deal's source and due cells (and widens or
/// narrows their least and greatest amounts), the commonest deal write.
async fn open_moves(db: &Db, limit: usize) -> Result<Vec<(i64, i64)>> {
    let rows = scalar_rows(
        db,
        &format!(
            "SELECT d.id, (SELECT s.id FROM stages s WHERE s.pipeline_id = d.pipeline_id \
             AND s.kind = 'open' AND s.id <> d.stage_id AND NOT s.archived \
             ORDER BY s.position LIMIT 1) AS target \
             FROM deals d WHERE d.status = 'open' ORDER BY d.id LIMIT {limit}"
        ),
    )
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        if let Some(target) = r.try_get::<Option<i64>, _>("target")? {
            out.push((r.try_get("id")?, target));
        }
    }
    Ok(out)
}

/// A deal on one of the given customers.
fn deal_body(accounts: &[i64]) -> impl Fn(usize, usize) -> Value + use<> {
    let accounts = accounts.to_vec();
    move |worker, i| {
        json!({
            "title": format!("Бенчмарк {worker}-{i}"),
            "account_id": accounts[(worker * 7919 + i) % accounts.len()],
            "amount": format!("{}.{:02}", 10_000 + i * 13, i % 100),
        })
    }
}

/// A planned meeting or an open task (in turn) on one of the given deals,
/// over the coming year: what a sales team schedules most.
fn activity_body(deals: &[i64], from: Timestamp) -> impl Fn(usize, usize) -> Value + use<> {
    let deals = deals.to_vec();
    move |worker, i| {
        let n = worker * 7919 + i;
        let at = from.plus_seconds((n % 365) as i64 * 86_400 + (n % 9) as i64 * 3600);
        let deal = deals[n % deals.len()];
        match i % 2 {
            0 => json!({"kind": "event", "subject": format!("Встреча {worker}-{i}"),
                        "related_type": "deal", "related_id": deal,
                        "start_at": at.to_db(), "end_at": at.plus_seconds(3600).to_db()}),
            _ => json!({"kind": "task", "subject": format!("Задача {worker}-{i}"),
                        "related_type": "deal", "related_id": deal, "due_at": at.to_db()}),
        }
    }
}

async fn scalar_rows(db: &Db, sql: &str) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut c = db.reader().await?;
    Ok(sqlx::query(sql).fetch_all(c.conn()).await?)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let run = |s: Scenario| args.only.is_empty() || args.only.contains(&s);
    let db = Db::connect(&args.database_url)
        .await
        .context("opening the database")?;
    migrate::migrate(&db).await?;
    let deals: i64 = scalar_rows(&db, "SELECT COUNT(*) FROM deals").await?[0].try_get(0)?;
    println!(
        "database: {} deals ({})",
        deals,
        voronka_store::db::redact(&args.database_url)
    );

    // Measure as an administrator (sees everything, like a head of sales).
    let admin = users::list_users(&db)
        .await?
        .into_iter()
        .find(|u| u.data.role == voronka_core::records::Role::Admin && u.data.active)
        .map(|u| u.id);
    let admin = match admin {
        Some(id) => id,
        None => {
            let body = json!({"login": "bench", "name": "Benchmark", "role": "admin"});
            users::create_user(&db, &Actor::system(), body, None)
                .await?
                .id
        }
    };
    let (_, token) = users::create_token(&db, &Actor::system(), admin, "bench").await?;
    let session = users::create_session(&db, admin, 3600).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = voronka_web::app(db.clone(), voronka_web::WebConfig::default());
    tokio::spawn(voronka_web::serve(listener, app, std::future::pending()));
    let client = Client::builder().pool_max_idle_per_host(64).build()?;
    let bench = std::sync::Arc::new(Bench {
        client,
        base,
        token,
        session,
    });

    if run(Scenario::List) {
        list(&bench, &db, args.samples).await?;
    }
    if run(Scenario::Search) {
        search(&bench, &db, args.samples).await?;
    }
    if run(Scenario::Pages) {
        pages(&bench, &db, args.samples).await?;
    }
    if run(Scenario::Reports) {
        reports(&bench, &db, args.report_samples).await?;
    }
    if run(Scenario::Builder) {
        builder(
            &bench,
            &db,
            args.report_samples,
            args.builder_cases.as_deref(),
        )
        .await?;
    }
    if run(Scenario::Creates) {
        let account_ids: Vec<i64> =
            scalar_rows(&db, "SELECT id FROM accounts ORDER BY id LIMIT 1000")
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_, _>>()?;
        if account_ids.is_empty() {
            bail!("the database has no accounts");
        }
        let rounds = [(args.creates_serial, 1), (args.creates_parallel, 16)];
        for (total, concurrency) in rounds {
            let deal = deal_body(&account_ids);
            creates(&bench, "deal", "/api/v1/deals", total, concurrency, deal).await?;
        }
        // Each deal moved once: the serial round's first, the parallel's after.
        let moves = open_moves(&db, args.creates_serial + args.creates_parallel).await?;
        let mut offset = 0;
        for (total, concurrency) in rounds {
            let total = total.min(moves.len().saturating_sub(offset));
            let mine = moves[offset..offset + total].to_vec();
            offset += total;
            let req = move |worker: usize, i: usize| {
                let (id, stage) = mine[i * concurrency + worker];
                (
                    format!("/api/v1/deals/{id}/move"),
                    json!({ "stage_id": stage }),
                )
            };
            let label = format!("move deal, concurrency {concurrency}");
            writes(&bench, &label, "moves", total, concurrency, req).await?;
        }
        let deal_ids: Vec<i64> = scalar_rows(&db, "SELECT id FROM deals ORDER BY id LIMIT 1000")
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let from = newest_deal(&db).await?;
        for (total, concurrency) in rounds {
            let activity = activity_body(&deal_ids, from);
            let path = "/api/v1/activities";
            creates(&bench, "activity", path, total, concurrency, activity).await?;
        }
    }
    Ok(())
}

async fn list(bench: &Bench, db: &Db, samples: usize) -> Result<()> {
    // The busiest (owner, stage) pairs: list pages of 50 that are full.
    let pairs = scalar_rows(
        db,
        "SELECT owner_id, stage_id FROM deals GROUP BY owner_id, stage_id HAVING COUNT(*) >= 50 ORDER BY COUNT(*) DESC LIMIT 20",
    )
    .await?;
    let list_paths: Vec<String> = pairs
        .iter()
        .map(|r| {
            let owner: i64 = r.try_get("owner_id")?;
            let stage: i64 = r.try_get("stage_id")?;
            Ok(format!(
                "/api/v1/deals?owner_id={owner}&stage_id={stage}&sort=-amount&limit=50"
            ))
        })
        .collect::<Result<_>>()?;
    if list_paths.is_empty() {
        bail!("no owner has 50 deals in one stage: build a bigger demo database");
    }
    latency(
        bench,
        "list: 50 deals of one owner+stage by amount",
        &list_paths,
        samples,
    )
    .await
}

async fn search(bench: &Bench, db: &Db, samples: usize) -> Result<()> {
    // Search terms as people type them: company words, INNs, phone fragments, surnames.
    let mut terms: Vec<String> = Vec::new();
    for r in scalar_rows(
        db,
        "SELECT name, inn, phones FROM accounts ORDER BY id LIMIT 200",
    )
    .await?
    {
        let name: String = r.try_get("name")?;
        if let Some(word) = name
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|w| w.chars().count() > 3)
        {
            terms.push(word.to_owned());
        }
        if let Ok(Some(inn)) = r.try_get::<Option<String>, _>("inn") {
            terms.push(inn);
        }
        let phones: String = r.try_get("phones")?;
        if let Some(p) = serde_json::from_str::<Vec<String>>(&phones)
            .ok()
            .and_then(|v| v.into_iter().next())
        {
            // "+74951234567" typed as "495 123-45-67"
            let d: String = p.chars().filter(char::is_ascii_digit).collect();
            if d.len() == 11 {
                terms.push(format!(
                    "{} {}-{}-{}",
                    &d[1..4],
                    &d[4..7],
                    &d[7..9],
                    &d[9..11]
                ));
            }
        }
    }
    for r in scalar_rows(
        db,
        "SELECT last_name FROM contacts WHERE last_name IS NOT NULL ORDER BY id LIMIT 100",
    )
    .await?
    {
        terms.push(r.try_get("last_name")?);
    }
    let search_paths: Vec<String> = terms
        .iter()
        .map(|t| format!("/api/v1/search?q={}", urlencode(t)))
        .collect();
    latency(bench, "search (names, INN, phones)", &search_paths, samples).await
}

async fn pages(bench: &Bench, db: &Db, samples: usize) -> Result<()> {
    // The pages of the web interface, server time as the browser sees it.
    let deal_ids: Vec<i64> = scalar_rows(db, "SELECT id FROM deals ORDER BY id DESC LIMIT 50")
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let account_pages: Vec<String> =
        scalar_rows(db, "SELECT id FROM accounts ORDER BY id LIMIT 50")
            .await?
            .iter()
            .map(|r| {
                r.try_get::<i64, _>("id")
                    .map(|id| format!("/accounts/{id}"))
            })
            .collect::<Result<_, _>>()?;
    let page_samples = (samples / 5).max(20);
    let pages: Vec<(&str, Vec<String>)> = vec![
        ("page: dashboard", vec!["/".to_owned()]),
        (
            "page: board (50 cards per column)",
            vec!["/board".to_owned()],
        ),
        (
            "page: deals list",
            vec!["/deals".to_owned(), "/deals?sort=-amount".to_owned()],
        ),
        (
            "page: deal",
            deal_ids.iter().map(|id| format!("/deals/{id}")).collect(),
        ),
        ("page: account", account_pages),
        (
            "page: leads list",
            vec!["/leads".to_owned(), "/leads?status=new".to_owned()],
        ),
        ("page: activities list", vec!["/activities".to_owned()]),
    ];
    for (name, paths) in &pages {
        if !paths.is_empty() {
            measure(bench, name, paths, page_samples, true).await?;
        }
    }
    Ok(())
}

/// Times POSTs of report definitions, the way `latency` times GETs.
async fn latency_posts(
    bench: &Bench,
    name: &str,
    path: &str,
    body: &Value,
    samples: usize,
) -> Result<()> {
    for _ in 0..3 {
        bench.post(path, body).await?;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        bench.post(path, body).await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{name:<44} p50 {:>10}  p90 {:>10}  p99 {:>10}  ({samples} requests)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.90)),
        ms(percentile(&times, 0.99))
    );
    Ok(())
}

/// A manager who owns deals: the one with the most, among active managers.
async fn busiest_manager(db: &Db) -> Result<Id> {
    let managers: Vec<Id> = users::list_users(db)
        .await?
        .into_iter()
        .filter(|u| u.data.role == Role::Manager && u.data.active)
        .map(|u| u.id)
        .collect();
    for row in scalar_rows(
        db,
        "SELECT owner_id FROM deals GROUP BY owner_id ORDER BY COUNT(*) DESC",
    )
    .await?
    {
        let owner: i64 = row.try_get("owner_id")?;
        if managers.contains(&owner) {
            return Ok(owner);
        }
    }
    bail!("no active manager owns deals")
}

/// Report-builder groupings over every deal (no date filter: the worst
/// case), as an administrator and as the busiest manager.
async fn builder(bench: &Bench, db: &Db, samples: usize, only: Option<&str>) -> Result<()> {
    let count = json!({"func": "count"});
    let sum = json!({"func": "sum", "field": "amount"});
    let avg = json!({"func": "avg", "field": "amount"});
    // Filters a head of sales adds: one pipeline, a status, the last year.
    let pipeline: i64 =
        scalar_rows(db, "SELECT MIN(id) AS id FROM pipelines").await?[0].try_get("id")?;
    let newest = newest_deal(db).await?;
    // The first pipeline's first two stages: deals early in the cycle.
    let two_stages: Vec<String> = scalar_rows(
        db,
        &format!("SELECT id FROM stages WHERE pipeline_id = {pipeline} ORDER BY position LIMIT 2"),
    )
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>("id").map(|id| id.to_string()))
    .collect::<Result<_, _>>()?;
    let year = [
        newest.plus_seconds(-364 * 86_400).day().to_string(),
        newest.day().to_string(),
    ];
    let cases: Vec<(&str, Value)> = vec![
        (
            "by owner: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}], "aggregates": [count, sum]}),
        ),
        (
            "by stage: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "stage"}], "aggregates": [count, sum]}),
        ),
        (
            "by source x created month: count",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "created_at", "grain": "month"}]}),
        ),
        (
            "by status: sum, avg of amount",
            json!({"entity": "deals", "group_by": [{"field": "status"}], "aggregates": [sum, avg]}),
        ),
        (
            "by created month: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "created_at", "grain": "month"}], "aggregates": [count, sum]}),
        ),
        (
            "by owner x created week: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "week"}], "aggregates": [count, sum]}),
        ),
        (
            "by closed month: count, avg of amount",
            json!({"entity": "deals", "group_by": [{"field": "closed_at", "grain": "month"}], "aggregates": [count, avg]}),
        ),
        (
            "by expected close quarter: sum",
            json!({"entity": "deals", "group_by": [{"field": "expected_close_date", "grain": "quarter"}], "aggregates": [sum]}),
        ),
        (
            "by stage x created month: count",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "created_at", "grain": "month"}]}),
        ),
        (
            "by owner x closed month: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "closed_at", "grain": "month"}], "aggregates": [count, sum]}),
        ),
        (
            "by owner x expected close quarter: sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "expected_close_date", "grain": "quarter"}], "aggregates": [sum]}),
        ),
        (
            "by loss reason x closed month: count",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, {"field": "closed_at", "grain": "month"}]}),
        ),
        (
            "by stage x expected close month: sum",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "expected_close_date", "grain": "month"}], "aggregates": [sum]}),
        ),
        (
            "by owner x status: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "status"}], "aggregates": [count, sum]}),
        ),
        (
            "by pipeline x closed month: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "closed_at", "grain": "month"}], "aggregates": [count, sum]}),
        ),
        (
            "by source x closed month: count",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "closed_at", "grain": "month"}]}),
        ),
        (
            "by status x expected close month: sum",
            json!({"entity": "deals", "group_by": [{"field": "status"}, {"field": "expected_close_date", "grain": "month"}], "aggregates": [sum]}),
        ),
        (
            "by owner x stage: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "stage"}], "aggregates": [count, sum]}),
        ),
        (
            "by stage x closed month: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "closed_at", "grain": "month"}], "aggregates": [count, sum]}),
        ),
        (
            "by source x expected close month: count",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "expected_close_date", "grain": "month"}]}),
        ),
        (
            "by owner: max of amount",
            json!({"entity": "deals", "group_by": [{"field": "owner"}], "aggregates": [{"func": "max", "field": "amount"}]}),
        ),
        (
            "filtered: by owner x created month, 1 pipeline, open or won: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "month"}],
                   "filters": [{"field": "pipeline", "op": "eq", "values": [pipeline.to_string()]},
                               {"field": "status", "op": "in", "values": ["open", "won"]}],
                   "aggregates": [count, sum]}),
        ),
        (
            "filtered: won deals by source, closed in the last year: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "source"}],
                   "filters": [{"field": "status", "op": "eq", "values": ["won"]},
                               {"field": "closed_at", "op": "between", "values": year}],
                   "aggregates": [count, sum]}),
        ),
        (
            "filtered: by owner x created week, 1 pipeline: count",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "week"}],
                   "filters": [{"field": "pipeline", "op": "eq", "values": [pipeline.to_string()]}]}),
        ),
        (
            "filtered: by owner x created month, 2 stages: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "month"}],
                   "filters": [{"field": "stage", "op": "in", "values": two_stages}],
                   "aggregates": [count, sum]}),
        ),
        (
            "filtered: open deals by owner x expected close month, the last year: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "expected_close_date", "grain": "month"}],
                   "filters": [{"field": "status", "op": "eq", "values": ["open"]},
                               {"field": "expected_close_date", "op": "between", "values": year}],
                   "aggregates": [count, sum]}),
        ),
        (
            "filtered: by stage x created month, the last year: count",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "created_at", "grain": "month"}],
                   "filters": [{"field": "created_at", "op": "between", "values": year}]}),
        ),
        (
            "by account: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "account"}], "aggregates": [count, sum]}),
        ),
        (
            "leads by status x created month: count",
            json!({"entity": "leads", "group_by": [{"field": "status"}, {"field": "created_at", "grain": "month"}]}),
        ),
        (
            "leads by source: count",
            json!({"entity": "leads", "group_by": [{"field": "source"}]}),
        ),
        (
            "accounts by industry x kind: count",
            json!({"entity": "accounts", "group_by": [{"field": "industry"}, {"field": "kind"}]}),
        ),
        (
            "contacts by owner x created quarter: count",
            json!({"entity": "contacts", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "quarter"}]}),
        ),
        (
            "contacts by owner x account: count",
            json!({"entity": "contacts", "group_by": [{"field": "owner"}, {"field": "account"}]}),
        ),
        (
            "contacts by created quarter x account: count",
            json!({"entity": "contacts", "group_by": [{"field": "created_at", "grain": "quarter"}, {"field": "account"}]}),
        ),
        (
            "contacts by position x account: count",
            json!({"entity": "contacts", "group_by": [{"field": "position"}, {"field": "account"}]}),
        ),
        (
            "activities by owner x start month: count",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, {"field": "start_at", "grain": "month"}]}),
        ),
        (
            "activities by start week: count",
            json!({"entity": "activities", "group_by": [{"field": "start_at", "grain": "week"}]}),
        ),
        (
            "activities by kind x start month: count",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, {"field": "start_at", "grain": "month"}]}),
        ),
        (
            "activities by kind x completed month, held or completed: count",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, {"field": "completed_at", "grain": "month"}],
                   "filters": [{"field": "status", "op": "in", "values": ["held", "completed"]}]}),
        ),
        (
            "activities by status x due month: count",
            json!({"entity": "activities", "group_by": [{"field": "status"}, {"field": "due_at", "grain": "month"}]}),
        ),
        // Groupings no single index of the grid leads with.
        (
            "by loss reason x expected close month: count",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, {"field": "expected_close_date", "grain": "month"}]}),
        ),
        (
            "by created month: min, max of amount",
            json!({"entity": "deals", "group_by": [{"field": "created_at", "grain": "month"}],
                   "aggregates": [{"func": "min", "field": "amount"}, {"func": "max", "field": "amount"}]}),
        ),
        // A minimum or maximum beside a field no roll-up keeps them for,
        // by each date.
        (
            "by source x created month: min, max of amount",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "created_at", "grain": "month"}],
                   "aggregates": [{"func": "min", "field": "amount"}, {"func": "max", "field": "amount"}]}),
        ),
        (
            "by pipeline x created month: avg, max of amount",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "created_at", "grain": "month"}],
                   "aggregates": [avg, {"func": "max", "field": "amount"}]}),
        ),
        (
            "by loss reason x closed month: max of amount",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, {"field": "closed_at", "grain": "month"}],
                   "aggregates": [{"func": "max", "field": "amount"}]}),
        ),
        (
            "by stage x expected close month: min of amount",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "expected_close_date", "grain": "month"}],
                   "aggregates": [{"func": "min", "field": "amount"}]}),
        ),
        (
            "by source x closed month: max of amount",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "closed_at", "grain": "month"}],
                   "aggregates": [{"func": "max", "field": "amount"}]}),
        ),
        (
            "by pipeline x expected close month: min of amount",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "expected_close_date", "grain": "month"}],
                   "aggregates": [{"func": "min", "field": "amount"}]}),
        ),
        (
            "by owner x expected close quarter: min, max of amount",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "expected_close_date", "grain": "quarter"}],
                   "aggregates": [{"func": "min", "field": "amount"}, {"func": "max", "field": "amount"}]}),
        ),
        (
            "by currency x created month: min, max of amount",
            json!({"entity": "deals", "group_by": [{"field": "currency"}, {"field": "created_at", "grain": "month"}],
                   "aggregates": [{"func": "min", "field": "amount"}, {"func": "max", "field": "amount"}]}),
        ),
        (
            "by closed quarter x currency: avg, max of amount",
            json!({"entity": "deals", "group_by": [{"field": "closed_at", "grain": "quarter"}, {"field": "currency"}],
                   "aggregates": [avg, {"func": "max", "field": "amount"}]}),
        ),
        (
            "by currency: min of amount",
            json!({"entity": "deals", "group_by": [{"field": "currency"}],
                   "aggregates": [{"func": "min", "field": "amount"}]}),
        ),
        (
            "filtered: by owner x created month, probability over 50: count",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "month"}],
                   "filters": [{"field": "probability", "op": "gt", "values": ["50"]}]}),
        ),
        (
            "filtered: by pipeline x closed month, amount over 100000: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "closed_at", "grain": "month"}],
                   "filters": [{"field": "amount", "op": "gt", "values": ["100000"]}],
                   "aggregates": [count, sum]}),
        ),
        (
            "activities by kind x due month: count",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, {"field": "due_at", "grain": "month"}]}),
        ),
        (
            "activities by status x start month: count",
            json!({"entity": "activities", "group_by": [{"field": "status"}, {"field": "start_at", "grain": "month"}]}),
        ),
        (
            "activities by priority x completed month: count",
            json!({"entity": "activities", "group_by": [{"field": "priority"}, {"field": "completed_at", "grain": "month"}]}),
        ),
        (
            "activities by channel x start month: count",
            json!({"entity": "activities", "group_by": [{"field": "channel"}, {"field": "start_at", "grain": "month"}]}),
        ),
        (
            "activities by owner x completed month: count",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, {"field": "completed_at", "grain": "month"}]}),
        ),
        (
            "activities by owner x created month: count",
            json!({"entity": "activities", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "month"}]}),
        ),
        (
            "activities by kind x status: count",
            json!({"entity": "activities", "group_by": [{"field": "kind"}, {"field": "status"}]}),
        ),
        (
            "activities by priority x due week: count",
            json!({"entity": "activities", "group_by": [{"field": "priority"}, {"field": "due_at", "grain": "week"}]}),
        ),
        (
            "filtered: tasks by priority x due month, due in the last year: count",
            json!({"entity": "activities", "group_by": [{"field": "priority"}, {"field": "due_at", "grain": "month"}],
                   "filters": [{"field": "kind", "op": "eq", "values": ["task"]},
                               {"field": "due_at", "op": "between", "values": year}]}),
        ),
        (
            "leads by owner x created month: count",
            json!({"entity": "leads", "group_by": [{"field": "owner"}, {"field": "created_at", "grain": "month"}]}),
        ),
        (
            "accounts by territory x created quarter: count",
            json!({"entity": "accounts", "group_by": [{"field": "territory"}, {"field": "created_at", "grain": "quarter"}]}),
        ),
        // Found slow outside the bench (2026-12-06): a customer before a
        // date, a pair of fields without one, the probability aggregated.
        (
            "by account x created quarter: count",
            json!({"entity": "deals", "group_by": [{"field": "account"}, {"field": "created_at", "grain": "quarter"}]}),
        ),
        // The customer second: every quarter's customers.
        (
            "by created quarter x account: count",
            json!({"entity": "deals", "group_by": [{"field": "created_at", "grain": "quarter"}, {"field": "account"}]}),
        ),
        (
            "by stage x account: count, sum",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "account"}], "aggregates": [count, sum]}),
        ),
        (
            "by close month x account: sum",
            json!({"entity": "deals", "group_by": [{"field": "closed_at", "grain": "month"}, {"field": "account"}], "aggregates": [sum]}),
        ),
        (
            "by owner x account: max of amount",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "account"}],
                   "aggregates": [{"func": "max", "field": "amount"}]}),
        ),
        (
            "by loss reason x account: count",
            json!({"entity": "deals", "group_by": [{"field": "loss_reason"}, {"field": "account"}]}),
        ),
        (
            "by currency x account: avg of amount",
            json!({"entity": "deals", "group_by": [{"field": "currency"}, {"field": "account"}], "aggregates": [avg]}),
        ),
        (
            "by source x loss reason: avg of amount",
            json!({"entity": "deals", "group_by": [{"field": "source"}, {"field": "loss_reason"}], "aggregates": [avg]}),
        ),
        (
            "by expected close month x currency: max of probability",
            json!({"entity": "deals", "group_by": [{"field": "expected_close_date", "grain": "month"}, {"field": "currency"}],
                   "aggregates": [{"func": "max", "field": "probability"}]}),
        ),
        (
            "by pipeline x stage: sum of probability",
            json!({"entity": "deals", "group_by": [{"field": "pipeline"}, {"field": "stage"}],
                   "aggregates": [{"func": "sum", "field": "probability"}]}),
        ),
        (
            "by owner x stage: count, avg of probability",
            json!({"entity": "deals", "group_by": [{"field": "owner"}, {"field": "stage"}],
                   "aggregates": [count, {"func": "avg", "field": "probability"}]}),
        ),
        (
            "by status x closed week: min of amount",
            json!({"entity": "deals", "group_by": [{"field": "status"}, {"field": "closed_at", "grain": "week"}],
                   "aggregates": [{"func": "min", "field": "amount"}]}),
        ),
        (
            "by stage x owner: max of amount",
            json!({"entity": "deals", "group_by": [{"field": "stage"}, {"field": "owner"}],
                   "aggregates": [{"func": "max", "field": "amount"}]}),
        ),
    ];
    let manager = busiest_manager(db).await?;
    let (_, token) = users::create_token(db, &Actor::system(), manager, "bench").await?;
    let as_manager = Bench {
        client: bench.client.clone(),
        base: bench.base.clone(),
        token,
        session: bench.session.clone(),
    };
    for (who, b) in [("admin", bench), ("manager", &as_manager)] {
        for (name, body) in &cases {
            if only.is_some_and(|text| !name.contains(text)) {
                continue;
            }
            latency_posts(
                b,
                &format!("builder ({who}): {name}"),
                "/api/v1/reports/builder",
                body,
                samples,
            )
            .await?;
        }
    }
    Ok(())
}

/// When the newest deal was created: the reports and the builder's date
/// filters measure the year up to it.
async fn newest_deal(db: &Db) -> Result<Timestamp> {
    let newest: String = scalar_rows(db, "SELECT MAX(created_at) AS t FROM deals")
        .await?
        .first()
        .context("the database has no deals")?
        .try_get("t")?;
    Timestamp::parse(&newest).map_err(|e| anyhow::anyhow!("{newest}: {e}"))
}

/// The reports over the last year of the data (a year back from the day of
/// the newest deal), first as an administrator (sees every deal), then as
/// the manager who owns the most deals (sees their team's, as the demo's
/// teams allow).
async fn reports(bench: &Bench, db: &Db, samples: usize) -> Result<()> {
    let newest = newest_deal(db).await?;
    let day = |days: i64| newest.plus_seconds(days * 86_400).day().to_string();
    let (from, to) = (day(-364), day(0));
    // The pipeline with the most deals.
    let pipeline: i64 = scalar_rows(
        db,
        "SELECT pipeline_id FROM deals GROUP BY pipeline_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .await?[0]
        .try_get("pipeline_id")?;
    let year = format!("from={from}&to={to}");
    let r = "/api/v1/reports";
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "funnel (1 pipeline, 1 year)",
            vec![format!("{r}/funnel?pipeline_id={pipeline}&{year}")],
        ),
        (
            "pipeline as of a day",
            [-300, -180, -90, -30, 0]
                .iter()
                .map(|d| format!("{r}/pipeline-as-of?pipeline_id={pipeline}&date={}", day(*d)))
                .collect(),
        ),
        (
            "forecast (by month, -6..+6 months)",
            vec![format!(
                "{r}/forecast?grain=month&from={}&to={}",
                day(-182),
                day(182)
            )],
        ),
        (
            "dynamics (by month, 1 year)",
            vec![format!("{r}/dynamics?grain=month&{year}")],
        ),
        ("losses (1 year)", vec![format!("{r}/losses?{year}")]),
        (
            "opportunities by source (1 year)",
            vec![format!("{r}/opportunities?by=source&{year}")],
        ),
        (
            "gross profit by product (won deals, 1 year)",
            vec![format!("{r}/gross-profit?by=product&source=deals&{year}")],
        ),
        (
            "gross profit by deal (won deals, 1 year)",
            vec![format!("{r}/gross-profit?by=deal&source=deals&{year}")],
        ),
        (
            "gross profit by deal, the first 500 (won deals, 1 year)",
            vec![format!(
                "{r}/gross-profit?by=deal&source=deals&limit=500&{year}"
            )],
        ),
        (
            "gross profit by owner (won deals, 1 year)",
            vec![format!("{r}/gross-profit?by=owner&source=deals&{year}")],
        ),
        (
            "gross profit by month (won deals, 1 year)",
            vec![format!(
                "{r}/gross-profit?by=period&grain=month&source=deals&{year}"
            )],
        ),
        (
            "gross profit by product (invoices, 1 year)",
            vec![format!(
                "{r}/gross-profit?by=product&source=invoices&{year}"
            )],
        ),
        (
            "gross profit by deal, the first 500 (invoices, 1 year)",
            vec![format!(
                "{r}/gross-profit?by=deal&source=invoices&limit=500&{year}"
            )],
        ),
        (
            "gross profit by owner (invoices, 1 year)",
            vec![format!("{r}/gross-profit?by=owner&source=invoices&{year}")],
        ),
        (
            "gross profit by month (invoices, 1 year)",
            vec![format!(
                "{r}/gross-profit?by=period&grain=month&source=invoices&{year}"
            )],
        ),
        (
            "manager activity (1 year)",
            vec![format!("{r}/activity?{year}")],
        ),
        (
            "manager activity (1 month)",
            vec![format!("{r}/activity?from={}&to={}", day(-30), day(0))],
        ),
    ];
    println!("reports over {from} .. {to}, pipeline {pipeline}");

    // The manager with the most deals.
    let managers: Vec<Id> = users::list_users(db)
        .await?
        .into_iter()
        .filter(|u| u.data.role == Role::Manager && u.data.active)
        .map(|u| u.id)
        .collect();
    let mut manager = None;
    for row in scalar_rows(
        db,
        "SELECT owner_id FROM deals GROUP BY owner_id ORDER BY COUNT(*) DESC",
    )
    .await?
    {
        let owner: i64 = row.try_get("owner_id")?;
        if managers.contains(&owner) {
            manager = Some(owner);
            break;
        }
    }
    let manager = manager.context("no active manager owns deals")?;
    let (_, token) = users::create_token(db, &Actor::system(), manager, "bench").await?;
    let as_manager = Bench {
        client: bench.client.clone(),
        base: bench.base.clone(),
        token,
        session: bench.session.clone(),
    };

    for (who, b) in [("admin", bench), ("manager", &as_manager)] {
        for (name, paths) in &cases {
            latency(b, &format!("report ({who}): {name}"), paths, samples).await?;
        }
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
