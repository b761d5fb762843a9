//! The Carebase server: configuration, the database, and the axum router that serves the
//! REST API, the server functions and the server-rendered pages.

pub mod api;
pub mod config;
pub mod embedded_pg;

use app::auth::tokens::TokenKeys;
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted anywhere (413 beyond it).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Migrations, embedded in the binary and applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Builds the shared state from parts.
pub fn state(
    pool: PgPool,
    jwt_secret: &[u8],
    config: &config::Config,
    leptos_options: LeptosOptions,
) -> AppState {
    AppState {
        pool: app::db::Db::new(pool, config.read_connections as usize),
        tokens: Arc::new(TokenKeys::new(
            jwt_secret,
            config.access_token_lifetime,
            config.refresh_token_lifetime,
        )),
        leptos_options,
        secure_cookies: config.secure_cookies,
        login_throttle: Default::default(),
        forms: Default::default(),
    }
}

/// The whole application, as a service.
pub type App = MapRequest<Router, fn(Request<Body>) -> Request<Body>>;

/// The whole application. Trailing slashes are trimmed before routing, so `/api/x/` and
/// `/api/x` are the same route and neither redirects.
pub fn app(state: AppState) -> App {
    MapRequestLayer::new(trim_trailing_slash as fn(Request<Body>) -> Request<Body>)
        .layer(router(state))
}

/// `/a/b/` → `/a/b`, query kept. Swagger UI's own pages are left alone: it serves its index
/// at `/api/docs/` and redirects `/api/docs` there.
fn trim_trailing_slash(mut req: Request<Body>) -> Request<Body> {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("/api/docs") {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Browser features no page of Carebase uses, switched off.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

fn router(state: AppState) -> Router {
    let hsts = state.secure_cookies;
    // Listing the routes renders the app once with data loading switched off, a switch
    // that is global to the process: list them once, not per router.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let options = state.leptos_options.clone();
    Router::new()
        .merge(api::routes())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // One middleware for every per-request rule: each `from_fn` layer costs a clone of
        // the service stack inside it on every request.
        .layer(axum::middleware::from_fn(move |req, next| {
            policies(hsts, req, next)
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        // Pages, JSON and the static files, in br or gzip when the client accepts it.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Unknown paths: a JSON 404 under `/api/`, otherwise static files or the app's own
/// not-found page.
async fn fallback(uri: Uri, state: State<AppState>, req: Request<Body>) -> Response {
    if api::is_api_path(uri.path()) {
        return api::not_found(uri).await;
    }
    let handler = leptos_axum::file_and_error_handler::<AppState, _>(shell);
    handler(uri, state, req).await
}

/// The rules every request passes: cross-site writes refused; a failed server function
/// answered with its error's status; how long a response may be kept; the permissions and,
/// over HTTPS, transport security headers.
async fn policies(hsts: bool, req: Request<Body>, next: axum::middleware::Next) -> Response {
    if let Some(refused) = refuse_cross_site_write(&req) {
        return refused;
    }
    let path = req.uri().path();
    let cache = cache_policy(path);
    let is_server_function = path.starts_with(SERVER_FUNCTIONS);
    let mut response = next.run(req).await;
    if is_server_function && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        response = server_function_status(response).await;
    }
    let headers = response.headers_mut();
    if let Some(policy) = cache {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(policy));
    }
    headers
        .entry(HeaderName::from_static("permissions-policy"))
        .or_insert(HeaderValue::from_static(PERMISSIONS_POLICY));
    if hsts {
        // Only where the site is served over HTTPS (production: secure cookies).
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(
                "max-age=31536000; includeSubDomains",
            ));
    }
    response
}

/// Browsers name the page a write came from in `Origin`. A write from another site is
/// refused, so a page elsewhere cannot use a signed-in user's cookie (SameSite=Lax already
/// keeps it off cross-site POSTs; this also covers same-site subdomains and old browsers).
/// Clients that send no `Origin` (curl, other systems) are not affected.
fn refuse_cross_site_write(req: &Request<Body>) -> Option<Response> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if let (false, Some(origin)) = (safe, origin) {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
        if origin == "null" || !origin_host.eq_ignore_ascii_case(host) {
            return Some(
                app::error::AppError::Forbidden("Cross-site request refused.".into())
                    .into_response(),
            );
        }
    }
    None
}

/// How long a response may be kept, where the handler does not say: answers that carry
/// patient data (the API and the server functions) are never stored; a static file whose
/// name holds its content's hash is kept for a year; any other static file is revalidated,
/// so a browser never runs an old WASM against a new page. (Pages say `no-cache`
/// themselves.)
fn cache_policy(path: &str) -> Option<&'static str> {
    if api::is_api_path(path) || path.starts_with(SERVER_FUNCTIONS) {
        Some("no-store")
    } else if path.starts_with("/pkg/") && is_hashed(path) {
        Some("public, max-age=31536000, immutable")
    } else if path.starts_with("/pkg/") || path == "/favicon.svg" {
        Some("no-cache")
    } else {
        None
    }
}

/// Whether a file's name carries cargo-leptos's content hash (`carebase.<22 characters of
/// base64url MD5>.wasm`): its content can then never change under that name.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let mut parts = name.split('.');
    let (_, hash) = (parts.next(), parts.next().unwrap_or(""));
    parts.next().is_some()
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The path prefix of the server functions (`#[server(prefix = "/rpc")]`).
const SERVER_FUNCTIONS: &str = "/rpc/";

/// A server function that fails answers HTTP 500 with the error in its body, whatever the
/// error was. This gives the answer the status of its `AppError`, as the REST API does: a
/// wrong password is a 401 and a bad email a 400, so the browser console, the access log
/// and error-rate alerts see a client's mistake as one, and only faults as 5xx. (A plain
/// form post is not touched: it is answered with a redirect back to the form.)
async fn server_function_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return app::error::AppError::Internal.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let app::error::AppError::Throttled { retry_after } = error {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    if api::is_api_path(uri.path()) {
        api::method_not_allowed(method).await
    } else {
        axum::http::StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
