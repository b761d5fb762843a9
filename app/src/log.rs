//! Logging a fault that repeats. During an outage every request fails the same way; one
//! line per failure buries everything else (and the disk). So each kind of fault is logged
//! the first time, then at most once per [`INTERVAL`], saying how many like it were left out.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// At most one line per kind of fault in this time.
pub const INTERVAL: Duration = Duration::from_secs(10);

struct Window {
    started: Instant,
    left_out: u64,
}

static SEEN: LazyLock<Mutex<HashMap<&'static str, Window>>> = LazyLock::new(Default::default);

/// Whether to log this occurrence of `kind` now, and if so how many were left out before it.
fn due(kind: &'static str, now: Instant) -> Option<u64> {
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match seen.get_mut(kind) {
        Some(window) if now.duration_since(window.started) < INTERVAL => {
            window.left_out += 1;
            None
        }
        Some(window) => {
            let left_out = window.left_out;
            *window = Window {
                started: now,
                left_out: 0,
            };
            Some(left_out)
        }
        None => {
            seen.insert(
                kind,
                Window {
                    started: now,
                    left_out: 0,
                },
            );
            Some(0)
        }
    }
}

/// Logs an error of `kind` (a fixed phrase: "database unavailable"), at most once per
/// interval.
pub fn error(kind: &'static str, detail: &dyn Display) {
    if let Some(left_out) = due(kind, Instant::now()) {
        if left_out == 0 {
            tracing::error!(error = %detail, "{kind}");
        } else {
            tracing::error!(error = %detail, repeated = left_out, "{kind} (and {left_out} more like it since the last report)");
        }
    }
}

/// Logs a warning of `kind`, at most once per interval.
pub fn warn(kind: &'static str, detail: &dyn Display) {
    if let Some(left_out) = due(kind, Instant::now()) {
        if left_out == 0 {
            tracing::warn!(detail = %detail, "{kind}");
        } else {
            tracing::warn!(detail = %detail, repeated = left_out, "{kind} (and {left_out} more like it since the last report)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_fault_is_reported_once_per_interval_with_its_count() {
        let start = Instant::now();
        assert_eq!(due("test fault", start), Some(0));
        for _ in 0..5 {
            assert_eq!(due("test fault", start + Duration::from_secs(1)), None);
        }
        // Another kind is counted on its own.
        assert_eq!(due("other test fault", start), Some(0));
        assert_eq!(due("test fault", start + INTERVAL), Some(5));
        assert_eq!(due("test fault", start + INTERVAL), None);
    }
}
