//! `/api/mappings/`: which doctor looks after which of the user's patients.
//! On `/api/mappings/{id}/`, GET takes a patient id and DELETE a mapping id.

use super::extract::{JsonInput, ListQueryParams, ObjectId};
use super::pagination::envelope;
use app::auth::CurrentUser;
use app::error::AppError;
use app::services::mappings;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Json;
use axum::{Router, routing::get};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/mappings", get(list).post(create))
        .route("/api/mappings/{id}", get(doctors_of_patient).delete(remove))
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let mapping = mappings::create(&state.pool, user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": "Doctor assigned to patient successfully", "mapping": mapping })),
    ))
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ListQueryParams(query): ListQueryParams,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    let page = mappings::list(&state.pool, user, &query).await?;
    Ok(Json(envelope("mappings", page, &uri, &headers)))
}

/// The id is a patient id.
async fn doctors_of_patient(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(patient_id): ObjectId,
    ListQueryParams(query): ListQueryParams,
) -> Result<Json<Value>, AppError> {
    let doctors = mappings::doctors_of_patient(&state.pool, user, patient_id, &query).await?;
    Ok(Json(json!(doctors)))
}

/// The id is a mapping id.
async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<StatusCode, AppError> {
    mappings::delete(&state.pool, user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
