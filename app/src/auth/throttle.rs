//! Slows password guessing: after [`MAX_FAILURES`] failed sign-ins for one email within
//! [`WINDOW`], further attempts for that email are refused with 429 and `Retry-After`
//! until the window that began with the first failure has passed. A successful sign-in
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
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    since: Instant,
    count: u32,
}

impl LoginThrottle {
    /// 429 when `email` has used up its attempts for the current window.
    pub fn check(&self, email: &str) -> Result<(), AppError> {
        self.check_at(email, Instant::now())
    }

    /// Counts a failed sign-in for `email`.
    pub fn failed(&self, email: &str) {
        self.failed_at(email, Instant::now());
    }

    /// Forgets the failures of `email` after it signed in.
    pub fn succeeded(&self, email: &str) {
        self.lock().remove(&key(email));
    }

    fn check_at(&self, email: &str, now: Instant) -> Result<(), AppError> {
        let failures = self.lock().get(&key(email)).copied();
        match failures {
            Some(f) if f.count >= MAX_FAILURES && now < f.since + WINDOW => {
                let wait = (f.since + WINDOW).saturating_duration_since(now);
                Err(AppError::Throttled {
                    retry_after: wait.as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    fn failed_at(&self, email: &str, now: Instant) {
        let mut map = self.lock();
        if map.len() >= MAX_TRACKED {
            map.retain(|_, f| now < f.since + WINDOW);
        }
        let key = key(email);
        if map.len() >= MAX_TRACKED && !map.contains_key(&key) {
            return;
        }
        let entry = map.entry(key).or_insert(Failures {
            since: now,
            count: 0,
        });
        if now >= entry.since + WINDOW {
            *entry = Failures {
                since: now,
                count: 0,
            };
        }
        entry.count += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
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
        for _ in 0..MAX_FAILURES {
            assert!(throttle.check_at("Ann@Example.com", start).is_ok());
            throttle.failed_at("ann@example.com ", start);
        }
        let refused = throttle.check_at("ANN@example.com", start + Duration::from_secs(60));
        assert_eq!(
            refused,
            Err(AppError::Throttled {
                retry_after: WINDOW.as_secs() - 60
            })
        );
        assert!(throttle.check_at("bob@example.com", start).is_ok());
        assert!(throttle.check_at("ann@example.com", start + WINDOW).is_ok());
        throttle.failed_at("ann@example.com", start + WINDOW);
        assert!(throttle.check_at("ann@example.com", start + WINDOW).is_ok());
    }

    #[test]
    fn a_success_clears_the_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            throttle.failed_at("ann@example.com", now);
        }
        throttle.succeeded("ann@example.com");
        assert!(throttle.check_at("ann@example.com", now).is_ok());
    }
}
