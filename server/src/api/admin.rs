//! `/api/admin/users/`: user accounts, for active administrators only.

use super::extract::{JsonInput, Listed, ObjectId};
use super::pagination::links;
use super::schema::{AccessRequest, AccountBody, AccountList, AccountSaved, ErrorBody};
use app::accounts::admin::{self, AccountQuery};
use app::auth::CurrentUser;
use app::error::AppError;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail, amend))
}

/// Every account, a page at a time.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin",
    params(AccountQuery),
    responses(
        (status = 200, description = "A page of accounts", body = AccountList),
        (status = 400, description = "Bad filter or ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an active administrator", body = ErrorBody),
        (status = 404, description = "Page past the last", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Listed(query): Listed<AccountQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<AccountList>, AppError> {
    let page = admin::list(&state.pool, user, &query).await?;
    let (next, previous) = links(&page, &uri, &headers);
    Ok(Json(AccountList {
        count: page.count,
        next,
        previous,
        users: page.items,
    }))
}

/// One account.
#[utoipa::path(get, path = "/api/admin/users/{id}", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The account", body = AccountBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an active administrator", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
) -> Result<Json<AccountBody>, AppError> {
    let account = admin::get(&state.pool, user, id).await?;
    Ok(Json(AccountBody { user: account }))
}

/// Activate or deactivate an account, grant or revoke administrator rights. Takes effect
/// at once on every instance: a deactivated user's tokens are refused from then on.
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin",
    params(("id" = i64, Path, description = "User id")),
    request_body = AccessRequest,
    responses(
        (status = 200, description = "Changed", body = AccountSaved),
        (status = 400, description = "Not true or false; one's own account; the last administrator", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an active administrator", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn amend(
    State(state): State<AppState>,
    user: CurrentUser,
    ObjectId(id): ObjectId,
    JsonInput(input): JsonInput,
) -> Result<Json<AccountSaved>, AppError> {
    let account = admin::set_access(&state.pool, &state.pool, user, id, input).await?;
    Ok(Json(AccountSaved {
        message: "User updated successfully",
        user: account,
    }))
}
