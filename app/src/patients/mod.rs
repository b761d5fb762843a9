//! Patients: each belongs to the user who created it, and only that user can see, find,
//! count or collide with it. Its types (shared with the browser), its service (`ssr`), its
//! server functions and its pages.

use crate::error::AppError;
use crate::listing::{Sort, Sorts};
use crate::session::UserProfile;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod admin;
pub mod pages;
pub mod rpc;
#[cfg(feature = "ssr")]
pub mod service;

/// The blood groups a patient record may carry.
pub const BLOOD_GROUPS: [&str; 8] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];

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

/// A patient of any owner, as the admin site lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AdminPatientItem {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub blood_group: String,
    pub owner: i64,
    pub owner_email: String,
    pub created_at: DateTime<Utc>,
    /// How many doctors are assigned to the patient.
    pub assignments: i64,
}

/// A patient as the start page lists the most recently added or changed ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentPatient {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone_number: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RecentPatient {
    /// Whether the record has been changed since it was added.
    pub fn changed(&self) -> bool {
        self.updated_at > self.created_at
    }
}

/// The orderings of the patient list; the first is the default.
pub static PATIENT_SORTS: Sorts = Sorts {
    choices: &[
        Sort {
            name: "-created_at",
            sql: "p.created_at desc",
            label: Some("Newest first"),
        },
        Sort {
            name: "created_at",
            sql: "p.created_at",
            label: Some("Oldest first"),
        },
        Sort {
            name: "name",
            sql: "lower(p.name)",
            label: Some("Name A–Z"),
        },
        Sort {
            name: "-name",
            sql: "lower(p.name) desc",
            label: Some("Name Z–A"),
        },
        Sort {
            name: "date_of_birth",
            sql: "p.date_of_birth nulls last",
            label: Some("Date of birth, oldest first"),
        },
        Sort {
            name: "-date_of_birth",
            sql: "p.date_of_birth desc nulls last",
            label: Some("Date of birth, youngest first"),
        },
        Sort {
            name: "id",
            sql: "p.id",
            label: None,
        },
        Sort {
            name: "-id",
            sql: "p.id desc",
            label: None,
        },
    ],
    tiebreak: "p.id",
};

/// The answer for an id that names no record this user may see.
pub fn not_found() -> AppError {
    AppError::NotFound("Patient not found.".into())
}
