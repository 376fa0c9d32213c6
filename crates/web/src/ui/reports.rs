//! The Reports section: each report is a page with filters (a GET form, so a
//! report's address can be bookmarked and shared), a server-drawn chart and
//! a table, and exports to CSV and XLSX of the same table. The pages call the
//! same store functions as `/api/v1/reports/*`, with the same permission rule.

use super::Ui;
use super::charts;
use super::form::{Choices, ReportCurrencies, date_input, iso_day, shown_day};
use super::layout::{Nav, Page, render};
use crate::api::reports::{self as api, ReportParams};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use rust_decimal::Decimal;
use voronka_core::reports::Grain;
use voronka_store::reports;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/{name}", get(report_page))
        .route("/reports/{name}/export", get(export))
}

/// The reports, by their address.
pub const REPORTS: [&str; 8] = [
    "funnel",
    "as-of",
    "forecast",
    "dynamics",
    "losses",
    "opportunities",
    "gross-profit",
    "activity",
];

/// One cell of a report table: typed, so the page formats it for the locale
/// and the exports keep numbers as numbers.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// Text that opens a record on the page (the exports write the text).
    Link(String, String),
    Int(i64),
    Money(Decimal),
    /// A percent or a number of days; empty when there is nothing to divide.
    Num(Option<Decimal>),
}

/// A report as a table: what the page shows and what the exports write.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Cell {
    pub fn show(&self, ui: &Ui, currency: &str) -> String {
        match self {
            Cell::Text(s) | Cell::Link(s, _) => s.clone(),
            Cell::Int(n) => ui.tr.number(Decimal::from(*n), 0),
            Cell::Money(d) => ui.tr.money(*d, currency),
            Cell::Num(Some(d)) => ui.tr.number(*d, 1),
            Cell::Num(None) => "—".to_owned(),
        }
    }
}

fn money(d: Decimal) -> Cell {
    Cell::Money(d)
}

/// A report as built for a page or an export.
pub struct Built {
    pub table: Table,
    pub chart: Markup,
    /// Rows in all: more than the table holds when the report was asked for
    /// its first rows only.
    pub total_rows: u64,
    /// The report currency: the one asked for, or the company's own.
    pub currency: String,
}

