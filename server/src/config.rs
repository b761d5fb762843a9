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
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("300"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("5h"), Some(Duration::from_secs(18_000)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("5 h"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("-1"), None);
    }
}
