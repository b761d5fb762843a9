//! Drives the real router against a real database: each test gets a fresh database from
//! `#[sqlx::test]`, with the migrations applied.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::config::{Config, Environment};
use sqlx::PgPool;
use std::time::Duration;
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "SecurePass123!";

pub fn config() -> Config {
    Config {
        environment: Environment::Development,
        database_url: None,
        data_dir: std::env::temp_dir(),
        pg_bin_dir: None,
        jwt_secret: Some(SECRET.into()),
        access_token_lifetime: Duration::from_secs(5 * 3600),
        refresh_token_lifetime: Duration::from_secs(24 * 3600),
        max_connections: 5,
        read_connections: 2,
        secure_cookies: false,
        max_open_connections: 100,
        header_read_timeout: Duration::from_secs(10),
        shutdown_drain: Duration::ZERO,
        shutdown_grace: Duration::from_secs(10),
        trusted_proxies: Vec::new(),
        allowed_hosts: None,
        cors_allowed_origins: Vec::new(),
        throttles: Default::default(),
        password_hash_threads: None,
    }
}

pub struct TestApp {
    pub pool: PgPool,
    /// What the handlers share (the draining flag, the database handle).
    pub state: app::state::AppState,
    /// The whole application, built once and cloned for each request.
    pub router: server::App,
}

/// A signed-in user from [`TestApp::signed_in`]: the access token and the user's id.
pub struct Staff {
    pub token: String,
    pub id: i64,
}

