//! The one error type of Carebase.
//!
//! Services return [`AppError`]; the REST layer turns it into the JSON error envelope of
//! CONTRACT.md and server functions carry it, typed, to the browser. Internal faults are
//! logged where they happen and reach clients only as an opaque sentence.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → messages, as Django REST Framework reports validation errors.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The key for errors that belong to no single field.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 400: input failed validation; `details` maps each field to its messages.
    #[error("{message}")]
    Validation {
        message: String,
        details: FieldErrors,
    },
    /// 400: the request itself could not be read (malformed JSON, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no credentials, bad credentials, or a token that is not valid here.
    #[error("{detail}")]
    Unauthenticated {
        detail: String,
        code: Option<String>,
    },
    /// 403: authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing there, or nothing this user may know about.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("Method \"{0}\" not allowed.")]
    MethodNotAllowed(String),
    /// 413: the request body is larger than the server accepts.
    #[error("Request body is too large.")]
    PayloadTooLarge,
    /// 429: too many attempts; the client may try again after `retry_after` seconds.
    #[error("Request was throttled. Expected available in {retry_after} seconds.")]
    Throttled { retry_after: u64 },
    /// 500: a fault on our side. Details are in the server log, never in the response.
    #[error("Internal server error.")]
    Internal,
    /// 503: a dependency (the database) is not available right now.
    #[error("Service temporarily unavailable.")]
    Unavailable,
    /// 503: the server is stopping (readiness while it drains).
    #[error("The server is shutting down.")]
    Stopping,
    /// 503: too much of one kind of work at once (password hashing); the client may try
    /// again after `retry_after` seconds.
    #[error("The server is busy. Please try again in a moment.")]
    Busy { retry_after: u64 },
    /// The server-function transport failed (network, encoding). Only seen in the browser.
    #[error("Could not reach the server. Please try again.")]
    Transport(String),
}

impl AppError {
    /// A fault on the server's side (500 or 503), as opposed to a refusal of the request.
    pub fn is_server_error(&self) -> bool {
        matches!(
            self,
            AppError::Internal | AppError::Unavailable | AppError::Stopping | AppError::Busy { .. }
        )
    }

    /// How many seconds the client should wait before trying again (`Retry-After`), for
    /// the answers that say so: 429 and a busy 503.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::Throttled { retry_after } | AppError::Busy { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// A validation failure with one message on one field.
    pub fn field(message: impl Into<String>, field: &str, error: impl Into<String>) -> Self {
        let mut details = FieldErrors::new();
        details.insert(field.to_owned(), vec![error.into()]);
        AppError::Validation {
            message: message.into(),
            details,
        }
    }

    /// "Authentication credentials were not provided."
    pub fn not_authenticated() -> Self {
        AppError::Unauthenticated {
            detail: "Authentication credentials were not provided.".into(),
            code: Some("not_authenticated".into()),
        }
    }

    /// A token that is malformed, tampered with, expired, revoked or of the wrong type.
    pub fn invalid_token() -> Self {
        AppError::Unauthenticated {
            detail: "Given token not valid for any token type".into(),
            code: Some("token_not_valid".into()),
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Validation { .. } | AppError::BadRequest(_) => 400,
            AppError::Unauthenticated { .. } => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::MethodNotAllowed(_) => 405,
            AppError::PayloadTooLarge => 413,
            AppError::Throttled { .. } => 429,
            AppError::Internal | AppError::Transport(_) => 500,
            AppError::Unavailable | AppError::Stopping | AppError::Busy { .. } => 503,
        }
    }

    /// Validation details, when there are any.
    pub fn details(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation { details, .. } => Some(details),
            _ => None,
        }
    }

    /// The messages reported for one field, for showing beside a form input.
    pub fn field_messages(&self, field: &str) -> &[String] {
        self.details()
            .and_then(|d| d.get(field))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // On the server these mean the request could not be read: the client's mistake.
            #[cfg(feature = "ssr")]
            E::Args(_) | E::MissingArg(_) | E::Deserialization(_) => {
                AppError::BadRequest("The form could not be read. Please try again.".into())
            }
            #[cfg(feature = "ssr")]
            other => {
                tracing::error!(error = %other, "server function failed");
                AppError::Internal
            }
            #[cfg(not(feature = "ssr"))]
            E::Args(_) | E::MissingArg(_) => {
                AppError::BadRequest("The form could not be read. Please try again.".into())
            }
            #[cfg(not(feature = "ssr"))]
            E::Request(e) | E::Response(e) | E::Deserialization(e) | E::Serialization(e) => {
                AppError::Transport(e)
            }
            #[cfg(not(feature = "ssr"))]
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::DatabaseUnavailable;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};

    /// The REST error envelope: `error` always; `details` for validation errors; DRF's
    /// `detail` (and `code`) for authentication and permission errors.
    #[derive(Serialize)]
    struct Envelope<'a> {
        error: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        details: Option<&'a FieldErrors>,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<&'a str>,
    }

    /// Marks a response that failed because the database could not be reached, so the
    /// server can stop sending writes to it at once (`Db::report_unavailable`).
    #[derive(Debug, Clone, Copy)]
    pub struct DatabaseUnavailable;

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status = StatusCode::from_u16(self.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = self.to_string();
            let (detail, code) = match &self {
                AppError::Unauthenticated { code, .. } => (Some(message.clone()), code.as_deref()),
                AppError::Forbidden(_) | AppError::NotFound(_) | AppError::MethodNotAllowed(_) => {
                    (Some(message.clone()), None)
                }
                AppError::Throttled { .. } => (Some(message.clone()), Some("throttled")),
                _ => (None, None),
            };
            let body = Envelope {
                error: message,
                details: self.details(),
                detail,
                code,
            };
            let mut response = (status, axum::Json(body)).into_response();
            if self == AppError::Unavailable {
                response.extensions_mut().insert(DatabaseUnavailable);
            }
            if let Some(seconds) = self.retry_after() {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"api\""),
                );
            }
            response
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            match &error {
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                    crate::log::error("database unavailable", &error);
                    AppError::Unavailable
                }
                // Class 57P: the server is shutting down or ended this connection.
                sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P")) => {
                    crate::log::error("database connection ended by the server", &error);
                    AppError::Unavailable
                }
                _ => {
                    tracing::error!(%error, "database error");
                    AppError::Internal
                }
            }
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(error: tokio::task::JoinError) -> Self {
            tracing::error!(%error, "blocking task failed");
            AppError::Internal
        }
    }
}

/// A named constraint of the schema and the field error its violation means to a client.
#[cfg(feature = "ssr")]
pub struct Constraint {
    pub name: &'static str,
    pub field: &'static str,
    pub message: &'static str,
}

/// Turns the violation of a known constraint into a 400 on its field, in the manner of
/// realworld-axum-sqlx's `on_constraint`: every other database error stays a fault.
#[cfg(feature = "ssr")]
pub trait OnConstraint<T> {
    /// `failed` is the sentence of the 400 (e.g. "Failed to create patient").
    fn on_constraint(self, failed: &str, known: &[Constraint]) -> Result<T, AppError>;
}

#[cfg(feature = "ssr")]
impl<T> OnConstraint<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, failed: &str, known: &[Constraint]) -> Result<T, AppError> {
        self.map_err(|error| {
            let violated = match &error {
                sqlx::Error::Database(db)
                    if db.is_unique_violation() || db.is_foreign_key_violation() =>
                {
                    db.constraint()
                }
                _ => None,
            };
            match known.iter().find(|c| Some(c.name) == violated) {
                Some(c) => AppError::field(failed, c.field, c.message),
                None => error.into(),
            }
        })
    }
}
