//! The REST API under `/api/`: thin doors onto the service layer.

mod admin;
mod audit;
mod auth;
pub mod docs;
mod doctors;
mod extract;
mod health;
mod mappings;
mod pagination;
mod patients;
pub mod schema;

use app::error::AppError;
use app::state::AppState;
use axum::Router;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use audit::export_csv as audit_csv;
pub use extract::JsonInput;

/// Every REST route and its OpenAPI entry, assembled in one place: each domain's module
/// registers a handler with `routes!`, which also puts its `#[utoipa::path]` into the
/// document, so the router and the document cannot disagree.
///
/// Paths are routed without their trailing slash: the server trims it from every request
/// before routing (see [`crate::app`]), so both spellings reach the same handler. The
/// document writes them with the slash, as the specification does.
pub fn routes() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(auth::routes())
        .merge(patients::routes())
        .merge(doctors::routes())
        .merge(mappings::routes())
        .merge(health::routes())
        .merge(admin::routes())
        .merge(audit::routes())
        .split_for_parts();
    router
        .route("/api", get(root))
        .merge(docs::routes(docs::finish(document)))
}

/// `GET /api/`: where everything is.
async fn root() -> Json<serde_json::Value> {
    Json(json!({
        "auth": {
            "register": "/api/auth/register/",
            "login": "/api/auth/login/",
            "token_refresh": "/api/auth/token/refresh/",
            "logout": "/api/auth/logout/",
            "me": "/api/auth/me/",
        },
        "patients": "/api/patients/",
        "doctors": "/api/doctors/",
        "mappings": "/api/mappings/",
        "doctors_of_patient": "/api/mappings/{patient_id}/",
        "audit": "/api/audit/",
        "openapi": "/api/openapi.json",
        "docs": "/api/docs/",
        "health": "/api/health/",
        "readiness": "/api/health/ready/",
        "admin_users": "/api/admin/users/",
    }))
}

/// Whether a path belongs to the REST API (whose errors are JSON).
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A JSON 404 for unknown paths under `/api/`.
pub async fn not_found(uri: Uri) -> Response {
    AppError::NotFound(format!("No endpoint at {}.", uri.path())).into_response()
}

/// A JSON 405 for a known path asked with the wrong method.
pub async fn method_not_allowed(method: Method) -> Response {
    AppError::MethodNotAllowed(method.to_string()).into_response()
}
