//! Configuration from the environment (and `.env`), read once and checked at start-up.
//! A bad value stops the server with a message that names the variable.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Everything the server needs to start. See `.env.example` for each variable.
#[derive(Clone)]
pub struct Config {
    pub environment: Environment,
    /// `None`: run the embedded PostgreSQL cluster in `data_dir`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub pg_bin_dir: Option<PathBuf>,
    /// `None` in development: generated once and kept in `data_dir`.
    pub jwt_secret: Option<String>,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    /// The pool's size, for writes and transactions.
    pub max_connections: u32,
    /// Connections kept open for single-statement reads (see `app::db`).
    pub read_connections: u32,
    pub secure_cookies: bool,
    /// Connections served at once (`MAX_OPEN_CONNECTIONS`); see `serve`.
    pub max_open_connections: usize,
    /// How long a connection may take to send a request head, or sit idle between requests.
    pub header_read_timeout: Duration,
    /// After SIGTERM: how long to keep serving with readiness at 503, then how long requests
    /// in flight get to finish.
    pub shutdown_drain: Duration,
    pub shutdown_grace: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`: addresses or
    /// networks, comma-separated). Empty: the socket's peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The host names this site answers to (`ALLOWED_HOSTS`, as Django's setting: a name,
    /// `.example.com` for it and its subdomains, `*` for any). `None`: any (development
    /// only; production requires it).
    pub allowed_hosts: Option<Vec<String>>,
    /// Origins whose pages may call the API from the browser (`CORS_ALLOWED_ORIGINS`), with
    /// credentials. Empty: same-origin only.
    pub cors_allowed_origins: Vec<String>,
    /// The throttles' limits (see `app::auth::throttle`).
    pub throttles: app::auth::throttle::Throttles,
    /// Passwords hashed at once (`PASSWORD_HASH_THREADS`; default one per two cores).
    pub password_hash_threads: Option<usize>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("data_dir", &self.data_dir)
            .field("pg_bin_dir", &self.pg_bin_dir)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("access_token_lifetime", &self.access_token_lifetime)
            .field("refresh_token_lifetime", &self.refresh_token_lifetime)
            .field("max_connections", &self.max_connections)
            .field("read_connections", &self.read_connections)
            .field("secure_cookies", &self.secure_cookies)
            .field("max_open_connections", &self.max_open_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("shutdown_drain", &self.shutdown_drain)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("throttles", &self.throttles)
            .field("password_hash_threads", &self.password_hash_threads)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn invalid(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// A variable's value; unset and empty are the same.
fn var(name: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(invalid(name, "is not valid UTF-8")),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = match var("CAREBASE_ENV")?.as_deref().map(str::trim) {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "CAREBASE_ENV",
                    format!("must be \"development\" or \"production\", not {other:?}"),
                ));
            }
        };
        let jwt_secret = var("JWT_SECRET")?;
        match (&jwt_secret, environment) {
            (None, Environment::Production) => {
                return Err(invalid("JWT_SECRET", "must be set in production"));
            }
            (Some(s), _) if s.len() < 32 => {
                return Err(invalid("JWT_SECRET", "must be at least 32 characters long"));
            }
            _ => {}
        }
        let database_url = var("DATABASE_URL")?;
        if let Some(url) = &database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                "must be a postgres:// or postgresql:// URL",
            ));
        }
        let access_token_lifetime =
            duration("ACCESS_TOKEN_LIFETIME", Duration::from_secs(5 * 3600))?;
        let refresh_token_lifetime =
            duration("REFRESH_TOKEN_LIFETIME", Duration::from_secs(24 * 3600))?;
        let max_connections = count("DATABASE_MAX_CONNECTIONS", 16)?;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let read_connections = count("DATABASE_READ_CONNECTIONS", (2 * cpus).min(1000) as u32)?;
        let allowed_hosts = list("ALLOWED_HOSTS")?.map(|hosts| {
            hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect::<Vec<_>>()
        });
        if allowed_hosts.is_none() && environment == Environment::Production {
            return Err(invalid(
                "ALLOWED_HOSTS",
                "must be set in production (the site's host names, comma-separated)",
            ));
        }
        let cors_allowed_origins = list("CORS_ALLOWED_ORIGINS")?.unwrap_or_default();
        for origin in &cors_allowed_origins {
            let scheme_ok = origin.starts_with("https://") || origin.starts_with("http://");
            if !scheme_ok || origin.ends_with('/') || origin.matches('/').count() != 2 {
                return Err(invalid(
                    "CORS_ALLOWED_ORIGINS",
                    format!("{origin:?} is not an origin such as https://app.example.com"),
                ));
            }
        }
        let secure_cookies = match var("SECURE_COOKIES")? {
            None => environment == Environment::Production,
            Some(v) => app::input::parse_bool(&v)
                .ok_or_else(|| invalid("SECURE_COOKIES", "must be true or false"))?,
        };
        Ok(Config {
            environment,
            database_url,
            data_dir: var("CAREBASE_DATA_DIR")?
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".carebase")),
            pg_bin_dir: var("PG_BIN_DIR")?.map(PathBuf::from),
            jwt_secret,
            access_token_lifetime,
            refresh_token_lifetime,
            max_connections,
            read_connections,
            secure_cookies,
            max_open_connections: match var("MAX_OPEN_CONNECTIONS")? {
                None => 10_000,
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            "MAX_OPEN_CONNECTIONS",
                            "must be a whole number from 1 to 1000000",
                        )
                    })?,
            },
            header_read_timeout: duration("HEADER_READ_TIMEOUT", Duration::from_secs(10))?,
            shutdown_drain: duration_or_zero("SHUTDOWN_DRAIN", Duration::from_secs(5))?,
            shutdown_grace: duration("SHUTDOWN_GRACE", Duration::from_secs(20))?,
            trusted_proxies: networks("TRUSTED_PROXIES")?,
            allowed_hosts,
            cors_allowed_origins,
            throttles: throttles()?,
            password_hash_threads: match var("PASSWORD_HASH_THREADS")? {
                None => None,
                Some(v) => Some(
                    v.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=64).contains(n))
                        .ok_or_else(|| {
                            invalid(
                                "PASSWORD_HASH_THREADS",
                                "must be a whole number from 1 to 64",
                            )
                        })?,
                ),
            },
        })
    }
}

/// A number of connections: 1 to 1000.
fn count(name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match var(name)? {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| invalid(name, "must be a whole number from 1 to 1000")),
    }
}

/// A lifetime such as `300`, `90s`, `30m`, `5h` or `1d` (a bare number is seconds).
fn duration(name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
    let Some(raw) = var(name)? else {
        return Ok(default);
    };
    parse_duration(raw.trim())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            invalid(
                name,
                format!("{raw:?} is not a duration such as 300, 30m, 5h or 1d"),
            )
        })
}

/// The throttles, with any per-address limit set as a rate (`50/15m`, `20/hour`).
fn throttles() -> Result<app::auth::throttle::Throttles, ConfigError> {
    let mut throttles = app::auth::throttle::Throttles::default();
    for (name, limit) in [
        ("THROTTLE_LOGIN_ADDRESS", &mut throttles.login_per_address),
        ("THROTTLE_SIGNUP", &mut throttles.signup_per_address),
        ("THROTTLE_REFRESH", &mut throttles.refresh_per_address),
    ] {
        if let Some(raw) = var(name)? {
            let (max, window) = parse_rate(raw.trim()).ok_or_else(|| {
                invalid(
                    name,
                    format!("{raw:?} is not a rate such as 20/hour or 50/15m"),
                )
            })?;
            limit.max = max;
            limit.window = window;
        }
    }
    Ok(throttles)
}

/// `20/hour`, `50/15m`, `120/min`, `5/1d`: attempts per window.
fn parse_rate(text: &str) -> Option<(i32, Duration)> {
    let (max, window) = text.split_once('/')?;
    let max = max.trim().parse::<i32>().ok().filter(|n| *n >= 1)?;
    let window = match window.trim() {
        "second" | "sec" => Duration::from_secs(1),
        "minute" | "min" => Duration::from_secs(60),
        "hour" => Duration::from_secs(3600),
        "day" => Duration::from_secs(86_400),
        other => parse_duration(other).filter(|d| !d.is_zero())?,
    };
    Some((max, window))
}

/// A comma-separated list of words; `None` when unset.
fn list(name: &'static str) -> Result<Option<Vec<String>>, ConfigError> {
    Ok(var(name)?.map(|raw| {
        raw.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }))
}

/// A comma-separated list of addresses (`10.0.0.1`) and networks (`10.0.0.0/8`).
fn networks(name: &'static str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = var(name)? else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        name,
                        format!("{item:?} is not an address or a network such as 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

/// A duration as for [`duration`], where 0 is allowed (no wait at all).
fn duration_or_zero(name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
    match var(name)?.as_deref().map(str::trim) {
        Some("0") => Ok(Duration::ZERO),
        _ => duration(name, default),
    }
}

fn parse_duration(text: &str) -> Option<Duration> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let factor = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(factor).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn rates_read_as_drf_writes_them() {
        use super::parse_rate;
        assert_eq!(parse_rate("20/hour"), Some((20, Duration::from_secs(3600))));
        assert_eq!(parse_rate("50/15m"), Some((50, Duration::from_secs(900))));
        assert_eq!(parse_rate("120/min"), Some((120, Duration::from_secs(60))));
        assert_eq!(parse_rate("0/hour"), None);
        assert_eq!(parse_rate("20"), None);
        assert_eq!(parse_rate("20/fortnight"), None);
    }

    #[test]
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("300"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("5h"), Some(Duration::from_secs(18_000)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("5 h"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("-1"), None);
    }
}
