//! The report builder page, under Reports: pick an entity, columns, filters,
//! one or two groupings, aggregates and a chart; the preview (chart and
//! table) is the same store call as `POST /api/v1/reports/builder`, with the
//! same permission rule. The form is a GET, so a report's address can be
//! bookmarked; saving keeps its definition under a name, optionally shared
//! with a team; exports write the table as CSV or XLSX.

use super::charts;
use super::form::{Fields, ReportCurrencies, iso_day, shown_day, urlencode};
use super::layout::{Nav, Page, csrf, render};
use super::reports::{Cell, Table};
use super::{Post, Ui};
use crate::api::builder::ZoneCalendar;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;
use voronka_core::builder::{
    self as b, AggregateDef, Chart, DateGrain, Definition, Entity, FieldType, FilterDef, Func,
    GroupDef, Op, Plan, Scalar,
};
use voronka_core::records::Id;
use voronka_core::{Day, Invalid, Timestamp};
use voronka_store::StoreError;
use voronka_store::builder::{self as store, Outcome, SavedReportInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/builder", get(builder_page))
        .route("/reports/builder/export", get(export))
        .route("/reports/builder/save", post(save))
        .route("/reports/saved/{id}", get(open_saved))
        .route("/reports/saved/{id}/delete", post(delete_saved))
}

/// Filter rows the form offers.
const FILTER_ROWS: usize = 3;

// ------------------------------------------------------------ form ↔ definition

fn pairs_of(q: &Option<String>) -> Fields {
    Fields(
        q.as_deref()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default(),
    )
}

fn some(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The definition a submitted form describes. Dates are typed in the user's
/// format and read here; everything else is checked by `validate`.
fn definition_from(ui: &Ui, f: &Fields) -> Option<Definition> {
    let entity = some(f.get("entity"))?;
    let date_field = |field: &str| {
        Entity::parse(&entity)
            .and_then(|e| b::field(e, field))
            .is_some_and(|d| d.ty.is_date())
    };
    let mut filters = Vec::new();
    for i in 0..FILTER_ROWS {
        let Some(field) = some(f.get(&format!("f{i}_field"))) else {
            continue;
        };
        let op = some(f.get(&format!("f{i}_op"))).unwrap_or_else(|| "eq".into());
        let mut values = Vec::new();
        for k in ["v1", "v2"] {
            if let Some(v) = some(f.get(&format!("f{i}_{k}"))) {
                if op == "in" {
                    values.extend(v.split(',').map(|s| Scalar::Text(s.trim().to_owned())));
                } else if date_field(&field) {
                    values.push(Scalar::Text(iso_day(ui, &v)));
                } else {
                    values.push(Scalar::Text(v));
                }
            }
        }
        filters.push(FilterDef { field, op, values });
    }
    let mut group_by = Vec::new();
    for g in ["g1", "g2"] {
        if let Some(field) = some(f.get(g)) {
            let grain = if date_field(&field) {
                some(f.get(&format!("{g}_grain")))
            } else {
                None
            };
            group_by.push(GroupDef { field, grain });
        }
    }
    let aggregates = f
        .all("agg")
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once(':') {
            Some((func, field)) => AggregateDef {
                func: func.to_owned(),
                field: Some(field.to_owned()),
            },
            None => AggregateDef {
                func: s.to_owned(),
                field: None,
            },
        })
        .collect();
    Some(Definition {
        entity,
        columns: f
            .all("col")
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        filters,
        group_by,
        aggregates,
        chart: some(f.get("chart")),
        currency: some(f.get("currency")),
    })
}

