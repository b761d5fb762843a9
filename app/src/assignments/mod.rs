//! Assignments of doctors to patients (the REST API calls them mappings). A user sees and
//! changes only the assignments of their own patients. Its types (shared with the
//! browser), its service (`ssr`), its server functions and its page.

use crate::doctors::Doctor;
use crate::listing::{Sort, Sorts};
use crate::patients::Patient;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod admin;
pub mod pages;
pub mod rpc;
#[cfg(feature = "ssr")]
pub mod service;

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
    #[serde(with = "crate::money")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, pattern = r"^\d{1,8}\.\d{2}$", example = "150.00"))]
    pub consultation_fee: rust_decimal::Decimal,
    pub is_available: bool,
    pub mapping_id: i64,
    pub is_active: bool,
    /// What was noted when the doctor was assigned (additive).
    pub notes: String,
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
    /// What was noted when the doctor was assigned (additive).
    pub notes: String,
}

/// An assignment of any owner's patient, as the admin site lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AdminMappingItem {
    pub id: i64,
    pub patient: i64,
    pub doctor: i64,
    pub patient_name: String,
    pub doctor_name: String,
    /// The patient's owner.
    pub owner: i64,
    pub owner_email: String,
    pub assigned_date: DateTime<Utc>,
    pub is_active: bool,
    pub notes: String,
}

/// The orderings of the assignments list; the first is the default.
pub static MAPPING_SORTS: Sorts = Sorts {
    choices: &[
        Sort {
            name: "-assigned_date",
            sql: "m.assigned_date desc",
            label: None,
        },
        Sort {
            name: "assigned_date",
            sql: "m.assigned_date",
            label: None,
        },
        Sort {
            name: "patient_name",
            sql: "lower(p.name)",
            label: None,
        },
        Sort {
            name: "doctor_name",
            sql: "lower(d.name)",
            label: None,
        },
        Sort {
            name: "id",
            sql: "m.id",
            label: None,
        },
        Sort {
            name: "-id",
            sql: "m.id desc",
            label: None,
        },
    ],
    tiebreak: "m.id",
};

/// The orderings of one patient's doctors; the first is the default.
pub static DOCTORS_OF_PATIENT_SORTS: Sorts = Sorts {
    choices: &[
        Sort {
            name: "assigned_date",
            sql: "m.assigned_date",
            label: None,
        },
        Sort {
            name: "-assigned_date",
            sql: "m.assigned_date desc",
            label: None,
        },
        Sort {
            name: "name",
            sql: "lower(d.name), d.id",
            label: None,
        },
        Sort {
            name: "-name",
            sql: "lower(d.name) desc, d.id desc",
            label: None,
        },
    ],
    tiebreak: "m.id",
};