/// A response: status, headers and the body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        Self::with_config(pool, config())
    }

    /// The application as `config` configures it.
    pub fn with_config(pool: PgPool, config: Config) -> Self {
        let state = state(&pool, &config);
        Self::with_state(pool, state)
    }

    /// The application around a state built by the test from [`state`] (a smaller hashing
    /// gate, say).
    pub fn with_state(pool: PgPool, state: app::state::AppState) -> Self {
        let router = server::app(state.clone());
        TestApp {
            pool,
            state,
            router,
        }
    }

    /// A JSON POST as if from a client at `from` (the socket's peer address), with extra
    /// headers.
    pub async fn post_from(
        &self,
        from: &str,
        headers: &[(&str, &str)],
        path: &str,
        body: Value,
    ) -> Reply {
        let peer: std::net::SocketAddr = format!("{from}:40000").parse().unwrap();
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(Body::from(body.to_string())).unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        self.send(request).await
    }

    /// Sends a request through the whole application, middleware included.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(raw.clone()))
        };
        Reply {
            status,
            headers,
            body,
            raw,
        }
    }

    /// A JSON request with an optional Bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, None, token).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.call(Method::POST, path, Some(body), token).await
    }

    /// Registers a user and returns the response.
    pub async fn register(&self, name: &str, email: &str) -> Reply {
        self.post(
            "/api/auth/register/",
            json!({"name": name, "email": email, "password": PASSWORD, "password2": PASSWORD}),
            None,
        )
        .await
    }

    /// Registers and logs in a user; returns the login response body.
    pub async fn login_new_user(&self, name: &str, email: &str) -> Value {
        let r = self.register(name, email).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
        let r = self
            .post(
                "/api/auth/login/",
                json!({"email": email, "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        r.body
    }

    /// Registers and logs in a user; returns the access token.
    pub async fn token(&self, name: &str, email: &str) -> String {
        self.login_new_user(name, email).await["access"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// What the handlers share, as the server builds it from `config`.
pub fn state(pool: &PgPool, config: &Config) -> app::state::AppState {
    let options = leptos::config::LeptosOptions::builder()
        .output_name("carebase")
        .build();
    server::state(pool.clone(), SECRET.as_bytes(), config, options)
}

/// How many audit events of `action` the database holds (queued reads not included).
pub async fn count_events(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_events where action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Asserts the REST error envelope: a status and an `error` sentence.
pub fn assert_error(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.raw);
    assert!(
        reply.body["error"].as_str().is_some_and(|s| !s.is_empty()),
        "error envelope expected, got {}",
        reply.raw
    );
    assert!(
        reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

impl TestApp {
    pub async fn put(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.call(Method::PUT, path, Some(body), token).await
    }

    pub async fn patch(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.call(Method::PATCH, path, Some(body), token).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, None, token).await
    }

    /// Registers and logs in a user; returns the access token and the user's id.
    pub async fn user(&self, name: &str, email: &str) -> (String, i64) {
        let body = self.login_new_user(name, email).await;
        (
            body["access"].as_str().unwrap().to_owned(),
            body["user"]["id"].as_i64().unwrap(),
        )
    }

    /// Registers and logs in a user for a test that needs some signed-in user and never
    /// looks at its email. The email derives from the name (`Alice Owner` becomes
    /// `aliceowner@staff.example.com`); no test writes out an address at that domain.
    pub async fn signed_in(&self, name: &str) -> Staff {
        let slug = slug(name);
        assert!(
            !slug.is_empty(),
            "{name:?} has no letter or digit for an email"
        );
        let body = self
            .login_new_user(name, &format!("{slug}@staff.example.com"))
            .await;
        Staff {
            token: body["access"].as_str().unwrap().to_owned(),
            id: body["user"]["id"].as_i64().unwrap(),
        }
    }

    /// Creates a patient from `body` (asserting the 201) and returns the patient object.
    pub async fn create_patient(&self, token: &str, body: Value) -> Value {
        let r = self.post("/api/patients/", body, Some(token)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
        r.body["patient"].clone()
    }

    /// Creates a patient with just a name and an email derived from it.
    pub async fn patient_named(&self, token: &str, name: &str) -> Value {
        let email = format!(
            "{}@patients.example.com",
            name.to_lowercase().replace(' ', ".")
        );
        self.create_patient(token, json!({"name": name, "email": email}))
            .await
    }

    /// Creates a doctor from `body` (asserting the 201) and returns the doctor object.
    pub async fn create_doctor(&self, token: &str, body: Value) -> Value {
        let r = self.post("/api/doctors/", body, Some(token)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
        r.body["doctor"].clone()
    }

    /// Creates a doctor with the required fields, an email and a license derived from the name.
    pub async fn doctor_named(&self, token: &str, name: &str, specialization: &str) -> Value {
        self.create_doctor(token, doctor_body(name, specialization))
            .await
    }

    /// Assigns a doctor to a patient (asserting the 201) and returns the mapping object.
    pub async fn assign(&self, token: &str, patient: &Value, doctor: &Value) -> Value {
        let r = self
            .post(
                "/api/mappings/",
                json!({"patient": patient["id"], "doctor": doctor["id"]}),
                Some(token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
        r.body["mapping"].clone()
    }

    /// Makes a user an administrator, directly in the database.
    pub async fn make_admin(&self, user_id: i64) {
        sqlx::query("update users set is_admin = true where id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .unwrap();
    }

    /// Counts the rows of a table, bypassing the API.
    pub async fn count_rows(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// A name lower-cased, with everything but ASCII letters and digits dropped.
fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// The body of a valid doctor whose email and license number derive from its name.
pub fn doctor_body(name: &str, specialization: &str) -> Value {
    let slug = slug(name);
    json!({
        "name": name,
        "email": format!("{slug}@doctors.example.com"),
        "specialization": specialization,
        "license_number": format!("LIC-{slug}"),
    })
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object expected, got {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Asserts that an object has exactly these keys.
pub fn assert_keys(value: &Value, expected: &[&str]) {
    let mut expected: Vec<String> = expected.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(keys(value), expected, "{value}");
}

/// Asserts an RFC 3339 timestamp in UTC, written with `Z`, and returns it.
pub fn assert_timestamp(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp string expected, got {value}"));
    assert!(text.ends_with('Z'), "{text}");
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&chrono::Utc)
}

/// The ids of the items of a list response under `key`.
pub fn ids(body: &Value, key: &str) -> Vec<i64> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("a list under {key} expected, got {body}"))
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

/// The values of one field of the items of a list response under `key`.
pub fn column(body: &Value, key: &str, field: &str) -> Vec<Value> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("a list under {key} expected, got {body}"))
        .iter()
        .map(|item| item[field].clone())
        .collect()
}

/// Ids that no request should turn into a 500: not integers, not positive, or too large.
pub const BAD_IDS: &[&str] = &[
    "abc",
    "0",
    "-1",
    "1.5",
    "1e3",
    "99999999999999999999",
    "9223372036854775808",
    "%20",
    "1%00",
];
