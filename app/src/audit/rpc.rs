//! The audit trail's server functions, for the staff web app.

use super::AuditEvent;
use crate::error::AppError;
use crate::listing::Page;
use leptos::prelude::*;

/// The most recent events about one patient that the signed-in user may see: every access
/// to their own patient's record (other users' refused attempts included).
#[server(prefix = "/rpc", endpoint = "patient_access_history")]
pub async fn patient_access_history(id: i64) -> Result<Page<AuditEvent>, AppError> {
    use super::service::{self, AuditQuery};
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = AuditQuery {
        patient: Some(id),
        ..AuditQuery::first(super::HISTORY_SHOWN)
    };
    service::list(&state.pool, &user, false, &query).await
}
