//! `GET /api/health/` (the process is up) and `GET /api/health/ready/` (it can reach its
//! database).

use app::error::AppError;
use app::services::health;
use app::state::AppState;
use axum::extract::State;
use axum::response::Json;
use axum::{Router, routing::get};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(live))
        .route("/api/health/ready", get(ready))
}

async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    health::database_ready(&state.pool).await?;
    Ok(Json(json!({ "status": "ok", "database": "ok" })))
}
