//! The sales records: leads, accounts, contacts, deals, activities, notes,
//! competitors — each with list, get, create, update and delete — and the
//! actions on them (convert, move, close, reopen, timeline).

use crate::auth::Auth;
use crate::error::{ApiResult, ReadErrors, WriteErrors};
use crate::extract::{JsonBody, Typed};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use voronka_core::records::*;
use voronka_store::deals::{
    self, DealCompetitorInput, MoveDeal, ReopenDeal, StageMove, TeamMemberInput,
};
use voronka_store::leads::{self, Conversion, ConvertLead};
use voronka_store::timeline::{self, TimelineEntry};
use voronka_store::{Page, notes, rules};

/// Common list parameters. Besides these, every listed field filters:
/// `field=v`, `field=a,b`, `field__gte=v`, `field__lte=v`,
/// `field__contains=text`, `field__null=true|false`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A field name, `-field` for descending. Default: newest first.
    pub sort: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `true` to count all matching records; `capped` to count up to 10 000
    /// (a total of 10 001 then means "more").
    pub total: Option<String>,
    /// Text in the record's name, e-mail or INN.
    pub q: Option<String>,
}

macro_rules! crud {
    ($m:ident, $ty:ty, $data:ty, $coll:literal, $item:literal, $tag:literal) => {
        pub mod $m {
            use super::*;

            /// List, filtered, sorted and paginated.
            #[utoipa::path(get, path = $coll, tag = $tag, operation_id = concat!("list_", stringify!($m)),
                params(ListParams), responses((status = 200, body = Page<$ty>), ReadErrors))]
            pub async fn list(
                State(state): State<AppState>,
                auth: Auth,
                Query(params): Query<Vec<(String, String)>>,
            ) -> ApiResult<Json<Page<$ty>>> {
                Ok(Json(rules::list::<$ty>(&state.db, &auth.actor, &params).await?))
            }

            /// Create. `owner_id` may be sent beside the fields (default: you).
            #[utoipa::path(post, path = $coll, tag = $tag, operation_id = concat!("create_", stringify!($m)),
                request_body = $data, responses((status = 201, body = $ty), WriteErrors))]
            pub async fn create(
                State(state): State<AppState>,
                auth: Auth,
                JsonBody(body): JsonBody,
            ) -> ApiResult<(StatusCode, Json<$ty>)> {
                let r = rules::create::<$ty>(&state.db, &auth.actor, body).await?;
                Ok((StatusCode::CREATED, Json(r)))
            }

            /// Get one.
            #[utoipa::path(get, path = $item, tag = $tag, operation_id = concat!("get_", stringify!($m)),
                params(("id" = i64, Path)), responses((status = 200, body = $ty), ReadErrors))]
            pub async fn get(State(state): State<AppState>, auth: Auth, Path(id): Path<Id>) -> ApiResult<Json<$ty>> {
                Ok(Json(rules::get::<$ty>(&state.db, &auth.actor, id).await?))
            }

            /// Update the fields sent; the rest stay. Checked again as a whole.
            #[utoipa::path(patch, path = $item, tag = $tag, operation_id = concat!("update_", stringify!($m)),
                params(("id" = i64, Path)), request_body = Object, responses((status = 200, body = $ty), WriteErrors))]
            pub async fn update(
                State(state): State<AppState>,
                auth: Auth,
                Path(id): Path<Id>,
                JsonBody(body): JsonBody,
            ) -> ApiResult<Json<$ty>> {
                Ok(Json(rules::update::<$ty>(&state.db, &auth.actor, id, body).await?))
            }

            /// Delete.
            #[utoipa::path(delete, path = $item, tag = $tag, operation_id = concat!("delete_", stringify!($m)),
                params(("id" = i64, Path)), responses((status = 204, description = "Deleted"), WriteErrors))]
            pub async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<Id>) -> ApiResult<StatusCode> {
                rules::delete::<$ty>(&state.db, &auth.actor, id).await?;
                Ok(StatusCode::NO_CONTENT)
            }

            pub fn router() -> OpenApiRouter<AppState> {
                OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get, update, delete))
            }
        }
    };
}

