//! What every request handler, server function and page render shares.

use crate::auth::tokens::TokenKeys;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Cloned for every request (by the router, and by each extractor that takes it), so a
/// clone is one reference count: the parts are in [`Shared`], which it derefs to.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The parts, to change one before serving (tests do); cloned only if the state is
    /// shared already.
    pub fn into_shared(self) -> Shared {
        Arc::unwrap_or_clone(self.0)
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Leptos's routes and file handler take their options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// The parts of [`AppState`].
#[derive(Clone, Debug)]
pub struct Shared {
    /// The database; derefs to sqlx's pool.
    pub pool: crate::db::Db,
    pub tokens: Arc<TokenKeys>,
    pub leptos_options: LeptosOptions,
    /// Whether auth cookies carry the `Secure` attribute (production serves HTTPS).
    pub secure_cookies: bool,
    /// The throttles and the password-hashing gate (see `auth::throttle::Guard`).
    pub guard: Arc<crate::auth::throttle::Guard>,
    /// The proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Failed no-JavaScript form submissions, kept briefly to show them again.
    pub forms: crate::forms::FormMemory,
    /// Set once the server has been asked to stop: readiness answers 503 while it drains.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Which hosts the site answers to and which other origins may call it.
    pub boundaries: Arc<Boundaries>,
    /// Deactivated accounts, whose tokens are refused (see `auth::revoked`).
    pub revoked: Arc<crate::auth::revoked::Revoked>,
}

/// Which hosts the site answers to (`ALLOWED_HOSTS`) and which other sites' pages may call
/// it from a browser (`CORS_ALLOWED_ORIGINS`).
#[derive(Debug, Default)]
pub struct Boundaries {
    /// `None`: any host (development without the setting).
    pub allowed_hosts: Option<Vec<String>>,
    pub cors_origins: Vec<String>,
}

impl Boundaries {
    /// Whether a request's `Host` (port and case ignored) is one of the allowed hosts, as
    /// Django matches them: `*` is any, `.example.com` is that domain and its subdomains.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some(allowed) = &self.allowed_hosts else {
            return true;
        };
        let host = strip_port(host).to_ascii_lowercase();
        allowed
            .iter()
            .any(|pattern| match pattern.strip_prefix('.') {
                _ if pattern == "*" => true,
                Some(domain) => host == domain || host.ends_with(pattern.as_str()),
                None => host == *pattern,
            })
    }

    /// Whether pages at `origin` may call the site (CORS, with credentials).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.cors_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
    }
}

/// `example.com:8000` → `example.com`; `[::1]:8000` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(h, _)| &host[..h.len() + 1]);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::Boundaries;

    #[test]
    fn hosts_match_as_in_django() {
        let b = Boundaries {
            allowed_hosts: Some(vec!["clinic.example".into(), ".carebase.test".into()]),
            cors_origins: vec![],
        };
        assert!(b.host_allowed("clinic.example"));
        assert!(b.host_allowed("Clinic.Example:8443"));
        assert!(b.host_allowed("carebase.test"));
        assert!(b.host_allowed("eu.carebase.test"));
        assert!(!b.host_allowed("evil.example"));
        assert!(!b.host_allowed("notcarebase.test"));
        assert!(Boundaries::default().host_allowed("anything"));
        let any = Boundaries {
            allowed_hosts: Some(vec!["*".into()]),
            cors_origins: vec![],
        };
        assert!(any.host_allowed("x.y"));
    }
}
