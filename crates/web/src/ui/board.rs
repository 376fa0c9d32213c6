//! The pipeline board: a column per stage with its count and sum, compact
//! cards, drag and drop between columns (a lost stage asks for the reason),
//! more cards on scroll. Without JavaScript a card still links to its deal.

use super::Ui;
use super::form::{Choices, urlencode};
use super::layout::{Nav, Page, csrf, render};
use super::lists::{self, money_of};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Value;
use std::collections::HashMap;
use voronka_core::Timestamp;
use voronka_core::records::{EntityKind, Id, Pipeline, Stage, StageKind};
use voronka_store::{activities, deals};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/board", get(board))
        .route("/board/cards", get(more_cards))
}

#[derive(serde::Deserialize, Default)]
struct BoardQuery {
    pipeline: Option<Id>,
    owner: Option<Id>,
    /// `true`: only the current user's deals.
    mine: Option<String>,
}

#[derive(serde::Deserialize)]
struct CardsQuery {
    stage: Id,
    owner: Option<Id>,
    cursor: Option<String>,
}

const PAGE: &str = "50";

async fn cards(
    state: &AppState,
    ui: &Ui,
    stage: Id,
    owner: Option<Id>,
    cursor: Option<&str>,
) -> (Vec<Value>, Option<String>) {
    let mut params = vec![
        ("stage_id".to_owned(), stage.to_string()),
        ("sort".to_owned(), "-amount".to_owned()),
        ("limit".to_owned(), PAGE.to_owned()),
    ];
    if let Some(o) = owner {
        params.push(("owner_id".into(), o.to_string()));
    }
    if let Some(c) = cursor {
        params.push(("cursor".into(), c.to_owned()));
    }
    match lists::fetch(state, ui, EntityKind::Deal, &params).await {
        Ok(p) => (p.items, p.next_cursor),
        Err(_) => (Vec::new(), None),
    }
}

async fn card_list(
    state: &AppState,
    ui: &Ui,
    choices: &Choices,
    stage: Id,
    owner: Option<Id>,
    items: &[Value],
    next: Option<String>,
) -> Markup {
    let names = lists::ref_names(state, ui, items).await.unwrap_or_default();
    let ids: Vec<Id> = items.iter().filter_map(|v| v["id"].as_i64()).collect();
    let next_dates = activities::next_dates(&state.db, EntityKind::Deal, &ids)
        .await
        .unwrap_or_default();
    let now = state.db.now();
    html! {
        @for v in items { (card(ui, choices, v, &names, &next_dates, now)) }
        @if let Some(cursor) = next {
            button.more type="button" hx-get=(format!("/board/cards?stage={stage}{}&cursor={}", owner.map(|o| format!("&owner={o}")).unwrap_or_default(), urlencode(&cursor)))
                hx-trigger="click, revealed" hx-swap="outerHTML" { (ui.tr.t("board-more")) }
        }
    }
}

fn card(
    ui: &Ui,
    choices: &Choices,
    v: &Value,
    names: &HashMap<(EntityKind, Id), String>,
    next: &HashMap<Id, Timestamp>,
    now: Timestamp,
) -> Markup {
    let id = v["id"].as_i64().unwrap_or_default();
    let customer = v["account_id"]
        .as_i64()
        .and_then(|a| names.get(&(EntityKind::Account, a)))
        .or_else(|| {
            v["contact_id"]
                .as_i64()
                .and_then(|c| names.get(&(EntityKind::Contact, c)))
        });
    let owner = choices.user_name(v["owner_id"].as_i64().unwrap_or_default());
    let next = next.get(&id);
    let overdue = next.is_some_and(|t| *t < now);
    html! {
        article.dealcard data-deal=(id) {
            a.title href=(format!("/deals/{id}")) { (v["title"].as_str().unwrap_or_default()) }
            @if let Some(c) = customer { div.muted { (c) } }
            div.meta {
                strong { (money_of(ui, v)) }
                span { (short_name(&owner)) }
            }
            @if let Some(t) = next {
                div.meta { span.overdue[overdue] { "◷ " (ui.tr.datetime(*t)) @if overdue { " · " (ui.tr.t("board-overdue")) } } }
            }
        }
    }
}

/// "Петров И. С." from "Петров Иван Сергеевич", where space is tight.
pub fn short_name(full: &str) -> String {
    let mut parts = full.split_whitespace();
    let Some(last) = parts.next() else {
        return String::new();
    };
    let initials: String = parts
        .filter_map(|p| p.chars().next())
        .map(|c| format!("{c}. "))
        .collect();
    format!("{last} {initials}").trim().to_owned()
}