crud!(
    leads_crud,
    Lead,
    LeadData,
    "/api/v1/leads",
    "/api/v1/leads/{id}",
    "leads"
);
crud!(
    accounts_crud,
    Account,
    AccountData,
    "/api/v1/accounts",
    "/api/v1/accounts/{id}",
    "accounts"
);
crud!(
    contacts_crud,
    Contact,
    ContactData,
    "/api/v1/contacts",
    "/api/v1/contacts/{id}",
    "contacts"
);
crud!(
    deals_crud,
    Deal,
    DealData,
    "/api/v1/deals",
    "/api/v1/deals/{id}",
    "deals"
);
crud!(
    activities_crud,
    Activity,
    ActivityData,
    "/api/v1/activities",
    "/api/v1/activities/{id}",
    "activities"
);
crud!(
    competitors_crud,
    Competitor,
    CompetitorData,
    "/api/v1/competitors",
    "/api/v1/competitors/{id}",
    "competitors"
);

macro_rules! timeline_route {
    ($name:ident, $path:literal, $kind:expr, $tag:literal) => {
        /// The record's story, newest first: changes, stage moves, activities, notes.
        #[utoipa::path(get, path = $path, tag = $tag, params(("id" = i64, Path)),
                            responses((status = 200, body = Vec<TimelineEntry>), ReadErrors))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: Auth,
            Path(id): Path<Id>,
        ) -> ApiResult<Json<Vec<TimelineEntry>>> {
            Ok(Json(
                timeline::timeline(&state.db, &auth.actor, $kind, id).await?,
            ))
        }
    };
}

timeline_route!(
    lead_timeline,
    "/api/v1/leads/{id}/timeline",
    EntityKind::Lead,
    "leads"
);
timeline_route!(
    account_timeline,
    "/api/v1/accounts/{id}/timeline",
    EntityKind::Account,
    "accounts"
);
timeline_route!(
    contact_timeline,
    "/api/v1/contacts/{id}/timeline",
    EntityKind::Contact,
    "contacts"
);
timeline_route!(
    deal_timeline,
    "/api/v1/deals/{id}/timeline",
    EntityKind::Deal,
    "deals"
);

/// Convert (qualify) a lead into an account, a contact and optionally a deal, in one step.
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads", params(("id" = i64, Path)),
    request_body = ConvertLead, responses((status = 200, body = Conversion), WriteErrors))]
pub async fn convert_lead(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<ConvertLead>,
) -> ApiResult<Json<Conversion>> {
    Ok(Json(leads::convert(&state.db, &auth.actor, id, req).await?))
}

/// Move a deal to another stage of its pipeline (a lost stage needs a reason).
#[utoipa::path(post, path = "/api/v1/deals/{id}/move", tag = "deals", params(("id" = i64, Path)),
    request_body = MoveDeal, responses((status = 200, body = Deal), WriteErrors))]
pub async fn move_deal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<MoveDeal>,
) -> ApiResult<Json<Deal>> {
    Ok(Json(
        deals::move_deal(&state.db, &auth.actor, id, req).await?,
    ))
}

/// Close a deal as won, or as lost with a reason.
#[utoipa::path(post, path = "/api/v1/deals/{id}/close", tag = "deals", params(("id" = i64, Path)),
    request_body = CloseDeal, responses((status = 200, body = Deal), WriteErrors))]
pub async fn close_deal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<CloseDeal>,
) -> ApiResult<Json<Deal>> {
    Ok(Json(deals::close(&state.db, &auth.actor, id, req).await?))
}

/// Reopen a closed deal.
#[utoipa::path(post, path = "/api/v1/deals/{id}/reopen", tag = "deals", params(("id" = i64, Path)),
    request_body = ReopenDeal, responses((status = 200, body = Deal), WriteErrors))]
pub async fn reopen_deal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<ReopenDeal>,
) -> ApiResult<Json<Deal>> {
    Ok(Json(deals::reopen(&state.db, &auth.actor, id, req).await?))
}