/// The report's table and chart for these parameters, `window` its rows
/// (gross profit, which can list a row per deal, asks the store for them).
pub async fn build(
    state: &AppState,
    ui: &Ui,
    name: &str,
    p: &ReportParams,
    window: reports::RowWindow,
) -> Result<Built, ApiError> {
    let t = |k: &str| ui.tr.t(k);
    let now = state.db.now();
    let q = api::request(state, p, &ui.tr.tz).await?;
    let db = &state.db;
    let actor = &ui.actor;
    let cur = q.filter.currency.clone();
    let fmt_money = |d: Decimal| ui.tr.money(d, &cur);
    let fmt_int = |d: Decimal| ui.tr.number(d, 0);
    let h = |keys: &[&str]| keys.iter().map(|k| t(k)).collect::<Vec<_>>();
    let mut total_rows = None;
    let (mut table, chart) = match name {
        "funnel" => {
            let f = reports::funnel(db, actor, &q.filter).await?;
            let mut rows: Vec<Vec<Cell>> = f
                .stages
                .iter()
                .map(|s| {
                    vec![
                        Cell::Text(s.name.clone()),
                        Cell::Int(s.deals),
                        money(s.amount),
                        Cell::Num(s.conversion_next),
                        Cell::Num(s.conversion_won),
                        Cell::Num(s.avg_days),
                    ]
                })
                .collect();
            for (key, tally, rate) in [
                ("report-won", f.won, f.win_rate),
                ("report-lost", f.lost, None),
            ] {
                rows.push(vec![
                    Cell::Text(t(key)),
                    Cell::Int(tally.deals),
                    money(tally.amount),
                    Cell::Num(None),
                    Cell::Num(rate),
                    Cell::Num(None),
                ]);
            }
            let funnel_rows: Vec<(String, i64, Decimal)> = f
                .stages
                .iter()
                .map(|s| (s.name.clone(), s.deals, s.amount))
                .chain([(t("report-won"), f.won.deals, f.won.amount)])
                .collect();
            (
                Table {
                    headers: h(&[
                        "col-stage",
                        "col-deals",
                        "col-amount",
                        "col-conv-next",
                        "col-conv-won",
                        "col-avg-days",
                    ]),
                    rows,
                },
                super::dashboard::deal_funnel(ui, &funnel_rows, &cur),
            )
        }
        "as-of" => {
            let zone = &ui.tr.tz;
            let end = q
                .date
                .inner()
                .next_day()
                .map(voronka_core::Day)
                .and_then(|d| api::local_midnight(d, zone))
                .map(|t| {
                    voronka_core::Timestamp::from_utc(t.inner() - time::Duration::microseconds(1))
                })
                .unwrap_or(now);
            let s = reports::pipeline_as_of(db, actor, &q.filter, end).await?;
            let chart = charts::bars(
                &t("report-as-of"),
                &s.iter()
                    .map(|s| (s.name.clone(), Decimal::from(s.deals)))
                    .collect::<Vec<_>>(),
                &fmt_int,
            );
            (
                Table {
                    headers: h(&["col-stage", "col-deals", "col-amount"]),
                    rows: s
                        .iter()
                        .map(|s| {
                            vec![
                                Cell::Text(s.name.clone()),
                                Cell::Int(s.deals),
                                money(s.amount),
                            ]
                        })
                        .collect(),
                },
                chart,
            )
        }
        "forecast" => {
            let grain = q.grain.unwrap_or(Grain::Month);
            let periods = api::periods(q.from, q.to, grain, &ui.tr.tz)?;
            let rows = reports::forecast(db, actor, &q.filter, &periods).await?;
            let labels: Vec<String> = periods.iter().map(|p| p.label.clone()).collect();
            let sum = |f: &dyn Fn(&reports::ForecastRow) -> Decimal| -> Vec<Decimal> {
                labels
                    .iter()
                    .map(|l| rows.iter().filter(|r| &r.period == l).map(f).sum())
                    .collect()
            };
            let chart = charts::lines(
                &t("report-forecast"),
                &labels,
                &[
                    (t("col-weighted"), sum(&|r| r.weighted)),
                    (t("col-won-amount"), sum(&|r| r.won.amount)),
                ],
                &fmt_money,
            );
            (
                Table {
                    headers: h(&[
                        "col-period",
                        "col-owner",
                        "col-deals",
                        "col-open-amount",
                        "col-weighted",
                        "col-won-deals",
                        "col-won-amount",
                    ]),
                    rows: rows
                        .iter()
                        .map(|r| {
                            vec![
                                Cell::Text(r.period.clone()),
                                Cell::Text(r.owner.clone()),
                                Cell::Int(r.open.deals),
                                money(r.open.amount),
                                money(r.weighted),
                                Cell::Int(r.won.deals),
                                money(r.won.amount),
                            ]
                        })
                        .collect(),
                },
                chart,
            )
        }
        "dynamics" => {
            let periods = api::periods(q.from, q.to, q.grain.unwrap_or(Grain::Month), &ui.tr.tz)?;
            let rows = reports::dynamics(db, actor, &q.filter, &periods).await?;
            let labels: Vec<String> = rows.iter().map(|r| r.period.clone()).collect();
            let chart = charts::lines(
                &t("report-dynamics"),
                &labels,
                &[
                    (
                        t("col-new-deals"),
                        rows.iter().map(|r| Decimal::from(r.new.deals)).collect(),
                    ),
                    (
                        t("col-won-deals"),
                        rows.iter().map(|r| Decimal::from(r.won.deals)).collect(),
                    ),
                    (
                        t("col-lost-deals"),
                        rows.iter().map(|r| Decimal::from(r.lost.deals)).collect(),
                    ),
                ],
                &fmt_int,
            );
            (
                Table {
                    headers: h(&[
                        "col-period",
                        "col-new-deals",
                        "col-new-amount",
                        "col-won-deals",
                        "col-won-amount",
                        "col-lost-deals",
                        "col-lost-amount",
                    ]),
                    rows: rows
                        .iter()
                        .map(|r| {
                            vec![
                                Cell::Text(r.period.clone()),
                                Cell::Int(r.new.deals),
                                money(r.new.amount),
                                Cell::Int(r.won.deals),
                                money(r.won.amount),
                                Cell::Int(r.lost.deals),
                                money(r.lost.amount),
                            ]
                        })
                        .collect(),
                },
                chart,
            )
        }
        "losses" => {
            let l = reports::losses(db, actor, &q.filter).await?;
            let name_of = |r: &reports::LossRow| {
                if r.reason.is_empty() {
                    t("report-no-reason")
                } else {
                    r.reason.clone()
                }
            };
            let chart = charts::pie(
                &t("report-losses"),
                &l.reasons
                    .iter()
                    .map(|r| (name_of(r), Decimal::from(r.lost.deals)))
                    .collect::<Vec<_>>(),
                &fmt_int,
            );
            let mut rows: Vec<Vec<Cell>> = l
                .reasons
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(name_of(r)),
                        Cell::Int(0),
                        Cell::Int(r.lost.deals),
                        money(r.lost.amount),
                        Cell::Num(r.share),
                    ]
                })
                .collect();
            for c in &l.competitors {
                rows.push(vec![
                    Cell::Text(format!("{}: {}", t("col-competitor"), c.competitor)),
                    Cell::Int(c.won.deals),
                    Cell::Int(c.lost.deals),
                    money(c.lost.amount),
                    Cell::Num(c.win_rate),
                ]);
            }
            (
                Table {
                    headers: h(&[
                        "col-reason",
                        "col-won-deals",
                        "col-lost-deals",
                        "col-lost-amount",
                        "col-share",
                    ]),
                    rows,
                },
                chart,
            )
        }
        "opportunities" => {
            let by = api::opportunity_by(p)?;
            let rows = reports::opportunities(db, actor, &q.filter, by).await?;
            let key = |k: &str| {
                if k.is_empty() {
                    "—".to_owned()
                } else {
                    k.to_owned()
                }
            };
            let chart = charts::bars(
                &t("report-opportunities"),
                &rows
                    .iter()
                    .map(|r| (key(&r.key), r.total.amount))
                    .collect::<Vec<_>>(),
                &fmt_money,
            );
            (
                Table {
                    headers: h(&[
                        "col-group",
                        "col-deals",
                        "col-amount",
                        "col-won-deals",
                        "col-lost-deals",
                        "col-win-rate",
                        "col-avg-won",
                        "col-avg-cycle",
                    ]),
                    rows: rows
                        .iter()
                        .map(|r| {
                            vec![
                                Cell::Text(key(&r.key)),
                                Cell::Int(r.total.deals),
                                money(r.total.amount),
                                Cell::Int(r.won.deals),
                                Cell::Int(r.lost.deals),
                                Cell::Num(r.win_rate),
                                r.avg_won_amount.map_or(Cell::Num(None), money),
                                Cell::Num(r.avg_cycle_days),
                            ]
                        })
                        .collect(),
                },
                chart,
            )
        }
        "gross-profit" => {
            let (by, source) = api::profit_by(p)?;
            let periods = api::periods(q.from, q.to, q.grain.unwrap_or(Grain::Month), &ui.tr.tz)?;
            let found =
                reports::gross_profit(db, actor, &q.filter, by, source, &periods, window).await?;
            total_rows = Some(found.total_rows);
            let rows = found.rows;
            // The periods are in order of time, every one of them charted;
            // the other groups in order of profit, the first ones.
            let cut = by != reports::ProfitBy::Period && rows.len() > CHART_BARS;
            let label = if window.offset > 0 {
                // A later page charts its own first groups, and says which.
                let first = window.offset.saturating_add(1);
                let shown = rows.len().min(if cut { CHART_BARS } else { rows.len() }) as u64;
                ui.tr.t1(
                    "report-gross-profit-rows",
                    "range",
                    row_range(ui, first, window.offset.saturating_add(shown)),
                )
            } else if cut {
                ui.tr.t1("report-gross-profit-top", "count", CHART_BARS)
            } else {
                t("report-gross-profit")
            };
            let chart = charts::bars(
                &label,
                &rows
                    .iter()
                    .take(if cut { CHART_BARS } else { rows.len() })
                    .map(|r| (r.key.clone(), r.profit))
                    .collect::<Vec<_>>(),
                &fmt_money,
            );
            (
                Table {
                    headers: h(&[
                        "col-group",
                        "col-revenue",
                        "col-cost",
                        "col-profit",
                        "col-margin",
                    ]),
                    rows: rows
                        .iter()
                        .map(|r| {
                            vec![
                                match r.deal_id {
                                    Some(id) => Cell::Link(r.key.clone(), format!("/deals/{id}")),
                                    None => Cell::Text(r.key.clone()),
                                },
                                money(r.revenue),
                                money(r.cost),
                                money(r.profit),
                                Cell::Num(r.margin),
                            ]
                        })
                        .collect(),
                },
                chart,
            )
        }
        "activity" => {
            let rows = reports::activity(db, actor, &q.filter, now).await?;
            let chart = charts::bars(
                &t("report-activity"),
                &rows
                    .iter()
                    .map(|r| {
                        (
                            r.owner.clone(),
                            Decimal::from(r.calls + r.meetings + r.tasks_done),
                        )
                    })
                    .collect::<Vec<_>>(),
                &fmt_int,
            );
            (
                Table {
                    headers: h(&[
                        "col-owner",
                        "col-calls",
                        "col-meetings",
                        "col-tasks-done",
                        "col-tasks-overdue",
                    ]),
                    rows: rows
                        .iter()
                        .map(|r| {
                            vec![
                                Cell::Text(r.owner.clone()),
                                Cell::Int(r.calls),
                                Cell::Int(r.meetings),
                                Cell::Int(r.tasks_done),
                                Cell::Int(r.tasks_overdue),
                            ]
                        })
                        .collect(),
                },
                chart,
            )
        }
        _ => return Err(ApiError::NotFound),
    };
    // Gross profit asked the store for the window; the others are cut here.
    let total_rows = match total_rows {
        Some(n) => n,
        None => {
            let n = table.rows.len() as u64;
            table.rows = window.cut(std::mem::take(&mut table.rows));
            n
        }
    };
    Ok(Built {
        table,
        chart,
        total_rows,
        currency: cur,
    })
}

