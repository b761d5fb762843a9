//! `/api/auth/`: register, login, token refresh, logout, me.

use super::JsonInput;
use super::schema::{
    ErrorBody, LoggedIn, LoginRequest, RefreshRequest, Refreshed, RegisterRequest, Registered,
};
use app::accounts::service as auth;
use app::auth::{CurrentUser, Origin};
use app::error::AppError;
use app::session::UserProfile;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The accounts' endpoints, each with its OpenAPI entry; also the token refresh at
/// `/api/auth/refresh/`, an undocumented alias.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .route("/api/auth/refresh", axum::routing::post(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// Create an account.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", security(()),
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = Registered),
        (status = 400, description = "Invalid input, weak password or email taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address (20 an hour)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until sign-up is allowed again"))),
        (status = 503, description = "Too many passwords being hashed at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    ))]
pub async fn register(
    State(state): State<AppState>,
    origin: Origin,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<Registered>), AppError> {
    let user = auth::register(&state.pool, &state.guard, &origin, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            message: "User registered successfully",
            user,
        }),
    ))
}

/// Exchange email and password for an access token (5 h) and a refresh token (1 day).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoggedIn),
        (status = 400, description = "Missing fields", body = ErrorBody),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many sign-in attempts: 10 in 15 minutes for one email from one address, 50 from one address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until sign-in is allowed again"))),
        (status = 503, description = "Too many passwords being checked at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    origin: Origin,
    JsonInput(input): JsonInput,
) -> Result<Json<LoggedIn>, AppError> {
    let session = auth::login(&state.pool, &state.tokens, &state.guard, &origin, input).await?;
    Ok(Json(LoggedIn {
        message: "Login successful",
        access: session.access,
        refresh: session.refresh,
        user: session.user,
    }))
}

/// A new access token for a valid refresh token (also at `/api/auth/refresh/`).
#[utoipa::path(post, path = "/api/auth/token/refresh", tag = "auth", security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token", body = Refreshed),
        (status = 400, description = "Missing refresh", body = ErrorBody),
        (status = 401, description = "Invalid, expired or revoked refresh token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many renewals from this address (120 a minute)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until renewal is allowed again"))),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    origin: Origin,
    JsonInput(input): JsonInput,
) -> Result<Json<Refreshed>, AppError> {
    let access = auth::refresh(&state.pool, &state.tokens, &state.guard, &origin, input).await?;
    Ok(Json(Refreshed { access }))
}

/// Revoke a refresh token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(()),
    request_body = RefreshRequest,
    responses(
        (status = 205, description = "Revoked"),
        (status = 400, description = "Missing refresh", body = ErrorBody),
        (status = 401, description = "Invalid or already revoked refresh token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    origin: Origin,
    JsonInput(input): JsonInput,
) -> Result<StatusCode, AppError> {
    auth::logout(&state.pool, &state.tokens, &origin, input).await?;
    Ok(StatusCode::RESET_CONTENT)
}

/// The signed-in user's profile.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses(
        (status = 200, description = "The profile", body = UserProfile),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<UserProfile>, AppError> {
    Ok(Json(
        app::session::ssr::profile(&state.pool, user.id).await?,
    ))
}
