//! Accounts: registration, sign-in (JWT access and refresh tokens), token refresh and
//! sign-out. Its types (shared with the browser), its service (`ssr`), its server
//! functions and its pages. Who is signed in on a request is core (`crate::session`).

use crate::listing::{Sort, Sorts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod admin;
pub mod pages;
pub mod rpc;
#[cfg(feature = "ssr")]
pub mod service;

/// A user as shown to themselves and beside the records they created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// A successful login: a token pair and who it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user: UserSummary,
}

/// A user account as an administrator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_active: bool,
    pub is_admin: bool,
    pub date_joined: DateTime<Utc>,
}

/// The orderings of the administrators' list of users; the first is the default.
pub static ACCOUNT_SORTS: Sorts = Sorts {
    choices: &[
        Sort {
            name: "name",
            sql: "lower(u.name)",
            label: Some("Name A–Z"),
        },
        Sort {
            name: "-name",
            sql: "lower(u.name) desc",
            label: Some("Name Z–A"),
        },
        Sort {
            name: "email",
            sql: "lower(u.email)",
            label: Some("Email"),
        },
        Sort {
            name: "-date_joined",
            sql: "u.date_joined desc",
            label: Some("Newest first"),
        },
        Sort {
            name: "date_joined",
            sql: "u.date_joined",
            label: Some("Oldest first"),
        },
        Sort {
            name: "id",
            sql: "u.id",
            label: None,
        },
    ],
    tiebreak: "u.id",
};
