//! Drives the real router against a real database: each test gets a fresh database from
//! `#[sqlx::test]`, with the migrations applied.
#![allow(dead_code)]

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
        secure_cookies: false,
    }
}

pub struct TestApp {
    pub pool: PgPool,
    pub state: app::state::AppState,
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
        let options = leptos::config::LeptosOptions::builder()
            .output_name("carebase")
            .build();
        let state = server::state(pool.clone(), SECRET.as_bytes(), &config(), options);
        TestApp { pool, state }
    }

    /// Sends a request through the whole application, middleware included.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = server::app(self.state.clone())
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
