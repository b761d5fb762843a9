//! The Carebase server: configuration, the database, and the axum router that serves the
//! REST API, the server functions and the server-rendered pages.

pub mod api;
pub mod commands;
pub mod config;
pub mod embedded_pg;
pub mod memory;
pub mod serve;

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
use tower::util::{MapRequest, MapRequestLayer};
use tower::{Layer, ServiceBuilder};
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
    AppState::from(app::state::Shared {
        pool: app::db::Db::new(pool, config.read_connections as usize),
        tokens: Arc::new(TokenKeys::new(
            jwt_secret,
            config.access_token_lifetime,
            config.refresh_token_lifetime,
        )),
        leptos_options,
        secure_cookies: config.secure_cookies,
        guard: Arc::new(app::auth::throttle::Guard {
            throttles: config.throttles.clone(),
            hashing: config
                .password_hash_threads
                .map_or_else(Default::default, app::auth::password::Gate::with_threads),
        }),
        trusted_proxies: config.trusted_proxies.clone().into(),
        forms: Default::default(),
        draining: Default::default(),
        revoked: Default::default(),
        boundaries: Arc::new(app::state::Boundaries {
            allowed_hosts: config.allowed_hosts.clone(),
            cors_origins: config.cors_allowed_origins.clone(),
        }),
    })
}

/// The whole application, as a service.
pub type App = MapRequest<Router, fn(Request<Body>) -> Request<Body>>;

/// The whole application. Each request is given its id first (see
/// [`app::auth::RequestId`]); trailing slashes are trimmed before routing, so `/api/x/` and
/// `/api/x` are the same route and neither redirects.
pub fn app(state: AppState) -> App {
    MapRequestLayer::new(arrive as fn(Request<Body>) -> Request<Body>).layer(router(state))
}

/// What every request gets before anything else looks at it.
fn arrive(mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut().insert(app::auth::RequestId::new());
    trim_trailing_slash(req)
}

/// The span every log line written while serving a request is in: its id, method and path
/// (not the query, which may hold a patient's name).
fn request_span(req: &Request<Body>) -> tracing::Span {
    let id = req
        .extensions()
        .get::<app::auth::RequestId>()
        .map_or("", |id| &id.0);
    tracing::info_span!("request", id, method = %req.method(), path = req.uri().path())
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
    let shared = state.clone();
    // Listing the routes renders the app once with data loading switched off, a switch
    // that is global to the process: list them once, not per router.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let options = state.leptos_options.clone();
    let router = Router::new()
        .merge(api::routes())
        .route("/admin/activity.csv", axum::routing::get(api::audit_csv))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed);
    // Every layer in one stack, given to the router once: each `Router::layer` call wraps
    // every route in a box of its own, which each request clones, boxing its future too.
    // The first layer of the stack is the outermost.
    let layers = ServiceBuilder::new()
        // Failures are logged where they happen, with their cause (and once per interval
        // when they repeat: see `app::log`), not again here for each response.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span as fn(&Request<Body>) -> tracing::Span)
                .on_failure(()),
        )
        // Pages, JSON and the static files, in br or gzip when the client accepts it.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Every per-request rule in one middleware.
        .layer(axum::middleware::from_fn(move |req, next| {
            policies(shared.clone(), req, next)
        }))
        .option_layer(cors(&state.boundaries.cors_origins))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    router.layer(layers).with_state(state)
}

/// Pages at the listed origins may call the site from a browser, with credentials
/// (cookies, `Authorization`); the preflight is answered. No list: no CORS headers at all,
/// so only the site's own pages can read its answers.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    (!origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(true)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
            .max_age(std::time::Duration::from_secs(600))
    })
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

/// The rules every request passes: cross-site writes refused; writes refused at once while
/// the database is down; a failed server function answered with its error's status; how
/// long a response may be kept; the permissions and, over HTTPS, transport security
/// headers; while the server drains, connections closed after their response.
async fn policies(state: AppState, req: Request<Body>, next: axum::middleware::Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    // Health checks come from load balancers and orchestrators by address, not by name.
    let is_health = req.uri().path().starts_with("/api/health");
    if !is_health && !state.boundaries.host_allowed(host) {
        // Django's answer to a Host outside ALLOWED_HOSTS.
        return app::error::AppError::BadRequest(format!(
            "Invalid HTTP_HOST header: '{host}'. You may need to add '{host}' to ALLOWED_HOSTS."
        ))
        .into_response();
    }
    if let Some(refused) = refuse_cross_site_write(&req, &state.boundaries) {
        return refused;
    }
    let is_write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if is_write && state.pool.is_down() {
        return app::error::AppError::Unavailable.into_response();
    }
    let path = req.uri().path();
    let cache = cache_policy(path);
    let is_server_function = path.starts_with(SERVER_FUNCTIONS);
    let request_id = req.extensions().get::<app::auth::RequestId>().cloned();
    let mut response = next.run(req).await;
    if is_server_function && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        response = server_function_status(response).await;
    }
    if response
        .extensions()
        .get::<app::error::DatabaseUnavailable>()
        .is_some()
    {
        state.pool.report_unavailable();
    }
    let headers = response.headers_mut();
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id.0).ok()) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        // Clients stop reusing this connection, so none is left idle when the drain ends.
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(policy) = cache {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(policy));
    }
    headers
        .entry(HeaderName::from_static("permissions-policy"))
        .or_insert(HeaderValue::from_static(PERMISSIONS_POLICY));
    if state.secure_cookies {
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
/// Clients that send no `Origin` (curl, other systems) are not affected, nor are the
/// origins listed in `CORS_ALLOWED_ORIGINS`.
fn refuse_cross_site_write(
    req: &Request<Body>,
    boundaries: &app::state::Boundaries,
) -> Option<Response> {
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
        let same_site = origin_host.eq_ignore_ascii_case(host);
        if origin == "null" || !(same_site || boundaries.origin_allowed(origin)) {
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
        if let Some(seconds) = error.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if error == app::error::AppError::Unavailable {
            parts.extensions.insert(app::error::DatabaseUnavailable);
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