/// The form's query string for a definition (dates in ISO; the form shows
/// them in the user's format).
pub fn query_of(d: &Definition) -> String {
    let mut q: Vec<(String, String)> = vec![("entity".into(), d.entity.clone())];
    for c in &d.columns {
        q.push(("col".into(), c.clone()));
    }
    for (i, f) in d.filters.iter().enumerate().take(FILTER_ROWS) {
        q.push((format!("f{i}_field"), f.field.clone()));
        q.push((format!("f{i}_op"), f.op.clone()));
        let vals: Vec<String> = f.values.iter().map(Scalar::text).collect();
        if f.op == "in" {
            q.push((format!("f{i}_v1"), vals.join(",")));
        } else {
            for (k, v) in ["v1", "v2"].iter().zip(vals) {
                q.push((format!("f{i}_{k}"), v));
            }
        }
    }
    for (g, gd) in ["g1", "g2"].iter().zip(&d.group_by) {
        q.push(((*g).into(), gd.field.clone()));
        if let Some(gr) = &gd.grain {
            q.push((format!("{g}_grain"), gr.clone()));
        }
    }
    for a in &d.aggregates {
        let v = match &a.field {
            Some(f) => format!("{}:{f}", a.func),
            None => a.func.clone(),
        };
        q.push(("agg".into(), v));
    }
    if let Some(c) = &d.chart {
        q.push(("chart".into(), c.clone()));
    }
    if let Some(c) = &d.currency {
        q.push(("currency".into(), c.clone()));
    }
    q.iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

// ------------------------------------------------------------ labels

fn field_label(ui: &Ui, name: &str) -> String {
    ui.tr.t(&format!("bf-field-{name}"))
}

/// The catalog prefix of a choice field's values (`deal-status-won`).
fn choice_prefix(e: Entity, field: &str) -> Option<&'static str> {
    Some(match (e, field) {
        (Entity::Deals, "status") => "deal-status",
        (Entity::Leads, "status") => "lead-status",
        (Entity::Accounts, "kind") => "account-kind",
        (Entity::Activities, "kind") => "activity-kind",
        (Entity::Activities, "status") => "activity-status",
        (Entity::Activities, "priority") => "priority",
        (Entity::Activities, "channel") => "channel",
        _ => return None,
    })
}

fn aggregate_label(ui: &Ui, a: &b::Aggregate) -> String {
    let func = ui.tr.t(&format!("bf-func-{}", a.func.as_str()));
    match a.field {
        None => func,
        Some(f) => format!("{func}: {}", field_label(ui, f.name)),
    }
}

/// Where a definition's problem is, in words: "Filter 2, values".
fn path_label(ui: &Ui, path: &str) -> String {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let word = ui.tr.t(&format!("bf-path-{name}"));
        out.push(match index {
            Some(i) => format!("{word} {}", i + 1),
            None => word,
        });
    }
    out.join(", ")
}

// ------------------------------------------------------------ the table

fn value_cell(a: &b::Aggregate, v: Option<Decimal>) -> Cell {
    match (a.func, a.field.map(|f| f.ty)) {
        (Func::Count, _) => Cell::Int(v.and_then(|d| d.to_i64()).unwrap_or(0)),
        (_, Some(FieldType::Money)) => match v {
            Some(d) => Cell::Money(d),
            None => Cell::Num(None),
        },
        _ => Cell::Num(v),
    }
}

fn key_label(ui: &Ui, plan: &Plan, i: usize, k: &store::Key) -> String {
    let Some(v) = &k.value else {
        return ui.tr.t("bf-empty");
    };
    match plan.groups.get(i) {
        Some(g) if matches!(g.field.ty, FieldType::Choice(_)) => {
            match choice_prefix(plan.entity, g.field.name) {
                Some(p) => ui.tr.label(p, v),
                None => v.clone(),
            }
        }
        _ => k.label.clone(),
    }
}

fn detail_cell(ui: &Ui, plan: &Plan, f: &b::FieldDef, c: &Option<store::Cell>) -> Cell {
    let Some(c) = c else {
        return Cell::Text(String::new());
    };
    match c {
        store::Cell::Int(n) => Cell::Int(*n),
        store::Cell::Money { amount, currency } if *currency == plan.currency => {
            Cell::Money(*amount)
        }
        store::Cell::Money { amount, currency } => Cell::Text(ui.tr.money(*amount, currency)),
        store::Cell::Ref { label, .. } => Cell::Text(label.clone()),
        store::Cell::Text(s) => Cell::Text(match f.ty {
            FieldType::Instant => Timestamp::parse(s)
                .map(|t| ui.tr.datetime(t))
                .unwrap_or_else(|_| s.clone()),
            FieldType::Day => Day::parse(s)
                .map(|d| ui.tr.day(d))
                .unwrap_or_else(|_| s.clone()),
            FieldType::Choice(_) => match choice_prefix(plan.entity, f.name) {
                Some(p) => ui.tr.label(p, s),
                None => s.clone(),
            },
            _ => s.clone(),
        }),
    }
}

