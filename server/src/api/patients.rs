//! `/api/patients/`: the signed-in user's own patients.

use super::extract::{JsonInput, ListQueryParams, ObjectId};
use super::pagination::envelope;
use app::auth::CurrentUser;
use app::error::AppError;
use app::services::patients;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Json;
use axum::{Router, routing::get};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/patients", get(list).post(create))
        .route(
            "/api/patients/{id}",
            get(detail).put(replace).patch(amend).delete(remove),
        )
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let patient = patients::create(&state.pool, user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": "Patient created successfully", "patient": patient })),
    ))
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ListQueryParams(query): ListQueryParams,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    let page = patients::list(&state.pool, user, &query).await?;
    Ok(Json(envelope("patients", page, &uri, &headers)))
}

async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<Json<Value>, AppError> {
    let patient = patients::get(&state.pool, user, id).await?;
    Ok(Json(json!({ "patient": patient })))
}

async fn replace(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<Value>, AppError> {
    update(state, user, id, input, false).await
}

async fn amend(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<Value>, AppError> {
    update(state, user, id, input, true).await
}

async fn update(
    state: AppState,
    user: CurrentUser,
    id: i64,
    input: app::input::Input,
    partial: bool,
) -> Result<Json<Value>, AppError> {
    let patient = patients::update(&state.pool, user, id, input, partial).await?;
    Ok(Json(
        json!({ "message": "Patient updated successfully", "patient": patient }),
    ))
}

async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<StatusCode, AppError> {
    patients::delete(&state.pool, user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
