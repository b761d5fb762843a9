//! The HTTP server around the app: what a connection may take, and how the server stops.
//!
//! - **Open files**: the process raises its soft limit on open files to the hard limit at
//!   start ([`raise_open_file_limit`]), and keeps below it: at most `max_connections`
//!   connections are served at once. One more is answered with a plain 503 and closed,
//!   instead of `accept` failing with "Too many open files" for everyone.
//! - **Slow and idle connections**: a connection must send a complete request head within
//!   `header_read_timeout` of starting to wait for one. That closes slowloris connections,
//!   and idle keep-alive connections, which wait for their next request head the same way.
//! - **Drain**: on SIGTERM or SIGINT, readiness answers 503 at once and the server goes on
//!   serving for `drain` (every response then says `Connection: close`, so clients stop
//!   reusing connections), so a load balancer can stop sending. Then it stops accepting,
//!   closes idle connections, lets requests in flight finish (for at most `grace`) and
//!   returns.

use crate::App;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// What connections may take, and how long a stop may take.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; more are refused with a 503.
    pub max_connections: usize,
    /// How long a connection may take to send a request head, or sit idle between requests.
    pub header_read_timeout: Duration,
    /// After the stop signal, how long the server keeps serving (readiness already 503).
    pub drain: Duration,
    /// After the drain, how long requests in flight get to finish.
    pub grace: Duration,
}

/// The files the process keeps open besides connections: database connections, static
/// files being sent, the log.
const RESERVED_FILES: u64 = 64;

/// Raises the soft limit on open files to the hard limit and returns the limit in force.
pub fn raise_open_file_limit() -> u64 {
    let before = rlimit::Resource::NOFILE.get().map_or(0, |(soft, _)| soft);
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) => {
            tracing::info!(before, now, "open-file limit raised to the hard limit");
            now
        }
        Err(error) => {
            tracing::warn!(%error, before, "could not raise the open-file limit");
            before
        }
    }
}

/// The most connections that fit in `open_files` with room for everything else.
pub fn connections_that_fit(open_files: u64, wanted: usize) -> usize {
    let room = open_files.saturating_sub(RESERVED_FILES).max(1);
    wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Serves `app` on `listener` until `stop` resolves, then drains and returns.
/// `draining` is set when `stop` resolves; readiness reads it.
pub async fn run(
    listener: TcpListener,
    app: App,
    limits: Limits,
    draining: Arc<AtomicBool>,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);

    tokio::pin!(stop);
    // Set when the stop signal comes: the end of the drain.
    let mut drain_until: Option<tokio::time::Instant> = None;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop, if drain_until.is_none() => {
                draining.store(true, Ordering::SeqCst);
                tracing::info!(
                    drain = ?limits.drain,
                    "stop requested: readiness is 503; serving on while load balancers stop sending"
                );
                drain_until = Some(tokio::time::Instant::now() + limits.drain);
                continue;
            }
            () = tokio::time::sleep_until(drain_until.unwrap_or_else(tokio::time::Instant::now)),
                if drain_until.is_some() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of files or memory: wait a moment rather than spin.
                app::log::error("accepting a connection failed", &error);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |req: axum::http::Request<Incoming>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away mid-request is not the server's error.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("draining done: no new connections; finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!(grace = ?limits.grace, "requests in flight did not finish in time");
        }
    }
}

/// Answers a connection over the limit with a 503 and closes it.
async fn refuse(mut stream: TcpStream) {
    app::log::warn("connection refused", &"too many open connections");
    let body = r#"{"error": "Too many open connections. Please try again in a moment."}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_leave_room_for_other_files() {
        assert_eq!(connections_that_fit(1024, 10_000), 960);
        assert_eq!(connections_that_fit(1_048_576, 10_000), 10_000);
        assert_eq!(connections_that_fit(10, 10_000), 1);
    }
}
