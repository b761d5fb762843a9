//! `/api/mappings/`: which doctor looks after which of the user's patients.
//! On `/api/mappings/{id}/`, GET takes a patient id and DELETE a mapping id.

use super::extract::{JsonInput, ListQueryParams, ObjectId};
use super::pagination::links;
use super::schema::{ErrorBody, MappingList, MappingRequest, MappingSaved};
use app::auth::CurrentUser;
use app::error::AppError;
use app::models::PatientDoctors;
use app::services::mappings;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Json;
use axum::{Router, routing::get};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/mappings", get(list).post(create))
        .route("/api/mappings/{id}", get(doctors_of_patient).delete(remove))
}

/// Assign a doctor to one of the caller's patients.
#[utoipa::path(post, path = "/api/mappings/", tag = "mappings",
    request_body = MappingRequest,
    responses(
        (status = 201, description = "Assigned", body = MappingSaved),
        (status = 400, description = "Unknown patient or doctor, or already assigned", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<MappingSaved>), AppError> {
    let mapping = mappings::create(&state.pool, user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(MappingSaved {
            message: "Doctor assigned to patient successfully",
            mapping,
        }),
    ))
}

/// The assignments of the caller's patients, a page at a time.
#[utoipa::path(get, path = "/api/mappings/", tag = "mappings",
    params(
        ("search" = Option<String>, Query, description = "Text in the patient's or the doctor's name"),
        ("is_active" = Option<bool>, Query, description = "true or false"),
        ("patient" = Option<i64>, Query, description = "Only this patient's assignments"),
        ("doctor" = Option<i64>, Query, description = "Only this doctor's assignments"),
        ("ordering" = Option<String>, Query, description = "-assigned_date (default), assigned_date, patient_name, doctor_name, id, -id"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Items per page: default 20, at most 100"),
    ),
    responses(
        (status = 200, description = "A page of assignments", body = MappingList),
        (status = 400, description = "Bad filter or ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Page past the last", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ListQueryParams(query): ListQueryParams,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<MappingList>, AppError> {
    let page = mappings::list(&state.pool, user, &query).await?;
    let (next, previous) = links(&page, &uri, &headers);
    Ok(Json(MappingList {
        count: page.count,
        next,
        previous,
        mappings: page.items,
    }))
}

/// The doctors of one of the caller's patients. **The id is a patient id.**
#[utoipa::path(get, path = "/api/mappings/{id}/", tag = "mappings",
    params(
        ("id" = i64, Path, description = "Patient id"),
        ("ordering" = Option<String>, Query, description = "assigned_date (default), -assigned_date, name, -name"),
        ("page" = Option<i64>, Query, description = "Page number, from 1"),
        ("page_size" = Option<i64>, Query, description = "Items per page: default 20, at most 100"),
    ),
    responses(
        (status = 200, description = "The patient's doctors", body = PatientDoctors),
        (status = 400, description = "Bad ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such patient of yours", body = ErrorBody),
    ))]
pub async fn doctors_of_patient(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(patient_id): ObjectId,
    ListQueryParams(query): ListQueryParams,
) -> Result<Json<PatientDoctors>, AppError> {
    Ok(Json(
        mappings::doctors_of_patient(&state.pool, user, patient_id, &query).await?,
    ))
}

/// Remove an assignment. **The id is a mapping id.**
#[utoipa::path(delete, path = "/api/mappings/{id}/", tag = "mappings",
    params(("id" = i64, Path, description = "Mapping id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such assignment of yours", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<StatusCode, AppError> {
    mappings::delete(&state.pool, user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