async fn index(ui: Ui) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let body = html! {
        ul.report-index {
            @for r in REPORTS {
                li { a href=(format!("/reports/{r}")) { (t(&format!("report-{r}"))) } }
            }
            li { a href="/reports/builder" { (t("report-builder")) } }
        }
    };
    let page = Page {
        title: t("nav-reports"),
        nav: Nav::Reports,
        actions: None,
        body,
    };
    Html(render(&ui, page).into_string()).into_response()
}

/// Days in the filters are typed in the user's format; the reports take ISO.
fn typed_days(ui: &Ui, mut p: ReportParams) -> ReportParams {
    for d in [&mut p.from, &mut p.to, &mut p.date] {
        if let Some(v) = d.take() {
            *d = Some(iso_day(ui, &v));
        }
    }
    p
}

/// What the filters offer besides the shared choices: teams and currencies.
struct FilterChoices {
    teams: Vec<voronka_core::records::Team>,
    currencies: ReportCurrencies,
}

async fn filter_choices(state: &AppState) -> FilterChoices {
    let teams = voronka_store::users::list_teams(&state.db)
        .await
        .unwrap_or_default();
    let currencies = ReportCurrencies::load(&state.db).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "report currencies");
        ReportCurrencies {
            base: String::new(),
            codes: Vec::new(),
        }
    });
    FilterChoices { teams, currencies }
}

