//! Accounts: registration, sign-in (JWT access and refresh tokens), token refresh and
//! sign-out. Its types (shared with the browser), its service (`ssr`), its server
//! functions and its pages. Who is signed in on a request is core (`crate::session`).

use serde::{Deserialize, Serialize};

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
