//! The OpenAPI 3.1 document, generated from the handlers and the types they exchange,
//! served at `/api/openapi.json`, with Swagger UI (vendored, nothing downloaded) at
//! `/api/docs/`.

use super::{auth, doctors, health, mappings, patients, schema};
use app::models;
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
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::me,
        patients::list, patients::create, patients::detail, patients::replace, patients::amend, patients::remove,
        doctors::list, doctors::create, doctors::detail, doctors::replace, doctors::amend, doctors::remove,
        mappings::list, mappings::create, mappings::doctors_of_patient, mappings::remove,
        health::live, health::ready,
    ),
    components(schemas(
        schema::ErrorBody, schema::BloodGroup,
        models::UserSummary, models::UserProfile, models::Patient, models::PatientListItem,
        models::Doctor, models::DoctorListItem, models::Mapping, models::MappingListItem,
        models::AssignedDoctor, models::PatientDoctors,
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

/// The routes serving the document and the interactive page.
pub fn routes() -> axum::Router<app::state::AppState> {
    utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into()
}
