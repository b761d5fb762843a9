//! `GET /api/health/` (the process is up) and `GET /api/health/ready/` (it can reach its
//! database).

use super::schema::{ErrorBody, Status};
use app::error::AppError;
use app::health;
use app::state::AppState;
use axum::extract::State;
use axum::response::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Liveness and readiness, each with its OpenAPI entry.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

/// Liveness: the server answers.
#[utoipa::path(get, path = "/api/health", tag = "health", security(()),
    responses((status = 200, description = "Up", body = Status)))]
pub async fn live() -> Json<Status> {
    Json(Status {
        status: "ok",
        database: None,
    })
}

/// Readiness: the server can reach its database, and is not stopping.
#[utoipa::path(get, path = "/api/health/ready", tag = "health", security(()),
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "The database does not answer, or the server is stopping", body = ErrorBody),
    ))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Status>, AppError> {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(AppError::Stopping);
    }
    health::database_ready(&state.pool).await?;
    Ok(Json(Status {
        status: "ok",
        database: Some("ok"),
    }))
}
