//! Throttling of the doors an attacker knocks on, after OWASP's authentication and
//! credential-stuffing guidance:
//!
//! - sign-in attempts per account *and* client address ([`LOGIN_PER_ACCOUNT`]): password
//!   guessing against one account is slowed, but someone elsewhere who knows an email
//!   cannot lock its owner out;
//! - sign-in attempts per client address across accounts ([`LOGIN_PER_ADDRESS`]): one
//!   address trying many accounts (credential stuffing) is slowed;
//! - sign-ups and token renewals per client address ([`SIGNUP_PER_ADDRESS`],
//!   [`REFRESH_PER_ADDRESS`]).
//!
//! An attempt is counted before its password is checked, in the same statement as the test,
//! so parallel guesses cannot slip past a limit while being verified; a successful sign-in
//! gives its attempt back. Over a limit: 429 with `Retry-After` (the end of the window that
//! began with the first attempt). The counts live in PostgreSQL (`auth_throttle`), so every
//! instance on the database counts together; [`prune`] deletes ended windows.

use crate::error::AppError;
use sqlx::PgPool;
use std::net::IpAddr;
use std::time::Duration;

/// One limit: at most `max` attempts per key within `window`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The key's prefix, naming the limit.
    pub name: &'static str,
    pub max: i32,
    pub window: Duration,
}

pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    name: "login:account",
    max: 10,
    window: Duration::from_secs(15 * 60),
};
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    name: "login:address",
    max: 50,
    window: Duration::from_secs(15 * 60),
};
pub const SIGNUP_PER_ADDRESS: Limit = Limit {
    name: "signup:address",
    max: 20,
    window: Duration::from_secs(60 * 60),
};
pub const REFRESH_PER_ADDRESS: Limit = Limit {
    name: "refresh:address",
    max: 120,
    window: Duration::from_secs(60),
};

/// The limits in force. The defaults are the constants above; the per-address ones can be
/// set (`THROTTLE_LOGIN_ADDRESS`, `THROTTLE_SIGNUP`, `THROTTLE_REFRESH`), for a practice
/// whose staff all sign in from one address, or a test suite that signs up hundreds of users.
#[derive(Debug, Clone, PartialEq)]
pub struct Throttles {
    pub login_per_account: Limit,
    pub login_per_address: Limit,
    pub signup_per_address: Limit,
    pub refresh_per_address: Limit,
}

impl Default for Throttles {
    fn default() -> Throttles {
        Throttles {
            login_per_account: LOGIN_PER_ACCOUNT,
            login_per_address: LOGIN_PER_ADDRESS,
            signup_per_address: SIGNUP_PER_ADDRESS,
            refresh_per_address: REFRESH_PER_ADDRESS,
        }
    }
}

/// What stands at the doors of the accounts: the throttles, and the gate password hashing
/// passes through.
#[derive(Debug, Default)]
pub struct Guard {
    pub throttles: Throttles,
    pub hashing: crate::auth::password::Gate,
}

/// The key of `limit` for a client address (`None`: the address is not known, as in a
/// request that did not come over a socket; those share one key). An IPv6 client counts
/// by its /64, the block one subscriber gets: one machine has as many addresses as it likes
/// inside it.
pub fn key(limit: &Limit, client: Option<IpAddr>, account: Option<&str>) -> String {
    let address = match client.map(|a| a.to_canonical()) {
        None => "unknown".to_owned(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let block = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{block}/64")
        }
    };
    match account {
        Some(email) => format!("{}:{address}:{}", limit.name, email.trim().to_lowercase()),
        None => format!("{}:{address}", limit.name),
    }
}

/// Counts one attempt under each `(limit, key)` at once. Errors: 429 when any limit is used
/// up, with the longest wait among them.
pub async fn attempt(pool: &PgPool, checks: &[(&Limit, String)]) -> Result<(), AppError> {
    let keys: Vec<String> = checks.iter().map(|(_, key)| key.clone()).collect();
    let windows: Vec<f64> = checks.iter().map(|(l, _)| l.window.as_secs_f64()).collect();
    let counted = sqlx::query!(
        r#"insert into auth_throttle as t (key, attempts, window_ends)
           select k.key, 1, now() + make_interval(secs => k.secs)
           from unnest($1::text[], $2::float8[]) as k(key, secs)
           on conflict (key) do update set
               attempts = case when t.window_ends <= now() then 1 else t.attempts + 1 end,
               window_ends = case when t.window_ends <= now() then excluded.window_ends
                                  else t.window_ends end
           returning key, attempts,
                     greatest(1, ceil(extract(epoch from window_ends - now())))::int8 as "wait!""#,
        &keys,
        &windows
    )
    .fetch_all(pool)
    .await?;
    let wait = counted
        .iter()
        .filter(|row| {
            checks
                .iter()
                .any(|(limit, key)| *key == row.key && row.attempts > limit.max)
        })
        .map(|row| row.wait)
        .max();
    match wait {
        Some(wait) => {
            tracing::info!(keys = ?keys, "throttled");
            Err(AppError::Throttled {
                retry_after: u64::try_from(wait).unwrap_or(1),
            })
        }
        None => Ok(()),
    }
}

/// After a sign-in succeeded: forgets the attempts under `cleared` (the account at this
/// address) and gives back this one attempt under `given_back` (the address). One row per
/// statement, in the order [`attempt`] takes them, so two sign-ins cannot deadlock.
pub async fn succeeded(pool: &PgPool, cleared: &str, given_back: &str) -> Result<(), AppError> {
    sqlx::query!("delete from auth_throttle where key = $1", cleared)
        .execute(pool)
        .await?;
    give_back(pool, &[given_back]).await
}

/// Gives back one attempt under each key, in order (an attempt that was never judged:
/// the password could not be checked because the server was busy).
pub async fn give_back(pool: &PgPool, keys: &[&str]) -> Result<(), AppError> {
    for key in keys {
        sqlx::query!(
            "update auth_throttle set attempts = greatest(attempts - 1, 0) where key = $1",
            key
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Deletes the counts whose window has ended. Returns how many went.
pub async fn prune(pool: &PgPool) -> Result<u64, AppError> {
    Ok(
        sqlx::query!("delete from auth_throttle where window_ends <= now()")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_limit_the_address_and_the_account_without_case() {
        let client = Some("203.0.113.7".parse().unwrap());
        assert_eq!(
            key(&LOGIN_PER_ACCOUNT, client, Some(" Ann@Example.com")),
            "login:account:203.0.113.7:ann@example.com"
        );
        assert_eq!(
            key(&LOGIN_PER_ADDRESS, client, None),
            "login:address:203.0.113.7"
        );
        assert_eq!(
            key(&SIGNUP_PER_ADDRESS, None, None),
            "signup:address:unknown"
        );
        // IPv6: the /64; an IPv4-mapped address is the IPv4 address.
        let v6 = Some("2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().unwrap());
        assert_eq!(
            key(&SIGNUP_PER_ADDRESS, v6, None),
            "signup:address:2001:db8:1:2::/64"
        );
        let mapped = Some("::ffff:203.0.113.7".parse().unwrap());
        assert_eq!(
            key(&SIGNUP_PER_ADDRESS, mapped, None),
            "signup:address:203.0.113.7"
        );
    }
}
