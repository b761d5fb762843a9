//! Cross-cutting HTTP behaviour: health, trailing slashes, JSON 404 and 405.

use crate::common::{PASSWORD, TestApp, assert_error};
use axum::http::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn health_and_readiness_answer_ok(pool: PgPool) {
    let app = TestApp::new(pool);
    for path in [
        "/api/health/",
        "/api/health",
        "/api/health/ready/",
        "/api/health/ready",
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.body["status"], "ok");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn paths_work_with_and_without_the_trailing_slash_and_never_redirect(pool: PgPool) {
    let app = TestApp::new(pool);
    for path in ["/api/auth/register/", "/api/auth/register"] {
        let r = app
            .post(
                path,
                json!({"name": "A", "email": format!("a{}@example.com", path.len()),
                               "password": PASSWORD, "password2": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.raw);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_api_paths_are_a_json_404(pool: PgPool) {
    let app = TestApp::new(pool);
    for path in [
        "/api/nothing/",
        "/api/auth/nothing",
        "/api/patients/abc/def/",
    ] {
        assert_error(&app.get(path, None).await, StatusCode::NOT_FOUND);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_wrong_method_is_a_json_405(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.get("/api/auth/login/", None).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.body["detail"], "Method \"GET\" not allowed.");
    let r = app.call(Method::DELETE, "/api/auth/me", None, None).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_api_root_lists_the_endpoints(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.get("/api/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["auth"]["login"], "/api/auth/login/");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn responses_carry_security_headers(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.get("/api/health/", None).await;
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(r.headers["x-frame-options"], "DENY");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_openapi_document_covers_every_route(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = r.body["paths"].as_object().unwrap();
    for path in [
        "/api/auth/register/",
        "/api/auth/login/",
        "/api/auth/token/refresh/",
        "/api/auth/logout/",
        "/api/auth/me/",
        "/api/patients/",
        "/api/patients/{id}/",
        "/api/doctors/",
        "/api/doctors/{id}/",
        "/api/mappings/",
        "/api/mappings/{id}/",
        "/api/health/",
        "/api/health/ready/",
        "/api/admin/users/",
        "/api/admin/users/{id}/",
        "/api/audit/",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    assert!(paths["/api/mappings/{id}/"]["get"].is_object());
    assert!(paths["/api/mappings/{id}/"]["delete"].is_object());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_documented_operation_is_routed_to_a_handler(pool: PgPool) {
    let app = TestApp::new(pool);
    let document = app.get("/api/openapi.json", None).await.body;
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let r = app
                .call(method.clone(), &path.replace("{id}", "1"), None, None)
                .await;
            // A handler answers (401 without a token, or the operation's own answer);
            // an unrouted pair would be the fallback's 404 or 405.
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !r.raw.contains("No endpoint at"),
                "{method} {path}: {}",
                r.raw
            );
            operations += 1;
        }
    }
    assert_eq!(operations, 27, "every operation of the API is documented");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_document_states_the_limits_and_choices_the_validation_enforces(pool: PgPool) {
    let app = TestApp::new(pool);
    let document = app.get("/api/openapi.json", None).await.body;
    let schema = |name: &str| document["components"]["schemas"][name]["properties"].clone();
    let patient = schema("PatientRequest");
    assert_eq!(
        patient["name"]["maxLength"],
        app::patients::service::NAME_MAX
    );
    assert_eq!(
        patient["medical_history"]["maxLength"],
        app::patients::service::HISTORY_MAX
    );
    assert_eq!(
        patient["blood_group"]["$ref"],
        "#/components/schemas/BloodGroup"
    );
    assert_eq!(
        document["components"]["schemas"]["BloodGroup"]["enum"],
        json!(app::patients::BLOOD_GROUPS)
    );
    assert_eq!(patient["email"]["type"], "string", "not nullable");
    let doctor = schema("DoctorRequest");
    assert_eq!(
        doctor["license_number"]["maxLength"],
        app::doctors::service::LICENSE_MAX
    );
    assert_eq!(doctor["experience_years"]["maximum"], 80);
    assert_eq!(
        schema("MappingRequest")["notes"]["maxLength"],
        app::assignments::service::NOTES_MAX
    );
    assert_eq!(
        schema("RegisterRequest")["name"]["maxLength"],
        app::accounts::service::NAME_MAX
    );
    let list = &document["paths"]["/api/patients/"]["get"]["parameters"];
    let ordering = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ordering")
        .unwrap();
    assert_eq!(
        ordering["schema"]["pattern"],
        app::patients::PATIENT_SORTS.pattern()
    );
    assert!(
        ordering["description"]
            .as_str()
            .unwrap()
            .starts_with("-created_at (default), created_at, name")
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_interactive_docs_page_is_served_without_downloads(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.get("/api/docs/", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert!(
        r.raw.contains("swagger"),
        "{}",
        &r.raw[..r.raw.len().min(300)]
    );
    let r = app.get("/api/docs/swagger-ui.css", None).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_write_from_another_site_is_refused(pool: PgPool) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let app = TestApp::new(pool);
    let body = json!({"email": "a@example.com", "password": "x"}).to_string();
    let request = |origin: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/auth/login/")
            .header(header::HOST, "carebase.test")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone()))
            .unwrap()
    };
    assert_error(
        &app.send(request("https://evil.example")).await,
        StatusCode::FORBIDDEN,
    );
    // The same site gets through to the login check itself.
    assert_eq!(
        app.send(request("http://carebase.test")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_server_function_answers_a_mistake_with_its_own_status_not_500(pool: PgPool) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let app = TestApp::new(pool);
    let call = |path: &str, form: &str, accept: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::REFERER, "http://localhost/signup")
            .body(Body::from(form.to_owned()))
            .unwrap()
    };
    let r = app
        .send(call(
            "/rpc/sign_up",
            "name=Ann&email=not-an-email&password=SecurePass123%21&password2=SecurePass123%21",
            "*/*",
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert!(
        r.body["Validation"]["details"]["email"].is_array(),
        "{}",
        r.raw
    );

    app.register("Ann", "ann@example.com").await;
    let wrong = "email=ann%40example.com&password=wrong-password";
    let r = app.send(call("/rpc/sign_in", wrong, "*/*")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.raw);
    assert!(r.body["Unauthenticated"].is_object(), "{}", r.raw);

    // Signed out, a write is a 401; a form that cannot be read is a 400.
    let r = app
        .send(call("/rpc/delete_patient", "id=1", "application/json"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.raw);
    let r = app
        .send(call("/rpc/delete_patient", "id=not-a-number", "*/*"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);

    // Too many failures: 429 with the time to wait, as from the REST API.
    let mut last = app.send(call("/rpc/sign_in", wrong, "*/*")).await;
    for _ in 0..10 {
        last = app.send(call("/rpc/sign_in", wrong, "*/*")).await;
    }
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS, "{}", last.raw);
    assert!(last.headers.contains_key(header::RETRY_AFTER));

    // A plain form post (no JavaScript) still goes back to its form, with the error.
    let r = app
        .send(call(
            "/rpc/sign_up",
            "name=Ann&email=not-an-email&password=x&password2=x",
            "text/html",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.raw);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("http://localhost/signup"),
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn hsts_is_sent_only_where_the_site_is_served_over_https(pool: PgPool) {
    let plain = TestApp::new(pool.clone());
    let r = plain.get("/api/health/", None).await;
    assert!(!r.headers.contains_key("strict-transport-security"));
    assert_eq!(r.headers["cache-control"], "no-store");
    assert!(
        r.headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()")
    );

    let mut config = crate::common::config();
    config.secure_cookies = true;
    let https = TestApp::with_config(pool, config);
    let r = https.get("/api/health/", None).await;
    assert_eq!(
        r.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

/// `ALLOWED_HOSTS`, as in Django: another `Host` is a 400 with the envelope.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_host_outside_allowed_hosts_is_a_400(pool: PgPool) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let mut config = crate::common::config();
    config.allowed_hosts = Some(vec!["clinic.example".into(), ".carebase.test".into()]);
    let app = TestApp::with_config(pool, config);
    let get = |host: &str| {
        Request::builder()
            .uri("/api/")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    let r = app.send(get("evil.example")).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["error"],
        "Invalid HTTP_HOST header: 'evil.example'. You may need to add 'evil.example' to ALLOWED_HOSTS."
    );
    for host in ["clinic.example:8000", "eu.carebase.test"] {
        assert_eq!(app.send(get(host)).await.status, StatusCode::OK, "{host}");
    }
    // Health checks come by address (a load balancer, an orchestrator's probe).
    let probe = Request::builder()
        .uri("/api/health/ready/")
        .header(header::HOST, "10.1.2.3:3000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(probe).await.status, StatusCode::OK);
}

/// CORS: a listed origin's preflight is answered, with credentials; its writes are not
/// refused as cross-site. Any other origin gets no CORS headers, and its writes are refused.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn cors_is_answered_for_listed_origins_only(pool: PgPool) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let mut config = crate::common::config();
    config.cors_allowed_origins = vec!["https://app.example".into()];
    let app = TestApp::with_config(pool.clone(), config);
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/patients/")
            .header(header::HOST, "carebase.test")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    let r = app.send(preflight("https://app.example")).await;
    assert!(r.status.is_success(), "{:?}", r.status);
    assert_eq!(
        r.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example"
    );
    assert_eq!(r.headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    let methods = r.headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let r = app.send(preflight("https://evil.example")).await;
    assert!(!r.headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    let write = |origin: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/patients/")
            .header(header::HOST, "carebase.test")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    // Listed: through to authentication (401), readable by the page.
    let r = app.send(write("https://app.example")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.raw);
    assert_eq!(
        r.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example"
    );
    let r = app.send(write("https://evil.example")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.raw);

    // Without the setting, same-origin only: no CORS headers for anyone.
    let plain = TestApp::new(pool);
    let r = plain.send(preflight("https://app.example")).await;
    assert!(!r.headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
}
