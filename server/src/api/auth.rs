//! `/api/auth/`: register, login, token refresh, logout, me.

use super::JsonInput;
use app::auth::CurrentUser;
use app::error::AppError;
use app::services::auth;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Json;
use axum::{Router, routing::get, routing::post};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/token/refresh", post(refresh))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
}

async fn register(
    State(state): State<AppState>,
    JsonInput(input): JsonInput,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let user = auth::register(&state.pool, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": "User registered successfully", "user": user })),
    ))
}

async fn login(
    State(state): State<AppState>,
    JsonInput(input): JsonInput,
) -> Result<Json<Value>, AppError> {
    let session = auth::login(&state.pool, &state.tokens, input).await?;
    Ok(Json(json!({
        "message": "Login successful",
        "access": session.access,
        "refresh": session.refresh,
        "user": session.user,
    })))
}

async fn refresh(
    State(state): State<AppState>,
    JsonInput(input): JsonInput,
) -> Result<Json<Value>, AppError> {
    let access = auth::refresh(&state.pool, &state.tokens, input).await?;
    Ok(Json(json!({ "access": access })))
}

async fn logout(
    State(state): State<AppState>,
    JsonInput(input): JsonInput,
) -> Result<StatusCode, AppError> {
    auth::logout(&state.pool, &state.tokens, input).await?;
    Ok(StatusCode::RESET_CONTENT)
}

async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, AppError> {
    Ok(Json(json!(auth::me(&state.pool, user.id).await?)))
}
