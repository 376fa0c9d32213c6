//! The report builder as JSON: run a definition, read the field catalogue,
//! and keep saved reports (yours, and those shared with your team).
//! Date filters and date groupings use the calendar days of your time zone.

use crate::auth::Auth;
use crate::error::{ApiResult, ReadErrors, WriteErrors};
use crate::extract::Typed;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use voronka_core::builder::{self as b, Definition, Entity, FieldType};
use voronka_core::records::Id;
use voronka_core::{Day, Timestamp};
use voronka_store::builder::{self as store, Calendar, Outcome, SavedReport, SavedReportInput};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run))
        .routes(routes!(catalogue))
        .routes(routes!(list_saved, create_saved))
        .routes(routes!(get_saved, update_saved, delete_saved))
        .routes(routes!(run_saved))
}

/// A user's calendar, from their IANA time zone.
pub struct ZoneCalendar(pub jiff::tz::TimeZone);

impl ZoneCalendar {
    pub fn of(auth: &Auth) -> ZoneCalendar {
        ZoneCalendar(
            jiff::tz::TimeZone::get(&auth.user.data.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
        )
    }
}

impl Calendar for ZoneCalendar {
    fn midnight(&self, day: Day) -> Option<Timestamp> {
        crate::api::reports::local_midnight(day, &self.0)
    }

    fn day_of(&self, t: Timestamp) -> Day {
        jiff::Timestamp::from_second(t.inner().unix_timestamp())
            .ok()
            .map(|j| j.to_zoned(self.0.clone()).date())
            .and_then(|d| Day::parse(&d.to_string()).ok())
            .unwrap_or_else(|| t.day())
    }
}

/// Checks a definition and runs it for the caller.
pub async fn execute(state: &AppState, auth: &Auth, def: &Definition) -> ApiResult<Outcome> {
    let base = voronka_store::company::read_base_currency(&state.db).await?;
    let plan = def.validate(&base)?;
    Ok(store::run(&state.db, &auth.actor, &plan, &ZoneCalendar::of(auth)).await?)
}

/// Runs a report definition: one or two groupings with their aggregates, or
/// columns per record when there is no grouping. Counts only the records you
/// may see; a bad part of the definition is a 422 naming it
/// (`filters[0].op`, `group_by[1].field`, …).
#[utoipa::path(post, path = "/api/v1/reports/builder", tag = "reports", request_body = Definition,
    responses((status = 200, body = Outcome), ReadErrors))]
pub async fn run(
    State(state): State<AppState>,
    auth: Auth,
    Typed(def): Typed<Definition>,
) -> ApiResult<Json<Outcome>> {
    Ok(Json(execute(&state, &auth, &def).await?))
}

/// One field a report can use.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldInfo {
    pub name: &'static str,
    /// text, number, money, datetime, date, reference or choice.
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub groupable: bool,
    /// Sum, avg, min and max apply.
    pub aggregatable: bool,
    /// The filter operators it takes.
    pub ops: Vec<&'static str>,
    /// The values of a choice field.
    pub choices: Vec<&'static str>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntityInfo {
    pub entity: Entity,
    pub fields: Vec<FieldInfo>,
}

pub fn catalogue_info() -> Vec<EntityInfo> {
    Entity::ALL
        .into_iter()
        .map(|e| EntityInfo {
            entity: e,
            fields: b::fields(e)
                .iter()
                .map(|f| FieldInfo {
                    name: f.name,
                    ty: f.ty.name(),
                    groupable: f.groupable,
                    aggregatable: f.aggregatable(),
                    ops: f.ty.ops().iter().map(|o| o.as_str()).collect(),
                    choices: match f.ty {
                        FieldType::Choice(c) => c.to_vec(),
                        _ => Vec::new(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// The entities and fields a report can use, with what each allows.
#[utoipa::path(get, path = "/api/v1/reports/builder/fields", tag = "reports",
    responses((status = 200, body = Vec<EntityInfo>), ReadErrors))]
pub async fn catalogue(_auth: Auth) -> Json<Vec<EntityInfo>> {
    Json(catalogue_info())
}

/// Your saved reports and those shared with your team (an administrator sees all).
#[utoipa::path(get, path = "/api/v1/saved-reports", tag = "reports",
    responses((status = 200, body = Vec<SavedReport>), ReadErrors))]
pub async fn list_saved(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<SavedReport>>> {
    Ok(Json(store::list_saved(&state.db, &auth.actor).await?))
}

/// Saves a report; `team_id` shares it with a team. The definition is checked
/// as for running (its problems under `definition.…`).
#[utoipa::path(post, path = "/api/v1/saved-reports", tag = "reports", request_body = SavedReportInput,
    responses((status = 201, body = SavedReport), WriteErrors))]
pub async fn create_saved(
    State(state): State<AppState>,
    auth: Auth,
    Typed(input): Typed<SavedReportInput>,
) -> ApiResult<(StatusCode, Json<SavedReport>)> {
    let r = store::create_saved(&state.db, &auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[utoipa::path(get, path = "/api/v1/saved-reports/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = SavedReport), ReadErrors))]
pub async fn get_saved(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<SavedReport>> {
    Ok(Json(store::get_saved(&state.db, &auth.actor, id).await?))
}

/// Replaces a saved report's name, team and definition: its owner or an
/// administrator only (others who can read it get 403).
#[utoipa::path(put, path = "/api/v1/saved-reports/{id}", tag = "reports", params(("id" = i64, Path)),
    request_body = SavedReportInput, responses((status = 200, body = SavedReport), WriteErrors))]
pub async fn update_saved(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(input): Typed<SavedReportInput>,
) -> ApiResult<Json<SavedReport>> {
    Ok(Json(
        store::update_saved(&state.db, &auth.actor, id, input).await?,
    ))
}

/// Deletes a saved report: its owner or an administrator only.
#[utoipa::path(delete, path = "/api/v1/saved-reports/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 204), WriteErrors))]
pub async fn delete_saved(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    store::delete_saved(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a saved report for you: shared reports count only what you may see.
#[utoipa::path(get, path = "/api/v1/saved-reports/{id}/run", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = Outcome), ReadErrors))]
pub async fn run_saved(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Outcome>> {
    let r = store::get_saved(&state.db, &auth.actor, id).await?;
    Ok(Json(execute(&state, &auth, &r.definition).await?))
}