fn filters(
    ui: &Ui,
    name: &str,
    p: &ReportParams,
    choices: &Choices,
    more: &FilterChoices,
) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let sel = |o: &Option<String>, val: &str| o.as_deref() == Some(val);
    let grains: &[&str] = match name {
        "forecast" => &["month", "quarter"],
        "dynamics" | "gross-profit" => &["week", "month", "quarter"],
        _ => &[],
    };
    let bys: &[&str] = match name {
        "opportunities" => &["source", "territory", "industry", "owner", "pipeline"],
        "gross-profit" => &["deal", "product", "owner", "period"],
        _ => &[],
    };
    html! {
        form.filters method="get" action=(format!("/reports/{name}")) {
            @if name == "as-of" {
                label { (t("filter-date")) " " (date_input(ui, "flt-date", "date", &shown_day(ui, &v(&p.date)), Some(&t("filter-date")))) }
            } @else {
                label { (t("filter-from")) " " (date_input(ui, "flt-from", "from", &shown_day(ui, &v(&p.from)), Some(&t("filter-from")))) }
                label { (t("filter-to")) " " (date_input(ui, "flt-to", "to", &shown_day(ui, &v(&p.to)), Some(&t("filter-to")))) }
            }
            label { (t("filter-pipeline")) " "
                select name="pipeline_id" {
                    option value="" { "—" }
                    @for pl in &choices.pipelines {
                        option value=(pl.id) selected[sel(&p.pipeline_id, &pl.id.to_string())] { (pl.data.name) }
                    }
                }
            }
            label { (t("filter-owner")) " "
                select name="owner_id" {
                    option value="" { (t("filter-everyone")) }
                    @for u in &choices.users {
                        @if ui.actor.can_see_owner(u.id) {
                            option value=(u.id) selected[sel(&p.owner_id, &u.id.to_string())] { (u.data.name) }
                        }
                    }
                }
            }
            @if !more.teams.is_empty() {
                label { (t("filter-team")) " "
                    select name="team_id" {
                        option value="" { (t("filter-everyone")) }
                        @for team in &more.teams {
                            option value=(team.id) selected[sel(&p.team_id, &team.id.to_string())] { (team.data.name) }
                        }
                    }
                }
            }
            (more.currencies.select(ui, p.currency.as_deref()))
            @if !grains.is_empty() {
                label { (t("filter-grain")) " "
                    select name="grain" {
                        @for g in grains {
                            option value=(g) selected[p.grain.as_deref().unwrap_or("month") == *g] { (t(&format!("grain-{g}"))) }
                        }
                    }
                }
            }
            @if !bys.is_empty() {
                label { (t("filter-by")) " "
                    select name="by" {
                        @for b in bys {
                            option value=(b) selected[sel(&p.by, b)] { (t(&format!("by-{b}"))) }
                        }
                    }
                }
            }
            @if name == "gross-profit" {
                label { (t("filter-source")) " "
                    select name="source" {
                        @for s in ["deals", "invoices"] {
                            option value=(s) selected[sel(&p.source, s)] { (t(&format!("source-{s}"))) }
                        }
                    }
                }
            }
            button.btn.primary type="submit" { (t("report-show")) }
        }
    }
}

