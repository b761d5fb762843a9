//! `/api/mappings/`: which doctor looks after which of the user's patients.
//! On `/api/mappings/{id}/`, GET takes a patient id and DELETE a mapping id.

use super::extract::{JsonInput, Listed, ObjectId};
use super::pagination::links;
use super::schema::{ErrorBody, MappingList, MappingRequest, MappingSaved};
use app::assignments::PatientDoctors;
use app::assignments::service::{self as mappings, DoctorsOfPatientQuery, MappingQuery};
use app::auth::CurrentUser;
use app::error::AppError;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The assignments' endpoints, each with its OpenAPI entry.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(doctors_of_patient, remove))
}

/// Assign a doctor to one of the caller's patients.
#[utoipa::path(post, path = "/api/mappings", tag = "mappings",
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
#[utoipa::path(get, path = "/api/mappings", tag = "mappings",
    params(MappingQuery),
    responses(
        (status = 200, description = "A page of assignments", body = MappingList),
        (status = 400, description = "Bad filter or ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Page past the last", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Listed(query): Listed<MappingQuery>,
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
#[utoipa::path(get, path = "/api/mappings/{id}", tag = "mappings",
    params(("id" = i64, Path, description = "Patient id"), DoctorsOfPatientQuery),
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
    Listed(query): Listed<DoctorsOfPatientQuery>,
) -> Result<Json<PatientDoctors>, AppError> {
    Ok(Json(
        mappings::doctors_of_patient(&state.pool, user, patient_id, &query).await?,
    ))
}

/// Remove an assignment. **The id is a mapping id.**
#[utoipa::path(delete, path = "/api/mappings/{id}", tag = "mappings",
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
