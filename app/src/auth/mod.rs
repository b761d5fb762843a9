//! Who is asking: password handling, tokens, and the extractor that reads them.

pub mod password;
pub mod revoked;
pub mod throttle;
pub mod tokens;

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use sqlx::PgPool;
use tokens::TokenKeys;
use tokens::TokenType;

/// The cookie the browser UI keeps its access token in (HttpOnly, SameSite=Lax).
pub const ACCESS_COOKIE: &str = "carebase_access";
/// The cookie the browser UI keeps its refresh token in (HttpOnly, scoped to the auth paths).
pub const REFRESH_COOKIE: &str = "carebase_refresh";

/// The authenticated user behind a request.
///
/// Read from `Authorization: Bearer <access token>` or, failing that, from the
/// [`ACCESS_COOKIE`]. The token is checked without touching the database: its signature,
/// algorithm, expiry and type are enough, as with simplejwt's stateless access tokens.
///
/// It carries where the request came from ([`Origin`]), so that what the user reads or
/// changes is recorded against them with it (see [`crate::audit`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurrentUser {
    pub id: i64,
    pub origin: std::sync::Arc<Origin>,
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = token_from_headers(&parts.headers)?.ok_or_else(AppError::not_authenticated)?;
        let user_id = state.tokens.access_user(&token)?;
        active(&state, user_id, Origin::of(parts, &state.trusted_proxies))
    }
}

/// Proof that a user is an active administrator, as the database said a moment ago: only
/// `accounts::admin::require_admin` makes one. Service functions that see across owners
/// (the admin site's counts) take it, so they cannot be called without the check.
#[derive(Debug, Clone)]
pub struct Administrator(CurrentUser);

impl Administrator {
    /// For `accounts::admin::require_admin`, after it has checked.
    pub(crate) fn vouched_for(user: CurrentUser) -> Administrator {
        Administrator(user)
    }

    pub fn user(&self) -> &CurrentUser {
        &self.0
    }
}

/// The user behind a valid token, unless the account has been deactivated since (checked
/// in memory: see [`revoked`]).
pub fn active(state: &AppState, user_id: i64, origin: Origin) -> Result<CurrentUser, AppError> {
    if state.revoked.contains(user_id) {
        return Err(AppError::Unauthenticated {
            detail: "User is inactive".into(),
            code: Some("user_inactive".into()),
        });
    }
    Ok(CurrentUser {
        id: user_id,
        origin: std::sync::Arc::new(origin),
    })
}

/// The id of one request: made up by the server when the request arrives (a client's own
/// `X-Request-Id` is not trusted), carried by every log line written while it is served,
/// returned in the response's `X-Request-Id`, and stored with each audit event it causes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(pub std::sync::Arc<str>);

impl RequestId {
    /// 32 hex digits: a random number drawn once per process, then a counter. Unique
    /// across instances and restarts, and cheap (no system call per request).
    pub fn new() -> RequestId {
        static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let process = PROCESS.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // uuid's hex encoder, into a buffer on the stack: `format!` took a per-cent of the
        // server's time.
        let mut hex = uuid::Uuid::encode_buffer();
        let hex = uuid::Uuid::from_u64_pair(*process, n)
            .simple()
            .encode_lower(&mut hex);
        RequestId((&*hex).into())
    }
}

impl Default for RequestId {
    fn default() -> RequestId {
        RequestId::new()
    }
}

/// Where a request came from, as the audit trail records it: the client's address (see
/// [`Client`]), its `User-Agent`, and the request's id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Origin {
    pub client: Client,
    pub user_agent: String,
    pub request_id: String,
}

/// The most of a `User-Agent` kept in an audit event.
const USER_AGENT_MAX: usize = 512;

impl Origin {
    pub fn of(parts: &Parts, trusted: &[ipnet::IpNet]) -> Origin {
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .unwrap_or_default();
        Origin {
            client: Client::of(parts, trusted),
            user_agent: user_agent.chars().take(USER_AGENT_MAX).collect(),
            request_id: parts
                .extensions
                .get::<RequestId>()
                .map(|id| id.0.to_string())
                .unwrap_or_default(),
        }
    }

    /// A command typed at the server (`server createsuperuser`, `server audit prune`).
    pub fn command_line(command: &str) -> Origin {
        Origin {
            client: Client(None),
            user_agent: format!("carebase {command}"),
            request_id: RequestId::new().0.to_string(),
        }
    }
}

impl<S> FromRequestParts<S> for Origin
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Origin::of(
            parts,
            &AppState::from_ref(state).trusted_proxies,
        ))
    }
}