/// The query string of a report's parameters, for the export links.
fn query_of(p: &ReportParams) -> String {
    let pairs: Vec<(&str, &Option<String>)> = vec![
        ("pipeline_id", &p.pipeline_id),
        ("owner_id", &p.owner_id),
        ("team_id", &p.team_id),
        ("from", &p.from),
        ("to", &p.to),
        ("currency", &p.currency),
        ("grain", &p.grain),
        ("by", &p.by),
        ("source", &p.source),
        ("date", &p.date),
    ];
    pairs
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|v| (k, v)))
        .map(|(k, v)| format!("&{k}={}", super::form::urlencode(v)))
        .collect()
}

/// "501–1,000": rows by their place, first and last, for the locale.
fn row_range(ui: &Ui, first: u64, last: u64) -> String {
    format!(
        "{}–{}",
        ui.tr.number(Decimal::from(first), 0),
        ui.tr.number(Decimal::from(last), 0)
    )
}

/// Rows a report page shows. A year's gross profit by deal lists every deal
/// won with products, tens of thousands on a busy CRM: a page of them would
/// weigh megabytes and nobody reads past the first screens; the database
/// ranks them and hands over the first alone. The exports hold every row.
const PAGE_ROWS: usize = 500;

/// Bars the gross profit chart draws: the most profitable groups (all the
/// periods, by period). A bar per deal of a year would make a chart
/// kilometres long.
const CHART_BARS: usize = 25;

