//! The real binary with no configuration at all: it starts its own PostgreSQL cluster,
//! keeps data and its development JWT secret across a restart, and stops cleanly on SIGTERM.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Running {
    child: Child,
    addr: String,
}

fn start(data_dir: &Path, env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_remove("MIMALLOC_PURGE_DELAY")
        .env_remove("MIMALLOC_ARENA_EAGER_COMMIT")
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env("CAREBASE_DATA_DIR", data_dir)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .env("LEPTOS_OUTPUT_NAME", "carebase")
        .current_dir(data_dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("Carebase is running at http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    Running { child, addr }
}

/// The environment the running process has now (after any restart of itself).
fn environ(running: &Running) -> Vec<String> {
    std::fs::read(format!("/proc/{}/environ", running.child.id()))
        .unwrap()
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// The running server's environment holds each `NAME=value` of `expected`.
fn assert_environ_has(running: &Running, expected: &[&str]) {
    let env = environ(running);
    for entry in expected {
        assert!(env.iter().any(|e| e == entry), "{entry} missing: {env:?}");
    }
}

fn stop(mut running: Running) {
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.child.wait().unwrap();
    assert!(
        exit.success(),
        "the server exits cleanly on SIGTERM: {exit:?}"
    );
}

/// A minimal HTTP/1.1 client: one request per connection.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let (_, payload) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

#[test]
fn data_and_tokens_survive_a_restart_of_the_server_and_its_embedded_database() {
    let data_dir: PathBuf = std::env::temp_dir().join(format!(
        "carebase-restart-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&data_dir).unwrap();

    let first = start(&data_dir, &[]);
    // The process started itself again with the allocator's options (`server::memory`).
    assert_environ_has(
        &first,
        &["MIMALLOC_PURGE_DELAY=0", "MIMALLOC_ARENA_EAGER_COMMIT=0"],
    );
    assert_eq!(
        http(&first.addr, "GET", "/api/health/ready/", None, None).0,
        200
    );
    let (status, _) = http(
        &first.addr,
        "POST",
        "/api/auth/register/",
        Some(json!({"name": "Rita Restart", "email": "rita@example.com",
                    "password": "SecurePass123!", "password2": "SecurePass123!"})),
        None,
    );
    assert_eq!(status, 201);
    let (status, login) = http(
        &first.addr,
        "POST",
        "/api/auth/login/",
        Some(json!({"email": "rita@example.com", "password": "SecurePass123!"})),
        None,
    );
    assert_eq!(status, 200);
    let access = login["access"].as_str().unwrap().to_owned();
    stop(first);
    assert!(
        !data_dir.join("pgdata/postmaster.pid").exists(),
        "the embedded cluster is stopped with the server"
    );

    // An operator's own value is kept.
    let second = start(&data_dir, &[("MIMALLOC_PURGE_DELAY", "25")]);
    assert_environ_has(
        &second,
        &["MIMALLOC_PURGE_DELAY=25", "MIMALLOC_ARENA_EAGER_COMMIT=0"],
    );
    let (status, me) = http(&second.addr, "GET", "/api/auth/me/", None, Some(&access));
    assert_eq!(
        status, 200,
        "a token issued before the restart still works: {me}"
    );
    assert_eq!(me["email"], "rita@example.com");
    let (status, _) = http(
        &second.addr,
        "POST",
        "/api/auth/login/",
        Some(json!({"email": "rita@example.com", "password": "SecurePass123!"})),
        None,
    );
    assert_eq!(
        status, 200,
        "the account registered before the restart is still there"
    );
    stop(second);
    let _ = std::fs::remove_dir_all(&data_dir);
}