/// The result as a table: the page shows it, the exports write it.
fn table_of(ui: &Ui, plan: &Plan, o: &Outcome) -> Table {
    let mut headers = Vec::new();
    let mut rows = Vec::new();
    if o.groups.is_empty() && !plan.columns.is_empty() {
        headers.extend(plan.columns.iter().map(|f| field_label(ui, f.name)));
        for r in &o.rows {
            rows.push(
                plan.columns
                    .iter()
                    .zip(&r.cells)
                    .map(|(f, c)| detail_cell(ui, plan, f, c))
                    .collect(),
            );
        }
        return Table { headers, rows };
    }
    headers.extend(plan.groups.iter().map(|g| field_label(ui, g.field.name)));
    headers.extend(plan.aggregates.iter().map(|a| aggregate_label(ui, a)));
    for r in &o.rows {
        let mut row: Vec<Cell> = r
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| Cell::Text(key_label(ui, plan, i, k)))
            .collect();
        row.extend(
            plan.aggregates
                .iter()
                .zip(&r.values)
                .map(|(a, v)| value_cell(a, *v)),
        );
        rows.push(row);
    }
    let mut total: Vec<Cell> = (0..plan.groups.len())
        .map(|i| {
            Cell::Text(if i == 0 {
                ui.tr.t("bf-total")
            } else {
                String::new()
            })
        })
        .collect();
    total.extend(
        plan.aggregates
            .iter()
            .zip(&o.totals)
            .map(|(a, v)| value_cell(a, *v)),
    );
    if !plan.groups.is_empty() {
        rows.push(total);
    }
    Table { headers, rows }
}

// ------------------------------------------------------------ the chart

fn chart_of(ui: &Ui, plan: &Plan, o: &Outcome) -> Markup {
    let (Some(first), false) = (plan.aggregates.first(), plan.groups.is_empty()) else {
        return html! {};
    };
    let cur = plan.currency.clone();
    let money = first.field.is_some_and(|f| f.ty == FieldType::Money) && first.func != Func::Count;
    let fmt = move |d: Decimal| {
        if money {
            ui.tr.money(d, &cur)
        } else {
            ui.tr.number(d, if d.fract().is_zero() { 0 } else { 2 })
        }
    };
    let title = aggregate_label(ui, first);
    let label_of = |r: &store::ResultRow| {
        r.keys
            .iter()
            .enumerate()
            .map(|(i, k)| key_label(ui, plan, i, k))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let value_of = |r: &store::ResultRow| r.values.first().copied().flatten().unwrap_or_default();
    if plan.groups.len() == 2 && plan.chart == Chart::Line {
        // One line per value of the second grouping, over the first.
        let mut xs: Vec<String> = Vec::new();
        let mut series: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();
        for r in &o.rows {
            let x = key_label(ui, plan, 0, &r.keys[0]);
            if !xs.contains(&x) {
                xs.push(x.clone());
            }
            let s = key_label(ui, plan, 1, &r.keys[1]);
            series.entry(s).or_default().insert(x, value_of(r));
        }
        let lines: Vec<(String, Vec<Decimal>)> = series
            .into_iter()
            .take(8)
            .map(|(name, m)| {
                let v = xs
                    .iter()
                    .map(|x| m.get(x).copied().unwrap_or_default())
                    .collect();
                (name, v)
            })
            .collect();
        return charts::lines(&title, &xs, &lines, &fmt);
    }
    let rows: Vec<(String, Decimal)> = o
        .rows
        .iter()
        .take(40)
        .map(|r| (label_of(r), value_of(r)))
        .collect();
    match plan.chart {
        Chart::Bar => charts::bars(&title, &rows, &fmt),
        Chart::Pie => charts::pie(&title, &rows, &fmt),
        Chart::Line => {
            let xs: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
            let v: Vec<Decimal> = rows.iter().map(|r| r.1).collect();
            charts::lines(&title, &xs, &[(title.clone(), v)], &fmt)
        }
        Chart::Funnel => {
            let bands: Vec<charts::Band> = rows
                .iter()
                .map(|(name, v)| charts::Band {
                    hover: format!("{name}: {}", fmt(*v)),
                    name: name.clone(),
                    size: *v,
                    centre: fmt(*v),
                    detail: String::new(),
                })
                .collect();
            charts::funnel(&title, &bands, &|d| ui.tr.number(d, 1))
        }
    }
}

// ------------------------------------------------------------ the page

/// Runs the form's definition: the plan and result, or the problems by path.
async fn run(
    state: &AppState,
    ui: &Ui,
    def: &Definition,
) -> Result<(Plan, Outcome), BTreeMap<String, String>> {
    let base = match voronka_store::company::read_base_currency(&state.db).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "report builder");
            return Err(BTreeMap::from([(String::new(), ui.tr.t("bf-failed"))]));
        }
    };
    let plan = def.validate(&base).map_err(|Invalid(e)| ui.tr.errors(&e))?;
    match store::run(&state.db, &ui.actor, &plan, &ZoneCalendar(ui.tr.tz.clone())).await {
        Ok(o) => Ok((plan, o)),
        Err(StoreError::Invalid(Invalid(e))) => Err(ui.tr.errors(&e)),
        Err(e) => {
            tracing::error!(error = %e, "report builder");
            Err(BTreeMap::from([(String::new(), ui.tr.t("bf-failed"))]))
        }
    }
}

