//! What every request handler, server function and page render shares.

use crate::auth::tokens::TokenKeys;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The database; derefs to sqlx's pool.
    pub pool: crate::db::Db,
    pub tokens: Arc<TokenKeys>,
    pub leptos_options: LeptosOptions,
    /// Whether auth cookies carry the `Secure` attribute (production serves HTTPS).
    pub secure_cookies: bool,
    /// Failed sign-ins per email, to refuse password guessing (429).
    pub login_throttle: Arc<crate::auth::throttle::LoginThrottle>,
    /// Failed no-JavaScript form submissions, kept briefly to show them again.
    pub forms: crate::forms::FormMemory,
}
