//! Settings: users, teams, pipelines with their stages, and the admin lists.
//! Everyone may read them (owner pickers, stage names); only administrators change them.

use crate::auth::{Auth, hash_password};
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::extract::{JsonBody, Typed};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use voronka_core::records::{
    Id, Lookup, LookupData, LookupKind, Pipeline, PipelineData, Stage, StageData, Team, TeamData,
    User, UserData,
};
use voronka_store::{lookups, pipelines, users};

/// All users (for owner pickers and teams).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<User>), ReadErrors))]
pub async fn list_users(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(users::list_users(&state.db).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = User), ReadErrors))]
pub async fn get_user(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<User>> {
    Ok(Json(users::get_user(&state.db, id).await?))
}

/// Create a user (administrators). Send `password` beside the fields.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserData, responses((status = 201, body = User), WriteErrors))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<User>)> {
    // Before the password is looked at: a non-admin learns nothing and costs no hashing.
    if !auth.actor.is_admin() {
        return Err(ApiError::Forbidden(
            "only an administrator can create users".into(),
        ));
    }
    let mut body = match body {
        Value::Object(m) => m,
        _ => {
            return Err(ApiError::Invalid(
                [("body".to_owned(), "must be a JSON object".to_owned())].into(),
            ));
        }
    };
    let hash = match body.remove("password") {
        Some(Value::String(p)) => {
            users::check_password(&p)?;
            Some(hash_password(p).await?)
        }
        None | Some(Value::Null) => None,
        Some(_) => {
            return Err(ApiError::Invalid(
                [("password".to_owned(), "must be a string".to_owned())].into(),
            ));
        }
    };
    let user = users::create_user(&state.db, &auth.actor, Value::Object(body), hash).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change a user (administrators; anyone for their own name, e-mail, locale and time zone).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = User), WriteErrors))]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<User>> {
    Ok(Json(
        users::update_user(&state.db, &auth.actor, id, body).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    pub password: String,
}

/// Set a user's password (administrators); their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)), request_body = SetPassword,
    responses((status = 204, description = "Set"), WriteErrors))]
pub async fn set_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<SetPassword>,
) -> ApiResult<StatusCode> {
    if !auth.actor.is_admin() {
        return Err(ApiError::Forbidden(
            "only an administrator can set passwords".into(),
        ));
    }
    users::check_password(&req.password)?;
    let hash = hash_password(req.password).await?;
    users::set_password_hash(&state.db, &auth.actor, id, hash, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "users", responses((status = 200, body = Vec<Team>), ReadErrors))]
pub async fn list_teams(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Vec<Team>>> {
    Ok(Json(users::list_teams(&state.db).await?))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = Team), ReadErrors))]
pub async fn get_team(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Team>> {
    Ok(Json(users::get_team(&state.db, id).await?))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "users", request_body = TeamData, responses((status = 201, body = Team), WriteErrors))]
pub async fn create_team(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Team>)> {
    Ok((
        StatusCode::CREATED,
        Json(users::create_team(&state.db, &auth.actor, body).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "users", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Team), WriteErrors))]
pub async fn update_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Team>> {
    Ok(Json(
        users::update_team(&state.db, &auth.actor, id, body).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_team(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    users::delete_team(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// All pipelines with their stages, in order.
#[utoipa::path(get, path = "/api/v1/pipelines", tag = "pipelines", responses((status = 200, body = Vec<Pipeline>), ReadErrors))]
pub async fn list_pipelines(
    State(state): State<AppState>,
    _auth: Auth,
) -> ApiResult<Json<Vec<Pipeline>>> {
    Ok(Json(pipelines::list(&state.db).await?))
}

#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(("id" = i64, Path)), responses((status = 200, body = Pipeline), ReadErrors))]
pub async fn get_pipeline(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Pipeline>> {
    Ok(Json(pipelines::get(&state.db, id).await?))
}

/// Create a pipeline; `stages` (a list of stages) may be sent beside the fields, else the default set is used.
#[utoipa::path(post, path = "/api/v1/pipelines", tag = "pipelines", request_body = PipelineData,
    responses((status = 201, body = Pipeline), WriteErrors))]
pub async fn create_pipeline(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Pipeline>)> {
    let p = pipelines::create(&state.db, &auth.actor, body, &state.config.default_locale).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(patch, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Pipeline), WriteErrors))]
pub async fn update_pipeline(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Pipeline>> {
    Ok(Json(
        pipelines::update(&state.db, &auth.actor, id, body).await?,
    ))
}

/// Delete a pipeline that holds no deals.
#[utoipa::path(delete, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_pipeline(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    pipelines::delete(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a stage to a pipeline.
#[utoipa::path(post, path = "/api/v1/pipelines/{id}/stages", tag = "pipelines", params(("id" = i64, Path)), request_body = StageData,
    responses((status = 201, body = Stage), WriteErrors))]
pub async fn create_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Stage>)> {
    Ok((
        StatusCode::CREATED,
        Json(pipelines::create_stage(&state.db, &auth.actor, id, body).await?),
    ))
}

