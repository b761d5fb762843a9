//! Shapes that cross the wire, shared by the server and the browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user as shown to themselves and beside the records they created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// `GET /api/auth/me/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub date_joined: DateTime<Utc>,
}

/// A successful login: a token pair and who it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user: UserSummary,
}

/// What the health check reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthReport {
    pub database: bool,
    pub version: String,
}

/// The blood groups a patient record may carry.
pub const BLOOD_GROUPS: [&str; 8] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];

/// Money as DRF's `DecimalField` writes it: a string with two decimals (`"150.00"`).
pub mod money {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{:.2}", value.round_dp(2)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A full patient record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Patient {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone_number: String,
    pub address: String,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub blood_group: String,
    pub medical_history: String,
    pub created_by: i64,
    pub created_by_details: UserProfile,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A patient as a list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PatientListItem {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone_number: String,
    pub blood_group: String,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// A full doctor record. `created_by` (additive to the contract) tells who may edit it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Doctor {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone_number: String,
    pub specialization: String,
    pub qualification: String,
    pub experience_years: i32,
    pub license_number: String,
    pub clinic_address: String,
    #[serde(with = "money")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, pattern = r"^\d{1,8}\.\d{2}$", example = "150.00"))]
    pub consultation_fee: rust_decimal::Decimal,
    pub is_available: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A doctor as the directory list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DoctorListItem {
    pub id: i64,
    pub name: String,
    pub specialization: String,
    pub experience_years: i32,
    #[serde(with = "money")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, pattern = r"^\d{1,8}\.\d{2}$", example = "150.00"))]
    pub consultation_fee: rust_decimal::Decimal,
    pub is_available: bool,
}

/// A doctor assigned to a patient, with the assignment's id (additive) for unassigning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AssignedDoctor {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub specialization: String,
    pub qualification: String,
    pub experience_years: i32,
    #[serde(with = "money")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, pattern = r"^\d{1,8}\.\d{2}$", example = "150.00"))]
    pub consultation_fee: rust_decimal::Decimal,
    pub is_available: bool,
    pub mapping_id: i64,
    pub is_active: bool,
}

/// `GET /api/mappings/{patient_id}/`: the doctors of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PatientDoctors {
    pub patient_id: i64,
    pub patient_name: String,
    pub total_doctors: i64,
    pub doctors: Vec<AssignedDoctor>,
}

/// A full assignment of a doctor to a patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Mapping {
    pub id: i64,
    pub patient: i64,
    pub doctor: i64,
    pub patient_details: Patient,
    pub doctor_details: Doctor,
    pub assigned_by: Option<i64>,
    pub assigned_by_name: String,
    pub assigned_date: DateTime<Utc>,
    pub notes: String,
    pub is_active: bool,
}

/// An assignment as the list shows it (`patient` and `doctor` ids are additive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MappingListItem {
    pub id: i64,
    pub patient: i64,
    pub doctor: i64,
    pub patient_name: String,
    pub doctor_name: String,
    pub doctor_specialization: String,
    pub assigned_date: DateTime<Utc>,
    pub is_active: bool,
}

/// One page of a list: the items, the total matching count, and where this page is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub count: i64,
    pub page: i64,
    pub page_size: i64,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.page * self.page_size < self.count
    }
    pub fn has_previous(&self) -> bool {
        self.page > 1
    }
    pub fn last_page(&self) -> i64 {
        ((self.count + self.page_size - 1) / self.page_size).max(1)
    }
}
