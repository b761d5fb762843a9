//! What holds under faults and abuse: the stop signal's drain, the cap on connections, slow
//! and idle connections, a database that cannot be reached, a storm of password hashes.

use crate::common::{TestApp, config};
use axum::http::{Method, StatusCode};
use serde_json::json;
use server::serve::{self, Limits};
use sqlx::PgPool;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Serves `app` on a free local port with `limits`; returns the address, a trigger for
/// the stop signal and the server task.
async fn start(
    app: &TestApp,
    limits: Limits,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve::run(
        listener,
        app.router.clone(),
        limits,
        app.state.draining.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop, server)
}

fn limits() -> Limits {
    Limits {
        max_connections: 100,
        header_read_timeout: Duration::from_secs(10),
        drain: Duration::from_millis(500),
        grace: Duration::from_secs(20),
    }
}

/// Reads one whole HTTP/1.1 response (the server closes or says how long it is).
async fn read_response(stream: &mut TcpStream) -> String {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut chunk))
            .await
            .expect("the response comes")
            .unwrap_or(0);
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).into_owned();
        if n == 0 || complete(&text) {
            return text;
        }
    }
}

fn complete(text: &str) -> bool {
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .and_then(|v| v.trim().parse::<usize>().ok());
    length.is_some_and(|n| body.len() >= n)
}

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_response(&mut stream).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_request_in_flight_when_the_stop_signal_comes_is_answered(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("Ann", "ann@example.com").await;
    let (addr, stop, server) = start(
        &app,
        Limits {
            drain: Duration::from_secs(2),
            ..limits()
        },
    )
    .await;

    // Half a sign-in is sent: the request is in flight when the signal comes.
    let body = json!({"email": "ann@example.com", "password": crate::common::PASSWORD}).to_string();
    let mut in_flight = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/auth/login/ HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.state.draining.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the server never started draining"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Readiness turns 503 at once, and the server still serves while it drains, asking
    // clients not to reuse the connection.
    let ready = get(addr, "/api/health/ready/").await;
    assert!(ready.starts_with("HTTP/1.1 503"), "{ready}");
    let live = get(addr, "/api/health/").await;
    assert!(live.starts_with("HTTP/1.1 200"), "{live}");
    assert!(
        live.to_ascii_lowercase().contains("connection: close"),
        "{live}"
    );

    // The rest of the sign-in arrives after the drain has ended (the server no longer
    // accepts connections): it is still answered.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "the drain never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    in_flight.write_all(&body.as_bytes()[10..]).await.unwrap();
    let answer = read_response(&mut in_flight).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Login successful"), "{answer}");

    // Nothing new is accepted after the drain, and the server finishes.
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once nothing is in flight")
        .unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn connections_over_the_cap_get_a_503_and_idle_ones_are_closed(pool: PgPool) {
    let app = TestApp::new(pool);
    let (addr, _stop, _server) = start(
        &app,
        Limits {
            max_connections: 2,
            header_read_timeout: Duration::from_secs(2),
            ..limits()
        },
    )
    .await;
    // Two connections that send nothing (or a request head byte by byte, slowly).
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/health/ HTTP/1.1\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let refused = get(addr, "/api/health/").await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(refused.contains("Too many open connections"), "{refused}");

    // Neither finishes a request head in time: both are closed, and their places freed.
    for stream in [&mut idle, &mut slow] {
        let mut buffer = [0u8; 512];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("the server closes the connection");
        // Closed: end of stream (or a reset), perhaps after a 408.
        if let Ok(n) = read {
            let text = String::from_utf8_lossy(&buffer[..n]);
            assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");
        }
    }
    // Their places are free again (the server notices the close a moment later).
    let mut served = String::new();
    for _ in 0..40 {
        served = get(addr, "/api/health/").await;
        if served.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn writes_and_readiness_fail_fast_while_the_database_cannot_be_reached(pool: PgPool) {
    let token = TestApp::new(pool).token("Ann", "ann@example.com").await;
    // The same application, but its database is at an address where nothing listens: every
    // connection attempt is refused, and the pool would retry until its 5 s timeout.
    let nowhere = sqlx::postgres::PgConnectOptions::new()
        .host("127.0.0.1")
        .port(9)
        .username("carebase")
        .database("nowhere");
    // A long acquire timeout: answering fast must not come from the pool giving up.
    let dead = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .connect_lazy_with(nowhere);
    let app = TestApp::with_config(dead, config());

    // A read finds out quickly.
    let started = Instant::now();
    let r = app.get("/api/patients/1/", Some(&token)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.raw);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // From then on writes and readiness answer 503 at once, with the envelope.
    for _ in 0..3 {
        let started = Instant::now();
        let r = app
            .call(
                Method::POST,
                "/api/patients/",
                Some(json!({"name": "Bob"})),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.raw);
        assert_eq!(r.body["error"], "Service temporarily unavailable.");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let started = Instant::now();
        let r = app.get("/api/health/ready/", None).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.raw);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn readiness_is_503_from_the_moment_the_server_drains(pool: PgPool) {
    let app = TestApp::new(pool);
    assert_eq!(
        app.get("/api/health/ready/", None).await.status,
        StatusCode::OK
    );
    app.state.draining.store(true, Ordering::SeqCst);
    let r = app.get("/api/health/ready/", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.raw);
    // Other requests are served, and say the connection closes after them.
    assert_eq!(r.body["error"], "The server is shutting down.");
    let r = app.get("/api/health/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["connection"], "close");
    // Draining is not a database outage: writes still go through.
    let r = app.register("Ann", "ann@example.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert!(!app.state.pool.is_down());
}

/// A storm of sign-ins: beyond the hashes running and the short queue, the rest are
/// refused at once with a 503, `Retry-After` and the envelope; none is a 500.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_ins_beyond_the_hashing_queue_are_refused_with_503(pool: PgPool) {
    let mut state = crate::common::state(&pool, &config()).into_shared();
    state.guard = std::sync::Arc::new(app::auth::throttle::Guard {
        throttles: Default::default(),
        hashing: app::auth::password::Gate::new(1, 1),
    });
    let app = std::sync::Arc::new(TestApp::with_state(pool, state.into()));
    app.register("Ann", "ann@example.com").await;
    // The registration's turn was given back before its answer came.
    assert_eq!(app.state.guard.hashing.free_turns(), 1);
    let mut storm = tokio::task::JoinSet::new();
    for i in 0..8 {
        let app = app.clone();
        storm.spawn(async move {
            app.post_from(
                &format!("203.0.113.{i}"),
                &[],
                "/api/auth/login/",
                json!({"email": "ann@example.com", "password": crate::common::PASSWORD}),
            )
            .await
        });
    }
    let replies = storm.join_all().await;
    let busy: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        replies
            .iter()
            .all(|r| r.status == StatusCode::OK || r.status == StatusCode::SERVICE_UNAVAILABLE),
        "{replies:?}"
    );
    assert!(!busy.is_empty(), "{replies:?}");
    assert!(
        replies
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count()
            >= 2,
        "{replies:?}"
    );
    for r in busy {
        assert_eq!(r.headers["retry-after"], "1");
        assert_eq!(
            r.body["error"],
            "The server is busy. Please try again in a moment."
        );
    }
}