fn selected(f: &Fields, name: &str, v: &str) -> bool {
    f.get(name) == Some(v)
}

fn form(ui: &Ui, f: &Fields, entity: Entity, currencies: &ReportCurrencies) -> Markup {
    let t = |k: &str| ui.tr.t(k);
    let fields = b::fields(entity);
    let cols = f.all("col");
    let aggs = f.all("agg");
    let no_aggs = f.get("entity").is_none() || aggs.is_empty();
    let numeric: Vec<&b::FieldDef> = fields.iter().filter(|d| d.aggregatable()).collect();
    html! {
        form.builder method="get" action="/reports/builder" id="builder-form" {
            @if let Some(s) = f.get("saved") { input type="hidden" name="saved" value=(s); }
            div.filters {
                label { (t("bf-entity")) " "
                    select name="entity" id="bf-entity" onchange="this.form.requestSubmit()" {
                        @for e in Entity::ALL {
                            option value=(e.as_str()) selected[e == entity] { (t(&format!("bf-entity-{}", e.as_str()))) }
                        }
                    }
                }
                label { (t("bf-chart")) " "
                    select name="chart" id="bf-chart" {
                        @for c in Chart::ALL {
                            option value=(c.as_str()) selected[selected(f, "chart", c.as_str())] { (t(&format!("bf-chart-{}", c.as_str()))) }
                        }
                    }
                }
                (currencies.select(ui, f.get("currency")))
            }
            fieldset {
                legend { (t("bf-group-by")) }
                div.row { @for g in ["g1", "g2"] {
                    label { (t(&format!("bf-{g}"))) " "
                        select name=(g) id=(format!("bf-{g}")) {
                            option value="" { "—" }
                            @for d in fields.iter().filter(|d| d.groupable) {
                                option value=(d.name) selected[selected(f, g, d.name)] { (field_label(ui, d.name)) }
                            }
                        }
                    }
                    label { (t("bf-grain")) " "
                        select name=(format!("{g}_grain")) id=(format!("bf-{g}-grain")) {
                            @for gr in DateGrain::ALL {
                                option value=(gr.as_str()) selected[f.get(&format!("{g}_grain")).unwrap_or("month") == gr.as_str()] { (t(&format!("bf-grain-{}", gr.as_str()))) }
                            }
                        }
                    }
                } }
            }
            fieldset {
                legend { (t("bf-aggregates")) }
                label.check { input type="checkbox" name="agg" value="count" checked[no_aggs || aggs.contains(&"count")]; " " (t("bf-func-count")) }
                @for d in &numeric {
                    @for func in [Func::Sum, Func::Avg, Func::Min, Func::Max] {
                        @let v = format!("{}:{}", func.as_str(), d.name);
                        label.check { input type="checkbox" name="agg" value=(v) checked[aggs.contains(&v.as_str())]; " " (t(&format!("bf-func-{}", func.as_str()))) ": " (field_label(ui, d.name)) }
                    }
                }
            }
            fieldset {
                legend { (t("bf-filters")) }
                @for i in 0..FILTER_ROWS {
                    div.filter-row {
                        select name=(format!("f{i}_field")) aria-label=(t("bf-path-field")) {
                            option value="" { "—" }
                            @for d in fields {
                                option value=(d.name) selected[selected(f, &format!("f{i}_field"), d.name)] { (field_label(ui, d.name)) }
                            }
                        }
                        select name=(format!("f{i}_op")) aria-label=(t("bf-path-op")) {
                            @for op in Op::ALL {
                                option value=(op.as_str()) selected[selected(f, &format!("f{i}_op"), op.as_str())] { (t(&format!("bf-op-{}", op.as_str()))) }
                            }
                        }
                        @for k in ["v1", "v2"] {
                            @let name = format!("f{i}_{k}");
                            @let v = f.get(&name).unwrap_or("");
                            @let date = f.get(&format!("f{i}_field")).and_then(|n| b::field(entity, n)).is_some_and(|d| d.ty.is_date());
                            input type="text" name=(name) aria-label=(t("bf-path-values")) value=(if date { shown_day(ui, v) } else { v.to_owned() });
                        }
                    }
                }
            }
            fieldset {
                legend { (t("bf-columns")) }
                @for d in fields {
                    label.check { input type="checkbox" name="col" value=(d.name) checked[cols.contains(&d.name)]; " " (field_label(ui, d.name)) }
                }
                p.muted { (t("bf-columns-hint")) }
            }
            button.btn.primary type="submit" id="bf-show" { (t("report-show")) }
        }
    }
}

