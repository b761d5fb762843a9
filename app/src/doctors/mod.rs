//! Doctors: a directory every signed-in user reads; only the user who added a doctor, or
//! an administrator, may change or remove it. Its types (shared with the browser), its
//! service (`ssr`), its server functions and its pages.

use crate::error::AppError;
use crate::listing::{Sort, Sorts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod pages;
pub mod rpc;
#[cfg(feature = "ssr")]
pub mod service;

/// A full doctor record. `created_by` (additive to the contract) tells who added it.
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
    #[serde(with = "crate::money")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, pattern = r"^\d{1,8}\.\d{2}$", example = "150.00"))]
    pub consultation_fee: rust_decimal::Decimal,
    pub is_available: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A doctor as the acting user sees it: the record, and whether this user may change or
/// remove it, answered by the rule that guards those writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorView {
    pub doctor: Doctor,
    pub can_change: bool,
}

impl DoctorView {
    /// The doctor, when this user may change it; otherwise the service's own refusal.
    pub fn changeable(self) -> Result<Doctor, AppError> {
        if self.can_change {
            Ok(self.doctor)
        } else {
            Err(forbidden())
        }
    }
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
    #[serde(with = "crate::money")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, pattern = r"^\d{1,8}\.\d{2}$", example = "150.00"))]
    pub consultation_fee: rust_decimal::Decimal,
    pub is_available: bool,
}

/// The orderings of the directory; the first is the default.
pub static DOCTOR_SORTS: Sorts = Sorts {
    choices: &[
        Sort {
            name: "name",
            sql: "lower(d.name)",
            label: Some("Name A–Z"),
        },
        Sort {
            name: "-name",
            sql: "lower(d.name) desc",
            label: Some("Name Z–A"),
        },
        Sort {
            name: "experience_years",
            sql: "d.experience_years",
            label: None,
        },
        Sort {
            name: "-experience_years",
            sql: "d.experience_years desc",
            label: Some("Most experienced"),
        },
        Sort {
            name: "consultation_fee",
            sql: "d.consultation_fee",
            label: Some("Lowest fee"),
        },
        Sort {
            name: "-consultation_fee",
            sql: "d.consultation_fee desc",
            label: Some("Highest fee"),
        },
        Sort {
            name: "created_at",
            sql: "d.created_at",
            label: None,
        },
        Sort {
            name: "-created_at",
            sql: "d.created_at desc",
            label: None,
        },
        Sort {
            name: "specialization",
            sql: "lower(d.specialization)",
            label: None,
        },
        Sort {
            name: "id",
            sql: "d.id",
            label: None,
        },
        Sort {
            name: "-id",
            sql: "d.id desc",
            label: None,
        },
    ],
    tiebreak: "d.id",
};

/// The answer for an id that names no record this user may see.
pub fn not_found() -> AppError {
    AppError::NotFound("Doctor not found.".into())
}

/// Why a change by someone who neither added the doctor nor administers is refused.
pub const FORBIDDEN: &str =
    "Only the user who added this doctor, or an administrator, may change or delete it.";

/// The answer for a change by someone who neither added the doctor nor administers.
pub fn forbidden() -> AppError {
    AppError::Forbidden(FORBIDDEN.into())
}
