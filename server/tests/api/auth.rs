//! `/api/auth/`: every endpoint, each wrong input, each bad token.

use crate::common::{PASSWORD, SECRET, TestApp, assert_error};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn registering_returns_201_with_the_user_and_never_the_password(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.register("John Doe", "john@example.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(r.body["message"], "User registered successfully");
    assert_eq!(r.body["user"]["name"], "John Doe");
    assert_eq!(r.body["user"]["email"], "john@example.com");
    assert!(r.body["user"]["id"].as_i64().unwrap() > 0);
    assert!(!r.raw.contains(PASSWORD));
    assert!(!r.raw.contains("argon2"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn stored_passwords_are_argon2id_hashes(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    app.register("John Doe", "john@example.com").await;
    let hash: String = sqlx::query_scalar("select password_hash from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn registering_an_email_again_in_another_case_is_a_400_on_email(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("John Doe", "john@example.com").await;
    let r = app.register("Johnny", "JOHN@Example.com").await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"]["email"][0],
        "A user with this email already exists."
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn registering_with_missing_fields_names_each_one(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.post("/api/auth/register/", json!({}), None).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    for field in ["name", "email", "password", "password2"] {
        assert_eq!(
            r.body["details"][field][0], "This field is required.",
            "{field}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn weak_passwords_are_refused_with_djangos_reasons(pool: PgPool) {
    let app = TestApp::new(pool);
    let cases = [
        ("Ab1!x", "too short"),
        ("83920174651", "entirely numeric"),
        ("password1", "too common"),
        ("maryjones1", "too similar to the name"),
    ];
    for (password, reason) in cases {
        let r = app
            .post(
                "/api/auth/register/",
                json!({"name": "Mary Jones", "email": "mary@example.com",
                       "password": password, "password2": password}),
                None,
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        let messages = r.body["details"]["password"].to_string();
        assert!(messages.contains(reason), "{password}: {messages}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn mismatched_passwords_are_a_400_on_password2(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .post(
            "/api/auth/register/",
            json!({"name": "A B", "email": "ab@example.com", "password": PASSWORD, "password2": "Different123!"}),
            None,
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"]["password2"][0],
        "Password fields didn't match."
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_invalid_email_and_wrong_types_are_field_errors(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .post(
            "/api/auth/register/",
            json!({"name": ["x"], "email": "not-an-email", "password": null, "password2": PASSWORD}),
            None,
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["details"]["name"][0], "Not a valid string.");
    assert_eq!(
        r.body["details"]["email"][0],
        "Enter a valid email address."
    );
    assert_eq!(
        r.body["details"]["password"][0],
        "This field may not be null."
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn malformed_json_and_wrong_content_types_are_400s(pool: PgPool) {
    let app = TestApp::new(pool);
    let send = |content_type: &'static str, body: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/auth/register/")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    for request in [
        send("application/json", "{\"name\": "),
        send("application/json", "not json at all"),
        send("text/plain", "{\"name\": \"x\"}"),
        send("application/x-www-form-urlencoded", "name=x"),
    ] {
        let r = app.send(request).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
    }
    let r = app.send(send("application/json", "[1, 2, 3]")).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert!(
        r.body["details"]["non_field_errors"][0]
            .as_str()
            .unwrap()
            .contains("list")
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_oversized_body_is_a_413(pool: PgPool) {
    let app = TestApp::new(pool);
    let big = format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(server::MAX_BODY_BYTES + 1)
    );
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/auth/register/")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(big))
        .unwrap();
    assert_error(&app.send(request).await, StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_returns_a_token_pair_and_the_user(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    assert_eq!(body["message"], "Login successful");
    assert_eq!(body["user"]["email"], "john@example.com");
    assert_eq!(body["user"]["name"], "John Doe");
    assert!(body["access"].as_str().unwrap().split('.').count() == 3);
    assert!(body["refresh"].as_str().unwrap().split('.').count() == 3);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_ignores_the_case_of_the_email(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("John Doe", "john@example.com").await;
    let r = app
        .post(
            "/api/auth/login/",
            json!({"email": "JOHN@EXAMPLE.COM", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_email_get_identical_answers(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("John Doe", "john@example.com").await;
    let wrong_password = app
        .post(
            "/api/auth/login/",
            json!({"email": "john@example.com", "password": "Wrong123!x"}),
            None,
        )
        .await;
    let unknown_email = app
        .post(
            "/api/auth/login/",
            json!({"email": "nobody@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_error(&wrong_password, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.raw, unknown_email.raw);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(
        wrong_password.body["detail"],
        "No active account found with the given credentials"
    );
}

/// Password guessing: ten failures for one email within 15 minutes, then 429 with
/// `Retry-After` even for the right password; other emails are not affected.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn repeated_failed_logins_are_throttled_per_email(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("John Doe", "john@example.com").await;
    app.register("Jane Roe", "jane@example.com").await;
    let attempt = |email: &'static str, password: &'static str| {
        app.post(
            "/api/auth/login/",
            json!({"email": email, "password": password}),
            None,
        )
    };
    let first = std::time::Instant::now();
    for _ in 0..10 {
        assert_error(
            &attempt("John@Example.com", "Wrong123!x").await,
            StatusCode::UNAUTHORIZED,
        );
    }
    for password in ["Wrong123!x", PASSWORD] {
        let r = attempt("john@example.com", password).await;
        assert_error(&r, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.body["code"], "throttled");
        let retry: u64 = r.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        // 15 minutes from the first failure, less the time the attempts took.
        let taken = first.elapsed().as_secs();
        assert!(
            (900 - taken - 1..=900).contains(&retry),
            "Retry-After {retry} after {taken} s"
        );
        assert_eq!(
            r.body["detail"],
            format!("Request was throttled. Expected available in {retry} seconds.")
        );
    }
    assert_eq!(
        attempt("jane@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

/// Guesses sent all at once get no more than the limit between them: an attempt is
/// counted before its password is checked.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn parallel_failed_logins_cannot_pass_the_limit(pool: PgPool) {
    let app = std::sync::Arc::new(TestApp::new(pool));
    app.register("John Doe", "john@example.com").await;
    let mut guesses = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let app = app.clone();
        guesses.spawn(async move {
            app.post(
                "/api/auth/login/",
                json!({"email": "john@example.com", "password": "Wrong123!x"}),
                None,
            )
            .await
            .status
        });
    }
    let statuses = guesses.join_all().await;
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let rejected = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!((rejected, refused), (10, 6), "{statuses:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_without_fields_is_a_400(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .post("/api/auth/login/", json!({"email": "a@b.com"}), None)
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["details"]["password"][0], "This field is required.");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn me_returns_the_profile_of_the_token_holder(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.token("John Doe", "john@example.com").await;
    let r = app.get("/api/auth/me/", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["name"], "John Doe");
    assert_eq!(r.body["email"], "john@example.com");
    let joined = r.body["date_joined"].as_str().unwrap();
    assert!(joined.ends_with('Z'), "{joined}");
    chrono::DateTime::parse_from_rfc3339(joined).unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_access_token_is_also_accepted_from_the_cookie(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("John Doe").await.token;
    let request = Request::builder()
        .uri("/api/auth/me")
        .header(
            header::COOKIE,
            format!("theme=dark; carebase_access={token}"),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn me_without_a_token_is_401_with_drfs_detail(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.get("/api/auth/me/", None).await;
    assert_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.body["detail"],
        "Authentication credentials were not provided."
    );
}

fn forge(claims: Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn assert_token_refused(app: &TestApp, token: &str) {
    let r = app.get("/api/auth/me/", Some(token)).await;
    assert_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["code"], "token_not_valid", "{token}");
    assert_eq!(r.body["detail"], "Given token not valid for any token type");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn expired_tampered_foreign_and_unsigned_tokens_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    let user_id = body["user"]["id"].as_i64().unwrap();
    let claims = |exp: i64| json!({"token_type": "access", "exp": exp, "iat": now() - 10, "jti": "abc", "user_id": user_id});

    // Correctly signed but expired.
    assert_token_refused(&app, &forge(claims(now() - 1), SECRET.as_bytes())).await;
    // Signed with another key.
    assert_token_refused(
        &app,
        &forge(claims(now() + 600), b"some-other-secret-some-other-secret"),
    )
    .await;
    // A real token whose payload was changed to another user.
    let real = body["access"].as_str().unwrap();
    let parts: Vec<&str> = real.split('.').collect();
    let other = forge(
        json!({"token_type": "access", "exp": now() + 600, "iat": now(), "jti": "x", "user_id": user_id + 1}),
        b"k",
    );
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        other.split('.').nth(1).unwrap(),
        parts[2]
    );
    assert_token_refused(&app, &tampered).await;
    // `alg: none`, no signature.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims(now() + 600).to_string())
    );
    assert_token_refused(&app, &none).await;
    // Garbage.
    assert_token_refused(&app, "not.a.token").await;
}

/// An access token is checked in full once, then remembered (see `TokenKeys::access_user`):
/// what is remembered must still run out at the second the token names.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_accepted_before_is_refused_once_it_has_expired(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    let user_id = body["user"]["id"].as_i64().unwrap();
    let exp = now() + 1;
    let token = forge(
        json!({"token_type": "access", "exp": exp, "iat": now(), "jti": "abc", "user_id": user_id}),
        SECRET.as_bytes(),
    );
    for _ in 0..2 {
        let r = app.get("/api/patients/", Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    while now() <= exp {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_token_refused(&app, &token).await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_refresh_token_cannot_be_used_as_an_access_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    assert_token_refused(&app, body["refresh"].as_str().unwrap()).await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_access_token_cannot_be_used_to_refresh(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    let r = app
        .post(
            "/api/auth/token/refresh/",
            json!({"refresh": body["access"]}),
            None,
        )
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["code"], "token_not_valid");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn refreshing_gives_a_working_access_token_on_both_paths(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    for path in [
        "/api/auth/token/refresh/",
        "/api/auth/refresh/",
        "/api/auth/refresh",
    ] {
        let r = app
            .post(path, json!({"refresh": body["refresh"]}), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.raw);
        let access = r.body["access"].as_str().unwrap();
        assert_eq!(
            app.get("/api/auth/me/", Some(access)).await.status,
            StatusCode::OK
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn logout_revokes_the_refresh_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    let refresh = json!({"refresh": body["refresh"]});
    let r = app.post("/api/auth/logout/", refresh.clone(), None).await;
    assert_eq!(r.status, StatusCode::RESET_CONTENT, "{}", r.raw);
    assert!(r.raw.is_empty());

    let r = app
        .post("/api/auth/token/refresh/", refresh.clone(), None)
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["code"], "token_not_valid");
    // A second logout with the same token is refused too.
    assert_error(
        &app.post("/api/auth/logout/", refresh, None).await,
        StatusCode::UNAUTHORIZED,
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_forged_refresh_token_that_was_never_issued_is_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = app.login_new_user("John Doe", "john@example.com").await;
    let forged = forge(
        json!({"token_type": "refresh", "exp": now() + 600, "iat": now(),
               "jti": uuid::Uuid::new_v4().simple().to_string(), "user_id": body["user"]["id"]}),
        SECRET.as_bytes(),
    );
    let r = app
        .post("/api/auth/token/refresh/", json!({"refresh": forged}), None)
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_malformed_authorization_header_is_a_401(pool: PgPool) {
    let app = TestApp::new(pool);
    let request = Request::builder()
        .uri("/api/auth/me/")
        .header(header::AUTHORIZATION, "Bearer")
        .body(Body::empty())
        .unwrap();
    assert_error(&app.send(request).await, StatusCode::UNAUTHORIZED);
}

/// The counts live in the database: two instances on it count together. They are kept per
/// email *and* address, so the owner signing in from elsewhere is not locked out.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn guesses_count_per_email_and_address_across_instances(pool: PgPool) {
    let one = TestApp::new(pool.clone());
    let two = TestApp::new(pool);
    one.register("John Doe", "john@example.com").await;
    let login = |password: &str| json!({"email": "john@example.com", "password": password});
    for i in 0..10 {
        let app = if i % 2 == 0 { &one } else { &two };
        let r = app
            .post_from("203.0.113.1", &[], "/api/auth/login/", login("Wrong123!x"))
            .await;
        assert_error(&r, StatusCode::UNAUTHORIZED);
    }
    for app in [&one, &two] {
        let r = app
            .post_from("203.0.113.1", &[], "/api/auth/login/", login(PASSWORD))
            .await;
        assert_error(&r, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers.contains_key(header::RETRY_AFTER));
    }
    // The owner, at the practice's own address, signs in as usual.
    let r = two
        .post_from("198.51.100.2", &[], "/api/auth/login/", login(PASSWORD))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);

    // When the window has ended, the address may try again; ended windows are pruned.
    sqlx::query("update auth_throttle set window_ends = now() - interval '1 second'")
        .execute(&one.pool)
        .await
        .unwrap();
    let r = one
        .post_from("203.0.113.1", &[], "/api/auth/login/", login(PASSWORD))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    sqlx::query("update auth_throttle set window_ends = now() - interval '1 second'")
        .execute(&one.pool)
        .await
        .unwrap();
    assert!(app::auth::throttle::prune(&one.pool).await.unwrap() >= 1);
    assert_eq!(one.count_rows("auth_throttle").await, 0);
}

/// Credential stuffing: one address trying many emails is slowed after 50 attempts, while
/// other addresses are not.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn one_address_trying_many_emails_is_throttled(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("Jane Roe", "jane@example.com").await;
    for i in 0..50 {
        let r = app
            .post_from(
                "203.0.113.9",
                &[],
                "/api/auth/login/",
                json!({"email": format!("user{i}@example.com"), "password": "Wrong123!x"}),
            )
            .await;
        assert_error(&r, StatusCode::UNAUTHORIZED);
    }
    let jane = json!({"email": "jane@example.com", "password": PASSWORD});
    let r = app
        .post_from("203.0.113.9", &[], "/api/auth/login/", jane.clone())
        .await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS);
    let r = app
        .post_from("198.51.100.3", &[], "/api/auth/login/", jane)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
}

/// Sign-ups (20 an hour) and token renewals (120 a minute) are limited per address.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_ups_and_renewals_are_limited_per_address(pool: PgPool) {
    let app = TestApp::new(pool);
    let register = |i: usize| json!({"name": "A", "email": format!("a{i}@example.com"), "password": PASSWORD, "password2": PASSWORD});
    for i in 0..20 {
        let r = app
            .post_from("203.0.113.20", &[], "/api/auth/register/", register(i))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    }
    let r = app
        .post_from("203.0.113.20", &[], "/api/auth/register/", register(20))
        .await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // The window began with the first sign-up (hashing 20 passwords takes a while).
    assert!((3400..=3600).contains(&retry), "Retry-After {retry}");
    let r = app
        .post_from("203.0.113.21", &[], "/api/auth/register/", register(20))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);

    let login = app
        .post_from(
            "203.0.113.21",
            &[],
            "/api/auth/login/",
            json!({"email": "a0@example.com", "password": PASSWORD}),
        )
        .await;
    let refresh = json!({"refresh": login.body["refresh"]});
    for _ in 0..120 {
        let r = app
            .post_from(
                "203.0.113.22",
                &[],
                "/api/auth/token/refresh/",
                refresh.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    }
    let r = app
        .post_from("203.0.113.22", &[], "/api/auth/token/refresh/", refresh)
        .await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS);
}

/// Behind a trusted proxy, the client is the address it forwarded for; anyone else's
/// `X-Forwarded-For` is ignored, so a client cannot pick the address it is counted under.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_client_address_comes_from_a_trusted_proxy_only(pool: PgPool) {
    let mut config = crate::common::config();
    config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    let app = TestApp::with_config(pool, config);
    let wrong = json!({"email": "nobody@example.com", "password": "Wrong123!x"});
    let forwarded = [("x-forwarded-for", "192.0.2.50, 198.51.100.9, 10.0.0.7")];
    app.post_from("10.0.0.5", &forwarded, "/api/auth/login/", wrong.clone())
        .await;
    let spoofed = [("x-forwarded-for", "192.0.2.99")];
    app.post_from("203.0.113.5", &spoofed, "/api/auth/login/", wrong.clone())
        .await;
    // A proxy on an IPv6 socket (an IPv4-mapped peer), writing the client with its port.
    let with_port = [("x-forwarded-for", "198.51.100.77:4711")];
    app.post_from(
        "[::ffff:10.0.0.6]",
        &with_port,
        "/api/auth/login/",
        wrong.clone(),
    )
    .await;
    // An entry the proxy could not fill in ends the walk: the proxy is all that is known.
    let unknown = [("x-forwarded-for", "192.0.2.1, unknown")];
    app.post_from("10.0.0.8", &unknown, "/api/auth/login/", wrong)
        .await;
    let keys: Vec<String> = sqlx::query_scalar(
        "select key from auth_throttle where key like 'login:address:%' order by key",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        keys,
        [
            "login:address:10.0.0.8",
            "login:address:198.51.100.77",
            "login:address:198.51.100.9",
            "login:address:203.0.113.5"
        ]
    );
}
