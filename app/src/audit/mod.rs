//! The audit trail: who read or changed which patient's record, signed in or out, or
//! administered an account; when, from where, and with what outcome. Core: every domain's
//! service records its events here (in the transaction of the change it records), and it
//! imports no domain.
//!
//! Events are append-only: the database refuses to change or delete them (see the
//! migration `audit_events`), except `server audit prune`, which removes events older than
//! a date and records that it did.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod fhir;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod recorder;
pub mod rpc;
#[cfg(feature = "ssr")]
pub mod service;

/// What an event records, as `object.verb`.
pub mod action {
    /// A patient viewed.
    pub const PATIENT_READ: &str = "patient.read";
    /// A list or search of patients: the query and the ids it returned.
    pub const PATIENT_LIST: &str = "patient.list";
    pub const PATIENT_CREATE: &str = "patient.create";
    /// A patient changed: the names of the fields whose values changed.
    pub const PATIENT_UPDATE: &str = "patient.update";
    pub const PATIENT_DELETE: &str = "patient.delete";
    /// A doctor assigned to a patient.
    pub const MAPPING_CREATE: &str = "mapping.create";
    /// A doctor unassigned from a patient.
    pub const MAPPING_DELETE: &str = "mapping.delete";
    /// The doctors of one patient listed.
    pub const MAPPING_READ: &str = "mapping.read";
    /// A list of the assignments of the user's patients.
    pub const MAPPING_LIST: &str = "mapping.list";
    /// A doctor added to the directory.
    pub const DOCTOR_CREATE: &str = "doctor.create";
    /// A doctor changed: the names of the changed fields.
    pub const DOCTOR_UPDATE: &str = "doctor.update";
    /// A doctor removed from the directory (its assignments go, each recorded).
    pub const DOCTOR_DELETE: &str = "doctor.delete";
    pub const LOGIN: &str = "auth.login";
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    pub const LOGOUT: &str = "auth.logout";
    pub const TOKEN_REFRESH: &str = "auth.token_refresh";
    /// An account created (registration, `server createsuperuser`).
    pub const USER_CREATE: &str = "user.create";
    /// An account's access changed by an administrator (active, administrator).
    pub const USER_UPDATE: &str = "user.update";
    /// A password set with `server changepassword`.
    pub const USER_PASSWORD: &str = "user.password_change";
    /// Old events removed (`server audit prune`).
    pub const AUDIT_PRUNE: &str = "audit.prune";
    /// Events exported from the admin site (the query).
    pub const AUDIT_EXPORT: &str = "audit.export";
    /// The admin site or the admin API refused someone signed in who is not an active
    /// administrator (outcome `denied`).
    pub const ADMIN_ACCESS: &str = "admin.access";

    /// Every action, for the `action` filter.
    pub const ALL: [&str; 22] = [
        PATIENT_READ,
        PATIENT_LIST,
        PATIENT_CREATE,
        PATIENT_UPDATE,
        PATIENT_DELETE,
        MAPPING_CREATE,
        MAPPING_DELETE,
        MAPPING_READ,
        MAPPING_LIST,
        DOCTOR_CREATE,
        DOCTOR_UPDATE,
        DOCTOR_DELETE,
        LOGIN,
        LOGIN_FAILED,
        LOGOUT,
        TOKEN_REFRESH,
        USER_CREATE,
        USER_UPDATE,
        USER_PASSWORD,
        AUDIT_PRUNE,
        AUDIT_EXPORT,
        ADMIN_ACCESS,
    ];
}

/// The kinds of object an event is about, for the `object_type` filter.
pub const OBJECT_TYPES: [&str; 6] = ["patient", "mapping", "doctor", "user", "audit", "admin"];

/// How many events a patient's "Access history" shows, newest first.
pub const HISTORY_SHOWN: i64 = 20;

/// How an attempt ended: `success`; `denied` (the object exists, and is another user's);
/// `failed` (no such object, a wrong password, a token refused).
pub const OUTCOMES: [&str; 3] = ["success", "denied", "failed"];

/// One event, as `/api/audit/` and the pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user who acted (`null` for a failed sign-in with an unknown email).
    pub actor: Option<i64>,
    /// The actor's email at that time, or the email typed at a failed sign-in.
    pub actor_email: String,
    pub action: String,
    /// `patient`, `mapping`, `user` or `audit`.
    pub object_type: String,
    pub object_id: Option<i64>,
    /// The patient whose record it is about, if any.
    pub patient: Option<i64>,
    /// `success`, `denied` or `failed`.
    pub outcome: String,
    pub client_address: Option<String>,
    pub user_agent: String,
    /// The id the server's log lines carry, and the response returned in `X-Request-Id`.
    pub request_id: String,
    /// The names of the changed fields, a list's query and the ids it returned, and such.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// The names of the fields a change changed, as a list (`name, phone_number`); `None`
    /// when the event names none.
    pub fn changed_fields(&self) -> Option<String> {
        let names: Vec<&str> = self
            .detail
            .get("fields")?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
    }

    /// The event in a few words, as a page shows it: "viewed", "changed name, phone_number".
    pub fn describe(&self) -> String {
        match self.action.as_str() {
            action::PATIENT_READ => "viewed the record".into(),
            action::PATIENT_LIST => "listed patients".into(),
            action::PATIENT_CREATE => "added the record".into(),
            action::PATIENT_UPDATE => match self.changed_fields() {
                Some(fields) => format!("changed {fields}"),
                None => "saved the record unchanged".into(),
            },
            action::PATIENT_DELETE => "deleted the record".into(),
            action::MAPPING_CREATE => "assigned a doctor".into(),
            action::MAPPING_DELETE => "unassigned a doctor".into(),
            action::MAPPING_READ => "listed the assigned doctors".into(),
            other => other.to_owned(),
        }
    }
}