/// Rename, reorder or re-weigh a stage.
#[utoipa::path(patch, path = "/api/v1/stages/{id}", tag = "pipelines", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Stage), WriteErrors))]
pub async fn update_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Stage>> {
    Ok(Json(
        pipelines::update_stage(&state.db, &auth.actor, id, body).await?,
    ))
}

/// Delete a stage that holds no deals.
#[utoipa::path(delete, path = "/api/v1/stages/{id}", tag = "pipelines", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    pipelines::delete_stage(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! lookup_routes {
    ($m:ident, $kind:expr, $coll:literal, $item:literal) => {
        pub mod $m {
            use super::*;

            #[utoipa::path(get, path = $coll, tag = "lists", operation_id = concat!("list_", stringify!($m)),
                responses((status = 200, body = Vec<Lookup>), ReadErrors))]
            pub async fn list(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Vec<Lookup>>> {
                Ok(Json(lookups::list(&state.db, $kind).await?))
            }

            #[utoipa::path(post, path = $coll, tag = "lists", operation_id = concat!("create_", stringify!($m)),
                request_body = LookupData, responses((status = 201, body = Lookup), WriteErrors))]
            pub async fn create(State(state): State<AppState>, auth: Auth, JsonBody(body): JsonBody) -> ApiResult<(StatusCode, Json<Lookup>)> {
                Ok((StatusCode::CREATED, Json(lookups::create(&state.db, &auth.actor, $kind, body).await?)))
            }

            #[utoipa::path(patch, path = $item, tag = "lists", operation_id = concat!("update_", stringify!($m)),
                params(("id" = i64, Path)), request_body = Object, responses((status = 200, body = Lookup), WriteErrors))]
            pub async fn update(State(state): State<AppState>, auth: Auth, Path(id): Path<Id>, JsonBody(body): JsonBody) -> ApiResult<Json<Lookup>> {
                Ok(Json(lookups::update(&state.db, &auth.actor, $kind, id, body).await?))
            }

            /// Delete an unused entry; one in use can only be deactivated.
            #[utoipa::path(delete, path = $item, tag = "lists", operation_id = concat!("delete_", stringify!($m)),
                params(("id" = i64, Path)), responses((status = 204, description = "Deleted"), WriteErrors))]
            pub async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<Id>) -> ApiResult<StatusCode> {
                lookups::delete(&state.db, &auth.actor, $kind, id).await?;
                Ok(StatusCode::NO_CONTENT)
            }

            pub fn router() -> OpenApiRouter<AppState> {
                OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(update, delete))
            }
        }
    };
}

lookup_routes!(
    lead_sources,
    LookupKind::LeadSource,
    "/api/v1/lead-sources",
    "/api/v1/lead-sources/{id}"
);
lookup_routes!(
    loss_reasons,
    LookupKind::LossReason,
    "/api/v1/loss-reasons",
    "/api/v1/loss-reasons/{id}"
);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(set_password))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team, delete_team))
        .routes(routes!(list_pipelines, create_pipeline))
        .routes(routes!(get_pipeline, update_pipeline, delete_pipeline))
        .routes(routes!(create_stage))
        .routes(routes!(update_stage, delete_stage))
        .merge(lead_sources::router())
        .merge(loss_reasons::router())
}