/// Every stage the deal has been in, newest first.
#[utoipa::path(get, path = "/api/v1/deals/{id}/stage-history", tag = "deals", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<StageMove>), ReadErrors))]
pub async fn deal_history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<StageMove>>> {
    Ok(Json(deals::history(&state.db, &auth.actor, id).await?))
}

/// The deal's sales team.
#[utoipa::path(get, path = "/api/v1/deals/{id}/team", tag = "deals", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DealMember>), ReadErrors))]
pub async fn deal_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<DealMember>>> {
    Ok(Json(deals::team(&state.db, &auth.actor, id).await?))
}

/// Replace the deal's sales team.
#[utoipa::path(put, path = "/api/v1/deals/{id}/team", tag = "deals", params(("id" = i64, Path)),
    request_body = Vec<TeamMemberInput>, responses((status = 200, body = Vec<DealMember>), WriteErrors))]
pub async fn set_deal_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<Vec<TeamMemberInput>>,
) -> ApiResult<Json<Vec<DealMember>>> {
    Ok(Json(
        deals::set_team(&state.db, &auth.actor, id, req).await?,
    ))
}

/// Competitors on the deal and where each stands.
#[utoipa::path(get, path = "/api/v1/deals/{id}/competitors", tag = "deals", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DealCompetitor>), ReadErrors))]
pub async fn deal_competitors(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<DealCompetitor>>> {
    Ok(Json(deals::competitors(&state.db, &auth.actor, id).await?))
}

/// Replace the deal's competitors.
#[utoipa::path(put, path = "/api/v1/deals/{id}/competitors", tag = "deals", params(("id" = i64, Path)),
    request_body = Vec<DealCompetitorInput>, responses((status = 200, body = Vec<DealCompetitor>), WriteErrors))]
pub async fn set_deal_competitors(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<Vec<DealCompetitorInput>>,
) -> ApiResult<Json<Vec<DealCompetitor>>> {
    Ok(Json(
        deals::set_competitors(&state.db, &auth.actor, id, req).await?,
    ))
}

/// Notes of one record: `related_type` and `related_id` are required.
#[utoipa::path(get, path = "/api/v1/notes", tag = "notes", params(ListParams,
    ("related_type" = EntityKind, Query), ("related_id" = i64, Query)),
    responses((status = 200, body = Page<Note>), ReadErrors))]
pub async fn list_notes(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Page<Note>>> {
    Ok(Json(notes::list(&state.db, &auth.actor, &params).await?))
}

/// Add a note to a lead, account, contact or deal.
#[utoipa::path(post, path = "/api/v1/notes", tag = "notes", request_body = NoteData,
    responses((status = 201, body = Note), WriteErrors))]
pub async fn create_note(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Note>)> {
    Ok((
        StatusCode::CREATED,
        Json(notes::create(&state.db, &auth.actor, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = i64, Path)),
    responses((status = 200, body = Note), ReadErrors))]
pub async fn get_note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Note>> {
    Ok(Json(notes::get(&state.db, &auth.actor, id).await?))
}

/// Edit a note's body (its author, heads of sales and administrators).
#[utoipa::path(patch, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = Note), WriteErrors))]
pub async fn update_note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Note>> {
    Ok(Json(notes::update(&state.db, &auth.actor, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    notes::delete(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(leads_crud::router())
        .merge(accounts_crud::router())
        .merge(contacts_crud::router())
        .merge(deals_crud::router())
        .merge(activities_crud::router())
        .merge(competitors_crud::router())
        .routes(routes!(lead_timeline))
        .routes(routes!(account_timeline))
        .routes(routes!(contact_timeline))
        .routes(routes!(deal_timeline))
        .routes(routes!(convert_lead))
        .routes(routes!(move_deal))
        .routes(routes!(close_deal))
        .routes(routes!(reopen_deal))
        .routes(routes!(deal_history))
        .routes(routes!(deal_team, set_deal_team))
        .routes(routes!(deal_competitors, set_deal_competitors))
        .routes(routes!(list_notes, create_note))
        .routes(routes!(get_note, update_note, delete_note))
}
