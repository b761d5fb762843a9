//! `/api/patients/`: the signed-in user's own patients.

use super::extract::{JsonInput, Listed, ObjectId};
use super::pagination::links;
use super::schema::{ErrorBody, PatientBody, PatientList, PatientRequest, PatientSaved};
use app::auth::CurrentUser;
use app::error::AppError;
use app::input::Input;
use app::patients::service::{self as patients, PatientQuery};
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The patients' endpoints, each with its OpenAPI entry.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail, replace, amend, remove))
}

/// Create a patient, owned by the caller.
#[utoipa::path(post, path = "/api/patients", tag = "patients",
    request_body = PatientRequest,
    responses(
        (status = 201, description = "Created", body = PatientSaved),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<PatientSaved>), AppError> {
    let patient = patients::create(&state.pool, user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(PatientSaved {
            message: "Patient created successfully",
            patient,
        }),
    ))
}

/// The caller's patients, a page at a time.
#[utoipa::path(get, path = "/api/patients", tag = "patients",
    params(PatientQuery),
    responses(
        (status = 200, description = "A page of patients", body = PatientList),
        (status = 400, description = "Bad filter or ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Page past the last", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Listed(query): Listed<PatientQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<PatientList>, AppError> {
    let page = patients::list(&state.pool, user, &query).await?;
    let (next, previous) = links(&page, &uri, &headers);
    Ok(Json(PatientList {
        count: page.count,
        next,
        previous,
        patients: page.items,
    }))
}

/// One of the caller's patients.
#[utoipa::path(get, path = "/api/patients/{id}", tag = "patients",
    params(("id" = i64, Path, description = "Patient id")),
    responses(
        (status = 200, description = "The patient", body = PatientBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such patient of yours", body = ErrorBody),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<Json<PatientBody>, AppError> {
    let patient = patients::get(&state.pool, user, id).await?;
    Ok(Json(PatientBody { patient }))
}

/// Replace a patient's fields (name required).
#[utoipa::path(put, path = "/api/patients/{id}", tag = "patients",
    params(("id" = i64, Path, description = "Patient id")),
    request_body = PatientRequest,
    responses(
        (status = 200, description = "Updated", body = PatientSaved),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such patient of yours", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn replace(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<PatientSaved>, AppError> {
    update(state, user, id, input, false).await
}

/// Change some of a patient's fields.
#[utoipa::path(patch, path = "/api/patients/{id}", tag = "patients",
    params(("id" = i64, Path, description = "Patient id")),
    request_body(content = PatientRequest, description = "Any subset of the fields"),
    responses(
        (status = 200, description = "Updated", body = PatientSaved),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such patient of yours", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn amend(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<PatientSaved>, AppError> {
    update(state, user, id, input, true).await
}

async fn update(
    state: AppState,
    user: CurrentUser,
    id: i64,
    input: Input,
    partial: bool,
) -> Result<Json<PatientSaved>, AppError> {
    let patient = patients::update(&state.pool, user, id, input, partial).await?;
    Ok(Json(PatientSaved {
        message: "Patient updated successfully",
        patient,
    }))
}

/// Delete a patient and its doctor assignments.
#[utoipa::path(delete, path = "/api/patients/{id}", tag = "patients",
    params(("id" = i64, Path, description = "Patient id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such patient of yours", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<StatusCode, AppError> {
    patients::delete(&state.pool, user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
