//! Shapes that cross the wire, shared by the server and the browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user as shown to themselves and beside the records they created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// `GET /api/auth/me/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub date_joined: DateTime<Utc>,
}

/// A successful login: a token pair and who it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user: UserSummary,
}

/// What the health check reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub database: bool,
    pub version: String,
}
