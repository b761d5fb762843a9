//! The OpenAPI 3.1 document: its frame here (title, security, tags); its paths come from
//! the handlers as `super::routes` registers them. Served at `/api/openapi.json`, with
//! Swagger UI (vendored, nothing downloaded) at `/api/docs/`.

use super::schema;
use app::{accounts, assignments, doctors, patients, session};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Carebase API",
        description = "Patients, doctors and who looks after whom. Authenticate with \
            `Authorization: Bearer <access token>` from `/api/auth/login/`. Every path also \
            works without its trailing slash. Lists take `page` (from 1) and `page_size` \
            (default 20, at most 100). Errors always carry `error`; validation errors add \
            `details` (field → messages)."
    ),
    components(schemas(
        schema::ErrorBody, schema::BloodGroup,
        accounts::UserSummary, session::UserProfile, patients::Patient, patients::PatientListItem,
        doctors::Doctor, doctors::DoctorListItem, assignments::Mapping, assignments::MappingListItem,
        assignments::AssignedDoctor, assignments::PatientDoctors,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Accounts and JWT tokens"),
        (name = "patients", description = "Your own patients"),
        (name = "doctors", description = "The shared directory of doctors"),
        (name = "mappings", description = "Doctors assigned to your patients"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document with each path written as the specification writes it, with its
/// trailing slash (`/api/patients/`).
pub fn with_trailing_slashes(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut document.paths.paths);
    document.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (format!("{path}/"), item))
        .collect();
    document
}

/// The routes serving the document and the interactive page.
pub fn routes(document: utoipa::openapi::OpenApi) -> axum::Router<app::state::AppState> {
    utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", document)
        .into()
}
