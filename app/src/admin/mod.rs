//! The admin site at `/admin/`, for active administrators only: the index (counts, recent
//! administrative actions), the accounts, and the Activity (the audit trail, filtered,
//! and exported as CSV). Like `dashboard.rs` it composes: each domain's service keeps its
//! own rules (`accounts::admin` for accounts, `audit::service` for events), and every
//! administrative change is recorded in the audit trail with the change.

pub mod pages;
pub mod records;
pub mod rpc;

use crate::accounts::Account;
use crate::assignments::AdminMappingItem;
use crate::audit::AuditEvent;
use serde::{Deserialize, Serialize};

/// What the admin index shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub users: i64,
    pub patients: i64,
    pub doctors: i64,
    pub assignments: i64,
    pub events: i64,
    /// The ten most recent administrative actions.
    pub recent: Vec<AuditEvent>,
}

/// One account with its history (the audit events about it and by it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub account: Account,
    pub history: Vec<AuditEvent>,
}

/// A patient of any owner with its assignments and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRecord {
    pub patient: crate::patients::Patient,
    pub assignments: Assigned,
    pub history: Vec<AuditEvent>,
}

/// A doctor with its assignments (to every owner's patients) and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorRecord {
    pub doctor: crate::doctors::Doctor,
    pub assignments: Assigned,
    pub history: Vec<AuditEvent>,
}

/// What the admin site can delete several of at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Patients,
    Doctors,
    Assignments,
}

impl Kind {
    /// The list's address: `/admin/{path}`.
    pub fn path(self) -> &'static str {
        match self {
            Kind::Patients => "patients",
            Kind::Doctors => "doctors",
            Kind::Assignments => "assignments",
        }
    }

    pub fn noun(self) -> crate::components::Noun {
        use crate::components::Noun;
        match self {
            Kind::Patients => Noun::new("patient", "patients"),
            Kind::Doctors => Noun::new("doctor", "doctors"),
            Kind::Assignments => Noun::new("assignment", "assignments"),
        }
    }

    pub fn from_path(path: &str) -> Option<Kind> {
        [Kind::Patients, Kind::Doctors, Kind::Assignments]
            .into_iter()
            .find(|k| k.path() == path)
    }
}

/// What a deletion would remove: the objects chosen (id, how the page names it) and, with
/// them, the assignments that go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deletion {
    pub kind: Kind,
    pub objects: Vec<(i64, String)>,
    pub assignments: Assigned,
}

/// Assignments of a record (or of records about to be deleted): the first of them, and
/// how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assigned {
    pub shown: Vec<AdminMappingItem>,
    pub total: i64,
}

#[cfg(feature = "ssr")]
impl From<(Vec<AdminMappingItem>, i64)> for Assigned {
    fn from((shown, total): (Vec<AdminMappingItem>, i64)) -> Assigned {
        Assigned { shown, total }
    }
}

/// Whether a staff save form was posted from the admin site (`admin=true`): then it
/// changes an existing record as an administrator.
///
/// Errors: 400 for `admin=true` without a record's `id` (the admin site adds nothing).
pub fn from_admin_site(
    flag: Option<&str>,
    id: Option<i64>,
) -> Result<bool, crate::error::AppError> {
    let admin = flag == Some("true");
    if admin && id.is_none() {
        return Err(crate::error::AppError::field(
            "Nothing saved",
            crate::error::NON_FIELD_ERRORS,
            "The admin site changes existing records only.",
        ));
    }
    Ok(admin)
}

/// The most objects one deletion takes.
pub const DELETE_MAX: usize = 500;

/// The ids of a deletion as posted ("3,7,12"): positive, at most [`DELETE_MAX`].
pub fn parse_ids(text: &str) -> Result<Vec<i64>, crate::error::AppError> {
    let invalid = || {
        crate::error::AppError::field(
            "Nothing deleted",
            "ids",
            format!("Choose between 1 and {DELETE_MAX} items by their ids."),
        )
    };
    let mut ids = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(invalid)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() || ids.len() > DELETE_MAX {
        return Err(invalid());
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_ids_are_positive_distinct_and_few() {
        assert_eq!(parse_ids("3, 7,3,,12").unwrap(), vec![3, 7, 12]);
        assert!(parse_ids("").is_err());
        assert!(parse_ids("0").is_err());
        assert!(parse_ids("1,x").is_err());
        let too_many: Vec<String> = (1..=DELETE_MAX as i64 + 1).map(|n| n.to_string()).collect();
        assert!(parse_ids(&too_many.join(",")).is_err());
    }
}
