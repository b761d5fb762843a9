//! `/api/audit/`: the audit trail, as JSON or as a FHIR R4 Bundle of AuditEvents.

use super::extract::Listed;
use super::pagination::{links, page_url};
use super::schema::{AuditList, ErrorBody};
use app::accounts::admin;
use app::audit::fhir;
use app::audit::service::{self as audit, AuditQuery};
use app::auth::CurrentUser;
use app::error::AppError;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Json, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Audit events, newest first: who read or changed which patient's record, sign-ins and
/// sign-outs, administrative actions. A user sees the events about their own patients
/// (other users' refused attempts on them included) and their own actions; an
/// administrator sees every event. With `Accept: application/fhir+json` the page comes as
/// a FHIR R4 `Bundle` (type `searchset`) of `AuditEvent` resources.
#[utoipa::path(get, path = "/api/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of events (or, for application/fhir+json, a FHIR R4 searchset Bundle of AuditEvent resources)",
            content(
                (AuditList = "application/json"),
                (Object = "application/fhir+json"),
            )),
        (status = 400, description = "Bad filter or ordering", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Page past the last", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Listed(query): Listed<AuditQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let is_admin = admin::is_admin(&state.pool, &user).await?;
    let page = audit::list(&state.pool, &user, is_admin, &query).await?;
    let (next, previous) = links(&page, &uri, &headers);
    if wants_fhir(&headers) {
        let mut relations = vec![("self", page_url(&uri, &headers, page.page))];
        relations.extend(next.map(|url| ("next", url)));
        relations.extend(previous.map(|url| ("previous", url)));
        let mut response = Json(fhir::bundle(&page, &relations)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(fhir::MEDIA_TYPE),
        );
        return Ok(response);
    }
    Ok(Json(AuditList {
        count: page.count,
        next,
        previous,
        results: page.items,
    })
    .into_response())
}

/// Whether the client asks for FHIR: `Accept: application/fhir+json` is the one way to ask
/// (FHIR's `_format` parameter is not read).
fn wants_fhir(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case(fhir::MEDIA_TYPE))
        })
}

/// `GET /admin/activity.csv`: the admin site's export of the audit trail, with Activity's
/// filters (at most `EXPORT_MAX` events, newest first). Active administrators only; the
/// browser sends the session cookie.
pub async fn export_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Listed(query): Listed<AuditQuery>,
) -> Result<Response, AppError> {
    admin::require_admin(&state.pool, &user).await?;
    let events = audit::export(&state.pool, &user, true, &query).await?;
    // What left the system, and for whom: the query and how many events.
    let event = audit::Event::new(app::audit::action::AUDIT_EXPORT, "audit", None)
        .detail(serde_json::json!({ "query": query.list.asked, "events": events.len() }))
        .administrative(true);
    audit::record_alone(&state.pool, (&user).into(), event).await?;
    let name = format!(
        "attachment; filename=\"carebase-activity-{}.csv\"",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let mut response = app::audit::csv::document(&events).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
