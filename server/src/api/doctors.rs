//! `/api/doctors/`: the shared directory of doctors.

use super::extract::{JsonInput, Listed, ObjectId};
use super::pagination::links;
use super::schema::{DoctorBody, DoctorList, DoctorRequest, DoctorSaved, ErrorBody};
use app::auth::CurrentUser;
use app::doctors::service::{self as doctors, DoctorQuery};
use app::error::AppError;
use app::input::Input;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The directory's endpoints, each with its OpenAPI entry.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail, replace, amend, remove))
}

/// Add a doctor to the directory.
#[utoipa::path(post, path = "/api/doctors", tag = "doctors",
    request_body = DoctorRequest,
    responses(
        (status = 201, description = "Created", body = DoctorSaved),
        (status = 400, description = "Invalid input, or email / license number taken", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<DoctorSaved>), AppError> {
    let doctor = doctors::create(&state.pool, user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(DoctorSaved {
            message: "Doctor created successfully",
            doctor,
        }),
    ))
}

/// The directory, a page at a time.
#[utoipa::path(get, path = "/api/doctors", tag = "doctors",
    params(DoctorQuery),
    responses(
        (status = 200, description = "A page of doctors", body = DoctorList),
        (status = 400, description = "Bad filter or ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Page past the last", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Listed(query): Listed<DoctorQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<DoctorList>, AppError> {
    let page = doctors::list(&state.pool, user, &query).await?;
    let (next, previous) = links(&page, &uri, &headers);
    Ok(Json(DoctorList {
        count: page.count,
        next,
        previous,
        doctors: page.items,
    }))
}

/// One doctor.
#[utoipa::path(get, path = "/api/doctors/{id}", tag = "doctors",
    params(("id" = i64, Path, description = "Doctor id")),
    responses(
        (status = 200, description = "The doctor", body = DoctorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such doctor", body = ErrorBody),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<Json<DoctorBody>, AppError> {
    let doctor = doctors::get(&state.pool, user, id).await?;
    Ok(Json(DoctorBody { doctor }))
}

/// Replace a doctor's fields (creator or admin only).
#[utoipa::path(put, path = "/api/doctors/{id}", tag = "doctors",
    params(("id" = i64, Path, description = "Doctor id")),
    request_body = DoctorRequest,
    responses(
        (status = 200, description = "Updated", body = DoctorSaved),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the doctor's creator", body = ErrorBody),
        (status = 404, description = "No such doctor", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn replace(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<DoctorSaved>, AppError> {
    update(state, user, id, input, false).await
}

/// Change some of a doctor's fields (creator or admin only).
#[utoipa::path(patch, path = "/api/doctors/{id}", tag = "doctors",
    params(("id" = i64, Path, description = "Doctor id")),
    request_body(content = DoctorRequest, description = "Any subset of the fields"),
    responses(
        (status = 200, description = "Updated", body = DoctorSaved),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the doctor's creator", body = ErrorBody),
        (status = 404, description = "No such doctor", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn amend(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<DoctorSaved>, AppError> {
    update(state, user, id, input, true).await
}

async fn update(
    state: AppState,
    user: CurrentUser,
    id: i64,
    input: Input,
    partial: bool,
) -> Result<Json<DoctorSaved>, AppError> {
    let doctor = doctors::update(&state.pool, user, id, input, partial).await?;
    Ok(Json(DoctorSaved {
        message: "Doctor updated successfully",
        doctor,
    }))
}

/// Remove a doctor and all its assignments (creator or admin only).
#[utoipa::path(delete, path = "/api/doctors/{id}", tag = "doctors",
    params(("id" = i64, Path, description = "Doctor id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the doctor's creator", body = ErrorBody),
        (status = 404, description = "No such doctor", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<StatusCode, AppError> {
    doctors::delete(&state.pool, user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
