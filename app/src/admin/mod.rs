//! The admin site at `/admin/`, for active administrators only: the index (counts, recent
//! administrative actions), the accounts, and the Activity (the audit trail, filtered,
//! and exported as CSV). Like `dashboard.rs` it composes: each domain's service keeps its
//! own rules (`accounts::admin` for accounts, `audit::service` for events), and every
//! administrative change is recorded in the audit trail with the change.

pub mod pages;
pub mod rpc;

use crate::accounts::Account;
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

/// The actions the admin index calls administrative (the migration's partial index
/// `audit_events_administrative` lists the same).
pub const ADMINISTRATIVE: [&str; 5] = [
    crate::audit::action::USER_CREATE,
    crate::audit::action::USER_UPDATE,
    crate::audit::action::USER_PASSWORD,
    crate::audit::action::AUDIT_PRUNE,
    crate::audit::action::AUDIT_EXPORT,
];