async fn report_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(name): Path<String>,
    Query(p): Query<ReportParams>,
) -> Response {
    if !REPORTS.contains(&name.as_str()) {
        return ApiError::NotFound.into_response();
    }
    let p = typed_days(&ui, p);
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let more = filter_choices(&state).await;
    let t = |k: &str| ui.tr.t(k);
    // The page's rows: `offset` (a link below the table) steps through
    // them a page at a time.
    // The page's own size: a `limit` in the address is the API's, not its.
    let asked = api::row_window(&ReportParams {
        limit: None,
        ..p.clone()
    });
    let offset = asked.as_ref().map_or(0, |w| w.offset);
    let result = match asked {
        Ok(w) => {
            let window = reports::RowWindow {
                offset: w.offset,
                limit: Some(PAGE_ROWS as u64),
            };
            build(&state, &ui, &name, &p, window).await
        }
        Err(e) => Err(ApiError::from(e)),
    };
    let q = query_of(&p);
    let content = match &result {
        Ok(Built {
            table, total_rows, ..
        }) if table.rows.is_empty() && *total_rows == 0 => html! {
            p.muted { (t("report-empty")) }
        },
        // Past the last row (an address kept from before rows went away):
        // the way to the last page.
        Ok(Built {
            table, total_rows, ..
        }) if table.rows.is_empty() => html! {
            p.muted.rows-cut {
                (ui.tr.t1("report-rows-past-end", "total", ui.tr.number(Decimal::from(*total_rows), 0)))
                " "
                a href=(format!("/reports/{name}?offset={}{q}", (total_rows - 1) / PAGE_ROWS as u64 * PAGE_ROWS as u64)) { (t("report-rows-last")) }
            }
        },
        Ok(Built {
            table,
            chart,
            total_rows,
            currency,
        }) => html! {
            section.card { (chart) }
            table.list.report {
                thead { tr { @for h in &table.headers { th scope="col" { (h) } } } }
                tbody {
                    @for row in &table.rows {
                        tr {
                            @for (i, c) in row.iter().enumerate() {
                                @if let Cell::Link(text, href) = c { th scope="row" { a href=(href) { (text) } } }
                                @else if i == 0 { th scope="row" { (c.show(&ui, currency)) } }
                                @else { td.num { (c.show(&ui, currency)) } }
                            }
                        }
                    }
                }
            }
            @if offset > 0 {
                p.muted.rows-cut {
                    (ui.tr.t2("report-rows-window",
                        ("range", row_range(&ui, offset.saturating_add(1), offset.saturating_add(table.rows.len() as u64))),
                        ("total", ui.tr.number(Decimal::from(*total_rows), 0))))
                }
            } @else if *total_rows > PAGE_ROWS as u64 {
                p.muted.rows-cut {
                    (ui.tr.t2("report-rows-cut", ("shown", PAGE_ROWS), ("total", ui.tr.number(Decimal::from(*total_rows), 0))))
                }
            }
            @if offset > 0 || offset + (table.rows.len() as u64) < *total_rows {
                nav.listfoot aria-label=(t("report-rows-pages")) {
                    @if offset > 0 {
                        a href=(format!("/reports/{name}?offset={}{q}", offset.saturating_sub(PAGE_ROWS as u64))) { (t("report-rows-previous")) }
                    }
                    @if offset + (table.rows.len() as u64) < *total_rows {
                        a href=(format!("/reports/{name}?offset={}{q}", offset + table.rows.len() as u64)) { (t("report-rows-next")) }
                    }
                }
            }
        },
        Err(ApiError::Invalid(fields)) => html! {
            div.flash.error role="alert" {
                @for (k, m) in fields { p { (k) ": " (m) } }
            }
        },
        Err(ApiError::NotFound) => html! { p.muted { (t("report-empty")) } },
        Err(_) => return ApiError::Internal.into_response(),
    };
    let body = html! {
        (filters(&ui, &name, &p, &choices, &more))
        (content)
    };
    let page = Page {
        title: t(&format!("report-{name}")),
        nav: Nav::Reports,
        actions: Some(html! {
            a.btn href=(format!("/reports/{name}/export?format=csv{q}")) { (t("report-export-csv")) }
            a.btn href=(format!("/reports/{name}/export?format=xlsx{q}")) { (t("report-export-xlsx")) }
        }),
        body,
    };
    Html(render(&ui, page).into_string()).into_response()
}