async fn builder_page(State(state): State<AppState>, ui: Ui, RawQuery(q): RawQuery) -> Response {
    let f = pairs_of(&q);
    page(&state, &ui, &f, None, StatusCode::OK).await
}

/// The whole page: the form, the preview, saving and the saved reports.
async fn page(
    state: &AppState,
    ui: &Ui,
    f: &Fields,
    save_errors: Option<BTreeMap<String, String>>,
    status: StatusCode,
) -> Response {
    let t = |k: &str| ui.tr.t(k);
    let entity = f
        .get("entity")
        .and_then(Entity::parse)
        .unwrap_or(Entity::Deals);
    let def = definition_from(ui, f);
    let result = match &def {
        Some(d) => Some(run(state, ui, d).await),
        None => None,
    };
    let saved = store::list_saved(&state.db, &ui.actor)
        .await
        .unwrap_or_default();
    let teams = voronka_store::users::list_teams(&state.db)
        .await
        .unwrap_or_default();
    let currencies = match ReportCurrencies::load(&state.db).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let current: Option<Id> = f.get("saved").and_then(|s| s.parse().ok());
    let current_report = current.and_then(|id| saved.iter().find(|r| r.id == id));
    let query = def.as_ref().map(query_of).unwrap_or_default();
    let error_box = |errs: &BTreeMap<String, String>| {
        html! {
            div.flash.error role="alert" {
                @for (k, m) in errs {
                    p { @if !k.is_empty() { (path_label(ui, k)) ": " } (m) }
                }
            }
        }
    };
    let preview = match &result {
        None => html! { p.muted { (t("bf-intro")) } },
        Some(Err(errs)) => error_box(errs),
        Some(Ok((plan, o))) => {
            let table = table_of(ui, plan, o);
            let cur = plan.currency.clone();
            html! {
                @if !plan.groups.is_empty() { section.card.chart { (chart_of(ui, plan, o)) } }
                @if o.truncated { p.muted { (t("bf-truncated")) } }
                @if o.rows.is_empty() { p.muted { (t("report-empty")) } }
                table.list.report id="bf-result" {
                    thead { tr { @for h in &table.headers { th scope="col" { (h) } } } }
                    tbody {
                        @for row in &table.rows {
                            tr {
                                @for (i, c) in row.iter().enumerate() {
                                    @if i == 0 { th scope="row" { (c.show(ui, &cur)) } }
                                    @else { td.num { (c.show(ui, &cur)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let can_save = matches!(result, Some(Ok(_)));
    let save_form = html! {
        @if can_save {
            section.card {
                h2 { (t("bf-save")) }
                @if let Some(errs) = &save_errors { (error_box(errs)) }
                form method="post" action="/reports/builder/save" id="bf-save-form" {
                    (csrf(ui))
                    input type="hidden" name="query" value=(query);
                    @if let Some(r) = current_report.filter(|r| r.can_edit) {
                        input type="hidden" name="id" value=(r.id);
                    }
                    label { (t("bf-name")) " "
                        input type="text" name="name" id="bf-name" required maxlength="100"
                            value=(current_report.map(|r| r.name.as_str()).unwrap_or(""));
                    }
                    " "
                    label { (t("bf-share")) " "
                        select name="team_id" id="bf-team" {
                            option value="" { (t("bf-only-me")) }
                            @for team in &teams {
                                option value=(team.id) selected[current_report.and_then(|r| r.team_id) == Some(team.id)] { (team.data.name) }
                            }
                        }
                    }
                    " "
                    button.btn.primary type="submit" { (t("bf-save")) }
                    @if current_report.is_some_and(|r| r.can_edit) {
                        " "
                        button.btn type="submit" name="as_new" value="1" { (t("bf-save-as-new")) }
                    }
                }
            }
        }
    };
    let saved_list = html! {
        section.card {
            h2 { (t("bf-saved")) }
            @if saved.is_empty() { p.muted { (t("bf-no-saved")) } }
            ul.saved-reports {
                @for r in &saved {
                    li {
                        a href=(format!("/reports/saved/{}", r.id)) aria-current=[(current == Some(r.id)).then_some("page")] { (r.name) }
                        " " span.muted { (r.owner) @if r.team_id.is_some() { " · " (t("bf-shared")) } }
                        @if r.can_edit {
                            form.inline method="post" action=(format!("/reports/saved/{}/delete", r.id)) {
                                (csrf(ui))
                                button.btn.small type="submit" aria-label=(t("bf-delete")) { "×" }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (form(ui, f, entity, &currencies))
        (preview)
        (save_form)
        (saved_list)
    };
    let actions = can_save.then(|| {
        html! {
            a.btn href=(format!("/reports/builder/export?format=csv&{query}")) { (t("report-export-csv")) }
            a.btn href=(format!("/reports/builder/export?format=xlsx&{query}")) { (t("report-export-xlsx")) }
        }
    });
    let title = match current_report {
        Some(r) => format!("{} — {}", t("report-builder"), r.name),
        None => t("report-builder"),
    };
    let page = Page {
        title,
        nav: Nav::Reports,
        actions,
        body,
    };
    (status, Html(render(ui, page).into_string())).into_response()
}

async fn export(State(state): State<AppState>, ui: Ui, RawQuery(q): RawQuery) -> Response {
    let f = pairs_of(&q);
    let Some(def) = definition_from(&ui, &f) else {
        return ApiError::BadRequest("entity is required".into()).into_response();
    };
    let (plan, o) = match run(&state, &ui, &def).await {
        Ok(v) => v,
        Err(errs) => return ApiError::Invalid(errs).into_response(),
    };
    let table = table_of(&ui, &plan, &o);
    let file = format!("report-{}-{}", plan.entity.as_str(), state.db.now().day());
    let (bytes, kind, ext) = match f.get("format").unwrap_or("csv") {
        "csv" => (super::export::csv(&table), "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            super::export::xlsx(&table, &ui.tr.t("report-builder")),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return (StatusCode::BAD_REQUEST, "format must be csv or xlsx").into_response(),
    };
    match bytes {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, kind.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.{ext}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "report export");
            ApiError::Internal.into_response()
        }
    }
}

/// Saves the previewed definition: a new report, or the opened one when its
/// owner (or an administrator) saves it again.
async fn save(State(state): State<AppState>, Post { ui, form }: Post) -> Response {
    let query = form.get("query").unwrap_or_default().to_owned();
    let f = pairs_of(&Some(query.clone()));
    let Some(definition) = definition_from(&ui, &f) else {
        return Redirect::to("/reports/builder").into_response();
    };
    let team_id = form.get("team_id").and_then(|s| s.parse::<Id>().ok());
    let input = SavedReportInput {
        name: form.get("name").unwrap_or_default().to_owned(),
        team_id,
        definition,
    };
    let id = form
        .get("id")
        .and_then(|s| s.parse::<Id>().ok())
        .filter(|_| form.get("as_new").is_none());
    let result = match id {
        Some(id) => store::update_saved(&state.db, &ui.actor, id, input).await,
        None => store::create_saved(&state.db, &ui.actor, input).await,
    };
    match result {
        Ok(r) => Redirect::to(&format!("/reports/saved/{}", r.id)).into_response(),
        Err(StoreError::Invalid(Invalid(e))) => {
            let mut f = f;
            if let Some(id) = id {
                f.0.push(("saved".into(), id.to_string()));
            }
            let errs = ui.tr.errors(&e);
            page(
                &state,
                &ui,
                &f,
                Some(errs),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Opens a saved report: the builder with its definition.
async fn open_saved(State(state): State<AppState>, ui: Ui, Path(id): Path<Id>) -> Response {
    match store::get_saved(&state.db, &ui.actor, id).await {
        Ok(r) => Redirect::to(&format!(
            "/reports/builder?{}&saved={}",
            query_of(&r.definition),
            r.id
        ))
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn delete_saved(
    State(state): State<AppState>,
    Path(id): Path<Id>,
    Post { ui, .. }: Post,
) -> Response {
    match store::delete_saved(&state.db, &ui.actor, id).await {
        Ok(()) => Redirect::to("/reports/builder").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