async fn column(
    state: &AppState,
    ui: &Ui,
    choices: &Choices,
    stage: &Stage,
    owner: Option<Id>,
    totals: Option<&deals::StageTotals>,
) -> Markup {
    let total = totals.and_then(|t| t.stages.iter().find(|t| t.stage_id == stage.id));
    let (items, next) = cards(state, ui, stage.id, owner, None).await;
    let closed = stage.data.kind != StageKind::Open;
    html! {
        section.column.closed[closed] aria-label=(stage.data.name) {
            header {
                strong { (stage.data.name) } " " span.muted { (total.map_or(0, |t| t.deals)) }
                @if let Some(totals) = totals {
                    div.sum { (ui.tr.money(total.map_or_else(Default::default, |t| t.amount), totals.currency.as_str())) }
                }
            }
            div.cards data-stage=(stage.id) data-kind=(stage.data.kind.as_str()) {
                (card_list(state, ui, choices, stage.id, owner, &items, next).await)
            }
        }
    }
}

async fn board_markup(
    state: &AppState,
    ui: &Ui,
    choices: &Choices,
    pipeline: &Pipeline,
    owner: Option<Id>,
) -> Markup {
    let totals = deals::stage_totals(&state.db, &ui.actor, pipeline.id, owner)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "the board's sums"))
        .ok();
    let mut columns = Vec::new();
    for s in &pipeline.stages {
        columns.push(column(state, ui, choices, s, owner, totals.as_ref()).await);
    }
    let src = format!(
        "/board?pipeline={}{}",
        pipeline.id,
        owner.map(|o| format!("&owner={o}")).unwrap_or_default()
    );
    html! {
        div.board #board data-src=(src) hx-get=(src) hx-trigger="board-refresh from:body" hx-select="#board" hx-swap="outerHTML" {
            @for c in &columns { (c) }
        }
    }
}

async fn board(State(state): State<AppState>, ui: Ui, Query(q): Query<BoardQuery>) -> Response {
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let pipeline = q
        .pipeline
        .and_then(|id| choices.pipelines.iter().find(|p| p.id == id))
        .or_else(|| choices.pipelines.iter().find(|p| p.data.is_default))
        .or(choices.pipelines.first());
    let Some(pipeline) = pipeline else {
        return Html(
            render(
                &ui,
                Page {
                    title: ui.tr.t("board-title"),
                    nav: Nav::Board,
                    actions: None,
                    body: html! {},
                },
            )
            .into_string(),
        )
        .into_response();
    };
    let owner = if q.mine.is_some() {
        Some(ui.user.id)
    } else {
        q.owner
    };
    let board = board_markup(&state, &ui, &choices, pipeline, owner).await;
    if ui.htmx {
        return Html(board.into_string()).into_response();
    }
    let t = |k: &str| ui.tr.t(k);
    let body = html! {
        form.filters method="get" action="/board" {
            label.sr-only for="pipeline" { (t("field-pipeline_id")) }
            select #pipeline name="pipeline" onchange="this.form.submit()" {
                @for p in &choices.pipelines { option value=(p.id) selected[p.id == pipeline.id] { (p.data.name) } }
            }
            label.sr-only for="owner" { (t("field-owner_id")) }
            select #owner name="owner" {
                option value="" { (t("list-all-owners")) }
                @for u in &choices.users { option value=(u.id) selected[owner == Some(u.id)] { (u.data.name) } }
            }
            a.chip href=(format!("/board?pipeline={}&mine=1", pipeline.id)) aria-current=[(q.mine.is_some()).then_some("true")] { (t("board-my-deals")) }
            button type="submit" { (t("action-apply")) }
        }
        (board)
        dialog #lost-dialog aria-labelledby="lost-title" {
            form #lost-form method="dialog" {
                (csrf(&ui))
                h2 #lost-title { (t("board-lost-title")) }
                input type="hidden" name="deal";
                input type="hidden" name="stage_id";
                div.field { label for="lost-reason-id" { (t("field-reason_id")) }
                    select #lost-reason-id name="reason_id" { option value="" { "—" } @for r in choices.reasons.iter().filter(|r| r.data.active) { option value=(r.id) { (r.data.name) } } } }
                div.field style="margin-top: 8px" { label for="lost-reason" { (t("field-reason")) } input #lost-reason name="reason"; }
                div.error role="alert" {}
                div.formactions style="margin-top: 12px" {
                    button.primary type="submit" { (t("action-close-lost")) }
                    button type="button" onclick="this.closest('dialog').close()" { (t("action-cancel")) }
                }
            }
        }
    };
    let page = Page {
        title: t("board-title"),
        nav: Nav::Board,
        actions: Some(html! { a.btn.primary href="/deals/new" { "+ " (t("new-deal")) } }),
        body,
    };
    Html(render(&ui, page).into_string()).into_response()
}

async fn more_cards(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<CardsQuery>,
) -> Response {
    let choices = match Choices::load(&state.db).await {
        Ok(c) => c,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let (items, next) = cards(&state, &ui, q.stage, q.owner, q.cursor.as_deref()).await;
    Html(
        card_list(&state, &ui, &choices, q.stage, q.owner, &items, next)
            .await
            .into_string(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names() {
        assert_eq!(super::short_name("Петров Иван Сергеевич"), "Петров И. С.");
        assert_eq!(super::short_name("Админ"), "Админ");
    }
}