#[derive(serde::Deserialize)]
struct ExportFormat {
    format: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    ui: Ui,
    Path(name): Path<String>,
    Query(fmt): Query<ExportFormat>,
    Query(p): Query<ReportParams>,
) -> Response {
    if !REPORTS.contains(&name.as_str()) {
        return ApiError::NotFound.into_response();
    }
    let p = typed_days(&ui, p);
    let every = reports::RowWindow::default();
    let table = match build(&state, &ui, &name, &p, every).await {
        Ok(v) => v.table,
        Err(e) => return e.into_response(),
    };
    let file = format!("{name}-{}", state.db.now().day());
    match fmt.format.as_deref().unwrap_or("csv") {
        "csv" => match super::export::csv(&table) {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.csv\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(_) => ApiError::Internal.into_response(),
        },
        "xlsx" => match super::export::xlsx(&table, &ui.tr.t(&format!("report-{name}"))) {
            Ok(bytes) => (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.xlsx\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(_) => ApiError::Internal.into_response(),
        },
        _ => (StatusCode::BAD_REQUEST, "format must be csv or xlsx").into_response(),
    }
}

/// The funnel and forecast widgets of the home page: the user's own deals.
pub async fn dashboard_widgets(state: &AppState, ui: &Ui) -> Markup {
    let me = ui.user.id.to_string();
    let p = ReportParams {
        owner_id: Some(me),
        grain: Some("month".into()),
        ..ReportParams::default()
    };
    let Ok(q) = api::request(state, &p, &ui.tr.tz).await else {
        return html! {};
    };
    // Forecast: this month and the next five.
    let today = q.date;
    let start = voronka_core::reports::period_start(today, Grain::Month);
    let mut end = start;
    for _ in 0..6 {
        end = voronka_core::reports::next_period(end, Grain::Month);
    }
    let last = end
        .inner()
        .previous_day()
        .map(voronka_core::Day)
        .unwrap_or(end);
    let periods = api::periods(start, last, Grain::Month, &ui.tr.tz).unwrap_or_default();
    let rows = reports::forecast(&state.db, &ui.actor, &q.filter, &periods)
        .await
        .unwrap_or_default();
    let labels: Vec<String> = periods.iter().map(|p| p.label.clone()).collect();
    let weighted: Vec<(String, Decimal)> = labels
        .iter()
        .map(|l| {
            (
                l.clone(),
                rows.iter()
                    .filter(|r| &r.period == l)
                    .map(|r| r.weighted)
                    .sum(),
            )
        })
        .collect();
    let cur = q.filter.currency.clone();
    let fmt = |d: Decimal| ui.tr.money(d, &cur);
    html! {
        section.card {
            h2 { a href="/reports/forecast" { (ui.tr.t("dashboard-forecast")) } }
            (charts::bars(&ui.tr.t("dashboard-forecast"), &weighted, &fmt))
        }
    }
}
