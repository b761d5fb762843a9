//! The bodies the REST API sends and receives, as types: handlers return them and the
//! OpenAPI document is generated from them, so the two cannot drift apart.
//!
//! Request bodies are read field by field by the services (`app::input::Input`), which
//! also accept DRF's looser spellings (numbers as strings, `"yes"` for true); the request
//! types here document the canonical form.

use app::accounts::UserSummary;
use app::assignments::{Mapping, MappingListItem};
use app::doctors::{Doctor, DoctorListItem};
use app::patients::{Patient, PatientListItem};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Every error: `error` always; `details` for validation errors (field → messages, with
/// `non_field_errors` for the rest); DRF's `detail` (and `code`) for 401/403/404/405.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    #[schema(example = "User registered successfully")]
    pub message: &'static str,
    pub user: UserSummary,
}

#[derive(Serialize, ToSchema)]
pub struct LoggedIn {
    #[schema(example = "Login successful")]
    pub message: &'static str,
    pub access: String,
    pub refresh: String,
    pub user: UserSummary,
}

#[derive(Serialize, ToSchema)]
pub struct Refreshed {
    pub access: String,
}

#[derive(Serialize, ToSchema)]
pub struct PatientSaved {
    #[schema(example = "Patient created successfully")]
    pub message: &'static str,
    pub patient: Patient,
}

#[derive(Serialize, ToSchema)]
pub struct PatientBody {
    pub patient: Patient,
}

#[derive(Serialize, ToSchema)]
pub struct PatientList {
    /// The number of matching patients, on every page.
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub patients: Vec<PatientListItem>,
}

#[derive(Serialize, ToSchema)]
pub struct DoctorSaved {
    #[schema(example = "Doctor created successfully")]
    pub message: &'static str,
    pub doctor: Doctor,
}

#[derive(Serialize, ToSchema)]
pub struct DoctorBody {
    pub doctor: Doctor,
}

#[derive(Serialize, ToSchema)]
pub struct DoctorList {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub doctors: Vec<DoctorListItem>,
}

#[derive(Serialize, ToSchema)]
pub struct MappingSaved {
    #[schema(example = "Doctor assigned to patient successfully")]
    pub message: &'static str,
    pub mapping: Mapping,
}

#[derive(Serialize, ToSchema)]
pub struct MappingList {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub mappings: Vec<MappingListItem>,
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

// ---- request bodies (documentation of the canonical form) ----
//
// Lengths, ranges and choices are not written here: `super::docs::Limits` writes them into
// the document from the constants the validation uses. Optional fields are not nullable:
// a `null` is refused ("This field may not be null."), leaving a field out is not.

#[allow(dead_code)]
#[derive(ToSchema)]
pub struct RegisterRequest {
    #[schema(example = "John Doe", min_length = 1, pattern = r"\S")]
    pub name: String,
    #[schema(example = "john@example.com", format = "email")]
    pub email: String,
    /// At least 8 characters, not all digits, not common, not like the name or email.
    #[schema(example = "SecurePass123!", min_length = 8, pattern = r"\D")]
    pub password: String,
    /// Must equal `password`.
    #[schema(example = "SecurePass123!", min_length = 8, pattern = r"\D")]
    pub password2: String,
}

#[allow(dead_code)]
#[derive(ToSchema)]
pub struct LoginRequest {
    #[schema(example = "john@example.com", min_length = 1)]
    pub email: String,
    #[schema(example = "SecurePass123!", min_length = 1)]
    pub password: String,
}

#[allow(dead_code)]
#[derive(ToSchema)]
pub struct RefreshRequest {
    /// A refresh token from login.
    #[schema(min_length = 1)]
    pub refresh: String,
}

/// A patient to create or replace (PUT); for PATCH every field is optional.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct PatientRequest {
    #[schema(example = "Alice Smith", min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Unique among your patients.
    #[schema(example = "alice@example.com", format = "email", nullable = false)]
    pub email: Option<String>,
    /// `+` and 9 to 15 digits.
    #[schema(
        example = "+1234567890",
        pattern = r"^\+[0-9]{9,15}$",
        nullable = false
    )]
    pub phone_number: Option<String>,
    #[schema(example = "123 Main St, New York, NY 10001", nullable = false)]
    pub address: Option<String>,
    /// From 1850, and not in the future.
    #[schema(
        example = "1990-05-15",
        format = "date",
        pattern = r"^(18[5-9][0-9]|19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        nullable = false
    )]
    pub date_of_birth: Option<String>,
    #[schema(example = "A+", nullable = false)]
    pub blood_group: Option<String>,
    #[schema(example = "No known allergies.", nullable = false)]
    pub medical_history: Option<String>,
}

/// A doctor to create or replace (PUT); for PATCH every field is optional.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct DoctorRequest {
    #[schema(example = "Sarah Williams", min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Unique among all doctors.
    #[schema(example = "dr.sarah@hospital.com", format = "email")]
    pub email: String,
    #[schema(
        example = "+1122334455",
        pattern = r"^\+[0-9]{9,15}$",
        nullable = false
    )]
    pub phone_number: Option<String>,
    #[schema(example = "Cardiologist", min_length = 1, pattern = r"\S")]
    pub specialization: String,
    #[schema(example = "MBBS, MD (Cardiology)", nullable = false)]
    pub qualification: Option<String>,
    #[schema(example = 10, nullable = false)]
    pub experience_years: Option<i32>,
    /// Unique among all doctors.
    #[schema(example = "MED-2024-001", min_length = 1, pattern = r"\S")]
    pub license_number: String,
    #[schema(example = "City Hospital, 789 Medical Center, NY", nullable = false)]
    pub clinic_address: Option<String>,
    /// A number or a string, at most 2 decimals, not negative.
    #[schema(
        example = 150.0,
        minimum = 0,
        maximum = 99999999.99,
        multiple_of = 0.01,
        nullable = false
    )]
    pub consultation_fee: Option<f64>,
    #[schema(example = true, nullable = false)]
    pub is_available: Option<bool>,
}

#[allow(dead_code)]
#[derive(ToSchema)]
pub struct MappingRequest {
    /// The id of one of your patients.
    #[schema(example = 1, minimum = 1, maximum = 9223372036854775807i64)]
    pub patient: i64,
    /// The id of a doctor.
    #[schema(example = 1, minimum = 1, maximum = 9223372036854775807i64)]
    pub doctor: i64,
    #[schema(
        example = "Primary cardiologist for routine checkups",
        nullable = false
    )]
    pub notes: Option<String>,
    #[schema(example = true, nullable = false)]
    pub is_active: Option<bool>,
}

/// `GET /api/admin/users/`.
#[derive(Serialize, ToSchema)]
pub struct AccountList {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub users: Vec<app::accounts::Account>,
}

/// `GET /api/admin/users/{id}/`.
#[derive(Serialize, ToSchema)]
pub struct AccountBody {
    pub user: app::accounts::Account,
}

/// `PATCH /api/admin/users/{id}/`: either field, or both.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct AccessRequest {
    pub is_active: Option<bool>,
    pub is_admin: Option<bool>,
}

/// The answer to a change of access.
#[derive(Serialize, ToSchema)]
pub struct AccountSaved {
    pub message: &'static str,
    pub user: app::accounts::Account,
}

/// `GET /api/audit/`: DRF's page of events.
#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<app::audit::AuditEvent>,
}
