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
        schema::ErrorBody,
        accounts::UserSummary, session::UserProfile, patients::Patient, patients::PatientListItem,
        doctors::Doctor, doctors::DoctorListItem, assignments::Mapping, assignments::MappingListItem,
        assignments::AssignedDoctor, assignments::PatientDoctors, accounts::Account,
        app::audit::AuditEvent,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Accounts and JWT tokens"),
        (name = "patients", description = "Your own patients"),
        (name = "doctors", description = "The shared directory of doctors"),
        (name = "mappings", description = "Doctors assigned to your patients"),
        (name = "health", description = "Liveness and readiness"),
        (name = "admin", description = "User accounts, for active administrators only"),
        (name = "audit", description = "Who read or changed which patient's record, and when"),
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

/// Writes into the request schemas the limits the services check, from the same
/// constants, so the document cannot promise more or less than the validation accepts.
struct Limits;

impl Limits {
    const MAX_LENGTHS: &[(&str, &str, usize)] = {
        use app::accounts::service as accounts;
        use app::assignments::service as assignments;
        use app::doctors::service as doctors;
        use app::input::EMAIL_MAX;
        use app::patients::service as patients;
        &[
            ("RegisterRequest", "name", accounts::NAME_MAX),
            ("RegisterRequest", "email", EMAIL_MAX),
            ("RegisterRequest", "password", accounts::PASSWORD_MAX),
            ("RegisterRequest", "password2", accounts::PASSWORD_MAX),
            ("LoginRequest", "email", EMAIL_MAX),
            ("LoginRequest", "password", accounts::PASSWORD_MAX),
            ("RefreshRequest", "refresh", accounts::PASSWORD_MAX),
            ("PatientRequest", "name", patients::NAME_MAX),
            ("PatientRequest", "email", EMAIL_MAX),
            ("PatientRequest", "address", patients::ADDRESS_MAX),
            ("PatientRequest", "medical_history", patients::HISTORY_MAX),
            ("DoctorRequest", "name", doctors::NAME_MAX),
            ("DoctorRequest", "email", EMAIL_MAX),
            (
                "DoctorRequest",
                "specialization",
                doctors::SPECIALIZATION_MAX,
            ),
            ("DoctorRequest", "qualification", doctors::QUALIFICATION_MAX),
            ("DoctorRequest", "license_number", doctors::LICENSE_MAX),
            ("DoctorRequest", "clinic_address", doctors::ADDRESS_MAX),
            ("MappingRequest", "notes", assignments::NOTES_MAX),
        ]
    };
}

impl Modify for Limits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (schema, field, max) in Limits::MAX_LENGTHS {
            if let Some(property) = property(openapi, schema, field) {
                property.max_length = Some(*max);
            }
        }
        blood_groups(openapi);
        if let Some(property) = property(openapi, "DoctorRequest", "experience_years") {
            let (least, most) = app::doctors::service::EXPERIENCE_YEARS;
            property.minimum = Some(least.into());
            property.maximum = Some(most.into());
        }
    }
}

/// `BloodGroup`, a component of its own (clients generate an enum from it), with the
/// choices the validation accepts; the patient's `blood_group` refers to it.
fn blood_groups(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ObjectBuilder, Ref, RefOr, Schema, Type};
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let choices = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(patients::BLOOD_GROUPS.to_vec()))
        .build();
    components
        .schemas
        .insert("BloodGroup".into(), RefOr::T(Schema::Object(choices)));
    if let Some(RefOr::T(Schema::Object(patient))) = components.schemas.get_mut("PatientRequest") {
        patient.properties.insert(
            "blood_group".into(),
            RefOr::Ref(Ref::from_schema_name("BloodGroup")),
        );
    }
}

/// A property of a component schema, when both are there and inline.
fn property<'a>(
    openapi: &'a mut utoipa::openapi::OpenApi,
    schema: &str,
    field: &str,
) -> Option<&'a mut utoipa::openapi::schema::Object> {
    use utoipa::openapi::{RefOr, Schema};
    let components = openapi.components.as_mut()?;
    let RefOr::T(Schema::Object(object)) = components.schemas.get_mut(schema)? else {
        return None;
    };
    match object.properties.get_mut(field)? {
        RefOr::T(Schema::Object(property)) => Some(property),
        _ => None,
    }
}

/// The document once every route has put its entry in: the limits written in (see
/// [`Limits`]), and each path written as the specification writes it, with its trailing
/// slash (`/api/patients/`).
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    Limits.modify(&mut document);
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
