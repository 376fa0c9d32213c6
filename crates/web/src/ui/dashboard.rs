//! The home page: my activities for today and overdue, my deals by stage as
//! a funnel, and the latest changes on my records.

use super::Ui;
use super::charts;
use super::form::Choices;
use super::layout::{Nav, Page, render};
use super::lists::{self, entity_path, when};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use rust_decimal::Decimal;
use voronka_core::records::{EntityKind, StageKind};
use voronka_store::{audit, deals};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

/// Deals by stage as a funnel: the band's width and centre are its count,
/// beside it the amount in `currency`.
pub fn deal_funnel(ui: &Ui, rows: &[(String, i64, Decimal)], currency: &str) -> Markup {
    let bands: Vec<charts::Band> = rows
        .iter()
        .map(|(name, count, amount)| {
            let money = ui.tr.money(*amount, currency);
            charts::Band {
                hover: format!("{name}: {} · {money}", ui.tr.count("count-deals", *count)),
                name: name.clone(),
                size: Decimal::from(*count),
                centre: count.to_string(),
                detail: money,
            }
        })
        .collect();
    charts::funnel(&ui.tr.t("dashboard-funnel"), &bands, &|d| {
        ui.tr.number(d, 1)
    })
}

/// What an audit entry did, in words: the action, or the fields it changed
/// (only those with a label; internal ones such as `lead_id` say nothing to a person).
fn change_summary(ui: &Ui, e: &audit::AuditEntry) -> String {
    match e.action.as_str() {
        "create" => ui.tr.t("timeline-created"),
        "converted_from_lead" | "convert" => ui.tr.t("timeline-converted"),
        "deal_lost" => ui.tr.t("timeline-deal-lost"),
        _ => e
            .changes
            .iter()
            .map(|c| format!("field-{}", c.field))
            .filter(|id| ui.tr.has(id))
            .take(3)
            .map(|id| ui.tr.t(&id))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

async fn dashboard(State(state): State<AppState>, ui: Ui) -> Response {
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let now = state.db.now();
    let me = ui.user.id.to_string();
    // The end of today in the user's zone.
    let end_of_today = ui
        .tr
        .today(now)
        .and_then(|d| d.tomorrow().ok())
        .and_then(|d| d.to_zoned(ui.tr.tz.clone()).ok())
        .and_then(|z| voronka_core::Timestamp::parse(&z.timestamp().to_string()).ok())
        .unwrap_or(now);
    let open = "planned,not_started,waiting,deferred,in_progress".to_owned();
    let tasks = lists::fetch(
        &state,
        &ui,
        EntityKind::Activity,
        &[
            ("owner_id".into(), me.clone()),
            ("status".into(), open.clone()),
            ("due_at__lte".into(), end_of_today.to_string()),
            ("sort".into(), "due_at".into()),
            ("limit".into(), "30".into()),
        ],
    )
    .await
    .map(|p| p.items)
    .unwrap_or_default();
    let events = lists::fetch(
        &state,
        &ui,
        EntityKind::Activity,
        &[
            ("owner_id".into(), me.clone()),
            ("kind".into(), "event".into()),
            ("status".into(), "planned".into()),
            ("start_at__lte".into(), end_of_today.to_string()),
            ("sort".into(), "start_at".into()),
            ("limit".into(), "30".into()),
        ],
    )
    .await
    .map(|p| p.items)
    .unwrap_or_default();
    let names = lists::ref_names(&state, &ui, &tasks)
        .await
        .unwrap_or_default();
    let pipeline = choices
        .pipelines
        .iter()
        .find(|p| p.data.is_default)
        .or(choices.pipelines.first());
    let funnel = match pipeline {
        Some(p) => match deals::stage_totals(&state.db, &ui.actor, p.id, Some(ui.user.id)).await {
            Ok(totals) => {
                let rows: Vec<_> = p
                    .stages
                    .iter()
                    .filter(|s| s.data.kind != StageKind::Lost)
                    .map(|s| {
                        let t = totals.stages.iter().find(|t| t.stage_id == s.id);
                        (
                            s.data.name.clone(),
                            t.map_or(0, |t| t.deals),
                            t.map_or(Decimal::ZERO, |t| t.amount),
                        )
                    })
                    .collect();
                Some(deal_funnel(&ui, &rows, totals.currency.as_str()))
            }
            Err(e) => {
                tracing::warn!(error = %e, "the dashboard's funnel");
                None
            }
        },
        None => None,
    };
    let recent = audit::recent_for_owner(&state.db, ui.user.id, 12)
        .await
        .unwrap_or_default();
    let forecast = super::reports::dashboard_widgets(&state, &ui).await;
    let t = |k: &str| ui.tr.t(k);
    let item = |v: &serde_json::Value, field: &str| {
        let overdue = v[field]
            .as_str()
            .and_then(|s| voronka_core::Timestamp::parse(s).ok())
            .is_some_and(|d| d < now);
        let related = v["related_type"]
            .as_str()
            .and_then(EntityKind::parse)
            .zip(v["related_id"].as_i64());
        html! {
            li {
                span.overdue[overdue] { (when(&ui, &v[field])) } " · "
                a href=(format!("/activities/{}", v["id"])) { (v["subject"].as_str().unwrap_or_default()) }
                @if let Some((kind, id)) = related {
                    " · " a.muted href=(format!("/{}/{id}", entity_path(kind))) { (names.get(&(kind, id)).cloned().unwrap_or_default()) }
                }
            }
        }
    };
    let body = html! {
        div.grid2 {
            div.stack {
                section.card {
                    h2 { (t("dashboard-today")) " " span.muted { (ui.tr.count("count-tasks", (tasks.len() + events.len()) as i64)) } }
                    @if tasks.is_empty() && events.is_empty() { p.muted { (t("dashboard-nothing-today")) } }
                    ul.timeline {
                        @for v in &events { (item(v, "start_at")) }
                        @for v in &tasks { (item(v, "due_at")) }
                    }
                }
                section.card {
                    h2 { a href="/reports/funnel" { (t("dashboard-funnel")) } }
                    @if let Some(f) = &funnel { (f) }
                }
                (forecast)
            }
            section.card {
                h2 { (t("dashboard-recent")) }
                @if recent.is_empty() { p.muted { (t("timeline-empty")) } }
                ul.timeline {
                    @for (e, title) in &recent {
                        li {
                            div.when { (ui.tr.datetime(e.at)) " · " (e.user_id.map(|u| choices.user_name(u)).unwrap_or_default()) }
                            a href=(format!("/{}/{}", entity_path(e.entity), e.entity_id)) { (title) }
                            " " span.muted { (change_summary(&ui, e)) }
                        }
                    }
                }
            }
        }
    };
    let page = Page {
        title: t("nav-dashboard"),
        nav: Nav::Dashboard,
        actions: Some(
            html! { a.btn.primary href="/leads/new" { "+ " (t("new-lead")) } a.btn href="/deals/new" { "+ " (t("new-deal")) } },
        ),
        body,
    };
    Html(render(&ui, page).into_string()).into_response()
}
