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

/// Whether the database answers a trivial query. Anyone may call it. Fails at once while
/// the database is known to be down, and otherwise as fast as a read does.
///
/// Errors: 503 when the database does not answer.
#[cfg(feature = "ssr")]
pub async fn database_ready(db: &crate::db::Db) -> Result<(), AppError> {
    if db.is_down() {
        return Err(AppError::Unavailable);
    }
    db.read(async |conn| {
        sqlx::query_scalar!(r#"select 1 as "one!""#)
            .fetch_one(conn)
            .await
            .map(|_| ())
            .map_err(|error| {
                crate::log::warn("readiness check failed", &error);
                AppError::Unavailable
            })
    })
    .await
}
