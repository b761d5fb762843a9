//! Liveness and readiness: whether the server can reach its database.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the start page's status check reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub database: bool,
    pub version: String,
}

/// Reports whether the service and its database are up.
#[server(prefix = "/rpc", endpoint = "service_status")]
pub async fn service_status() -> Result<HealthReport, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let database = database_ready(&state.pool).await.is_ok();
    Ok(HealthReport {
        database,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Whether the database answers a trivial query. Anyone may call it.
///
/// Errors: 503 when the database does not answer.
#[cfg(feature = "ssr")]
pub async fn database_ready(pool: &sqlx::PgPool) -> Result<(), AppError> {
    sqlx::query_scalar!(r#"select 1 as "one!""#)
        .fetch_one(pool)
        .await
        .map(|_| ())
        .map_err(|error| {
            tracing::warn!(%error, "readiness check failed");
            AppError::Unavailable
        })
}
