//! Liveness and readiness.

use crate::error::AppError;
use sqlx::PgPool;

/// Whether the database answers a trivial query. Anyone may call it.
///
/// Errors: 503 when the database does not answer.
pub async fn database_ready(pool: &PgPool) -> Result<(), AppError> {
    sqlx::query_scalar!(r#"select 1 as "one!""#)
        .fetch_one(pool)
        .await
        .map(|_| ())
        .map_err(|error| {
            tracing::warn!(%error, "readiness check failed");
            AppError::Unavailable
        })
}