/// The client behind a request: the address of the socket's peer or, when that peer is one
/// of the `TRUSTED_PROXIES`, the address it forwarded the request for (the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy). `None` when the request did
/// not come over a socket (tests drive the router directly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Client(pub Option<std::net::IpAddr>);

impl Client {
    pub fn of(parts: &Parts, trusted: &[ipnet::IpNet]) -> Client {
        use axum::extract::ConnectInfo;
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_canonical())
        else {
            return Client(None);
        };
        let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
        if !is_trusted(&peer) {
            return Client(Some(peer));
        }
        // Each proxy appends the address it received from. Read from the right: the first
        // address that is not a trusted proxy is the client. An entry that cannot be read
        // ends the walk (what lies left of it is the client's own say-so).
        let entries: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut last_trusted = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = forwarded_address(entry) else {
                break;
            };
            if !is_trusted(&ip) {
                return Client(Some(ip));
            }
            last_trusted = ip;
        }
        Client(Some(last_trusted))
    }
}

/// An `X-Forwarded-For` entry: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn forwarded_address(entry: &str) -> Option<std::net::IpAddr> {
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The access token a request carries, if any. A malformed `Authorization: Bearer` header
/// is an error; another scheme is ignored, as DRF ignores schemes it does not handle.
pub fn token_from_headers(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| bad_authorization_header())?;
        let mut words = value.split_ascii_whitespace();
        if words
            .next()
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"))
        {
            return match (words.next(), words.next()) {
                (Some(token), None) => Ok(Some(token.to_owned())),
                _ => Err(bad_authorization_header()),
            };
        }
    }
    Ok(cookie(headers, ACCESS_COOKIE))
}

fn bad_authorization_header() -> AppError {
    AppError::Unauthenticated {
        detail: "Authorization header must contain two space-delimited values".into(),
        code: Some("bad_authorization_header".into()),
    }
}

/// The value of a cookie sent with the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// A new access token for a refresh token that is valid and not revoked: the token
/// refresh of the REST API, and how a page renews an expired access cookie.
///
/// Recorded in the audit trail as `auth.token_refresh`: a success, or a failure when the
/// token is ours and unexpired but revoked, or its account deactivated (a token that is not
/// ours, or has expired, names nobody to record it against).
///
/// Errors: 401 for a refresh token that is malformed, expired, revoked, of the wrong type
/// or whose user no longer exists.
pub async fn renew_access(
    pool: &PgPool,
    keys: &TokenKeys,
    refresh_token: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    use crate::audit::{action, service as audit};
    let claims = keys.verify(refresh_token, TokenType::Refresh)?;
    let jti = parse_jti(&claims.jti)?;
    let actor = audit::Actor {
        id: Some(claims.user_id),
        email: None,
        origin,
    };
    let event = audit::Event::new(action::TOKEN_REFRESH, "user", Some(claims.user_id));
    let live = sqlx::query_scalar!(
        r#"select exists(
               select 1 from refresh_tokens t join users u on u.id = t.user_id
               where t.jti = $1 and t.user_id = $2 and t.revoked_at is null
                 and t.expires_at > now() and u.is_active
           ) as "live!""#,
        jti,
        claims.user_id
    )
    .fetch_one(pool)
    .await?;
    if !live {
        audit::failed(pool, actor, event).await?;
        return Err(AppError::invalid_token());
    }
    let access = keys.issue(claims.user_id, TokenType::Access)?.token;
    audit::record_alone(pool, actor, event).await?;
    Ok(access)
}

/// Revokes every refresh token of a user (a new password, a deactivation), inside the
/// caller's transaction: each session must sign in again once its access token expires,
/// and a deactivated user's access tokens are refused at once anyway.
pub async fn revoke_sessions(conn: &mut sqlx::PgConnection, user_id: i64) -> Result<(), AppError> {
    sqlx::query!(
        "update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The id of a token, as the database keeps it.
pub fn parse_jti(jti: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(jti).map_err(|_| AppError::invalid_token())
}

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn request_ids_are_the_process_number_then_a_counter_in_32_hex_digits() {
        let (first, second) = (RequestId::new(), RequestId::new());
        for id in [&first, &second] {
            assert_eq!(id.0.len(), 32);
            assert!(
                id.0.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
        assert_eq!(first.0[..16], second.0[..16]);
        let counter = |id: &RequestId| u64::from_str_radix(&id.0[16..], 16).unwrap();
        // Other tests make ids at the same time: later, not necessarily next.
        assert!(counter(&second) > counter(&first));
        let process = u64::from_str_radix(&first.0[..16], 16).unwrap();
        assert_eq!(format!("{process:016x}{:016x}", counter(&first)), *first.0);
    }
}
