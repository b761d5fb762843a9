//! Slows password guessing: after [`MAX_FAILURES`] failed sign-ins for one email within
//! [`WINDOW`], further attempts for that email are refused with 429 and `Retry-After`
//! until the window that began with the first attempt has passed. A successful sign-in
//! clears the count.
//!
//! Keyed by email, not by client address, so that guesses spread over many addresses
//! still count; the price is that someone who knows an email can hold its owner off for
//! the rest of a window. The counts live in this process (see the README's notes on
//! running several instances).

use crate::error::AppError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// At most this many emails are tracked; beyond it, expired entries are dropped and, if
/// that is not enough, new emails go untracked rather than growing memory without bound.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Attempts>>,
}

/// Attempts since the first one of the current window; a success removes the entry, so
/// what is counted is failures (and attempts still being verified).
#[derive(Debug, Clone, Copy)]
struct Attempts {
    since: Instant,
    count: u32,
}

impl LoginThrottle {
    /// Takes one sign-in attempt for `email`: 429 when the current window has none left.
    /// An attempt is counted before the password is checked, in the same step as the
    /// test, so parallel guesses cannot slip past the limit while they are being verified;
    /// a successful sign-in then clears the count.
    pub fn attempt(&self, email: &str) -> Result<(), AppError> {
        self.attempt_at(email, Instant::now())
    }

    /// Forgets the attempts of `email` after it signed in.
    pub fn succeeded(&self, email: &str) {
        self.lock().remove(&key(email));
    }

    fn attempt_at(&self, email: &str, now: Instant) -> Result<(), AppError> {
        let mut map = self.lock();
        if map.len() >= MAX_TRACKED {
            map.retain(|_, a| now < a.since + WINDOW);
        }
        let key = key(email);
        if map.len() >= MAX_TRACKED && !map.contains_key(&key) {
            return Ok(());
        }
        let entry = map.entry(key).or_insert(Attempts {
            since: now,
            count: 0,
        });
        if now >= entry.since + WINDOW {
            *entry = Attempts {
                since: now,
                count: 0,
            };
        }
        if entry.count >= MAX_FAILURES {
            let wait = (entry.since + WINDOW).saturating_duration_since(now);
            return Err(AppError::Throttled {
                retry_after: wait.as_secs().max(1),
            });
        }
        entry.count += 1;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Attempts>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_until_the_window_ends() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..MAX_FAILURES {
            let email = if i % 2 == 0 {
                "Ann@Example.com"
            } else {
                " ann@example.com "
            };
            assert!(throttle.attempt_at(email, start).is_ok());
        }
        let refused = throttle.attempt_at("ANN@example.com", start + Duration::from_secs(60));
        assert_eq!(
            refused,
            Err(AppError::Throttled {
                retry_after: WINDOW.as_secs() - 60
            })
        );
        assert!(throttle.attempt_at("bob@example.com", start).is_ok());
        assert!(
            throttle
                .attempt_at("ann@example.com", start + WINDOW)
                .is_ok()
        );
        assert!(
            throttle
                .attempt_at("ann@example.com", start + WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn a_success_clears_the_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(throttle.attempt_at("ann@example.com", now).is_ok());
        }
        throttle.succeeded("ann@example.com");
        assert!(throttle.attempt_at("ann@example.com", now).is_ok());
    }
}
