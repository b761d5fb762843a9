//! The administrator's commands (`server --help`): create an administrator, set a
//! password, back up and restore the database, prune the audit trail. Each works against `DATABASE_URL` or the
//! embedded cluster, whether or not a server is running on it.

use app::error::AppError;
use app::input::Input;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Carebase: patient records for a practice. Without a command, serves the web app and the
/// REST API.
#[derive(Debug, Parser)]
#[command(name = "server", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the REST API (what runs without a command).
    Serve,
    /// Create an administrator: asks for the name, the email and the password twice.
    Createsuperuser {
        /// Ask nothing: take --name and --email, and the password from
        /// CAREBASE_SUPERUSER_PASSWORD (for scripts).
        #[arg(long)]
        no_input: bool,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a new password for a user (asks for it twice); their sessions must sign in again.
    Changepassword {
        /// The user's email.
        email: String,
    },
    /// Back up the database to FILE (pg_dump's custom format).
    Backup { file: PathBuf },
    /// Restore the database from FILE, made by `backup`. Replaces what the database holds.
    Restore {
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        no_input: bool,
    },
    /// The audit trail (who read or changed which patient's record).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Remove the events older than DATE (the retention period is the practice's to set);
    /// the removal is itself recorded, and that record is never removed.
    Prune {
        /// A date (YYYY-MM-DD, midnight UTC) or a time (RFC 3339).
        #[arg(long)]
        before: String,
    },
}

/// Removes the audit events before `before` (a date or an RFC 3339 time); returns how
/// many went and the moment they were older than.
pub async fn prune_audit(
    pool: &sqlx::PgPool,
    before: &str,
) -> Result<(i64, chrono::DateTime<chrono::Utc>), String> {
    let before = app::audit::service::parse_moment(before).ok_or_else(|| {
        format!("--before {before:?}: give a date (YYYY-MM-DD) or a time (RFC 3339)")
    })?;
    if before > chrono::Utc::now() {
        return Err("--before is in the future: that would remove today's events".into());
    }
    let count = app::audit::service::prune(pool, before)
        .await
        .map_err(|e| explain(&e))?;
    Ok((count, before))
}

/// The password `createsuperuser --no-input` takes (as Django's DJANGO_SUPERUSER_PASSWORD).
pub const SUPERUSER_PASSWORD_VAR: &str = "CAREBASE_SUPERUSER_PASSWORD";

/// A new administrator from what was typed or passed.
pub async fn create_superuser(
    pool: &sqlx::PgPool,
    name: &str,
    email: &str,
    password: &str,
    password2: &str,
) -> Result<app::accounts::UserSummary, AppError> {
    let input = Input::from_pairs([
        ("name", name.to_owned()),
        ("email", email.to_owned()),
        ("password", password.to_owned()),
        ("password2", password2.to_owned()),
    ]);
    let gate = app::auth::password::Gate::default();
    app::accounts::service::create_administrator(pool, &gate, input).await
}

/// Sets the password of the user with `email`.
pub async fn change_password(
    pool: &sqlx::PgPool,
    email: &str,
    password: &str,
    password2: &str,
) -> Result<(), AppError> {
    let input = Input::from_pairs([
        ("password", password.to_owned()),
        ("password2", password2.to_owned()),
    ]);
    let gate = app::auth::password::Gate::default();
    app::accounts::service::set_password(pool, &gate, email, input).await
}

/// An error as lines for the terminal: the sentence, then each field's messages.
pub fn explain(error: &AppError) -> String {
    let mut lines = vec![error.to_string()];
    if let Some(details) = error.details() {
        for (field, messages) in details {
            for message in messages {
                lines.push(format!("  {field}: {message}"));
            }
        }
    }
    lines.join("\n")
}

/// Writes a backup of the database `conninfo` names (a URL or libpq key=value words) to
/// `file`, with `bin_dir`'s pg_dump, in its custom format (compressed; `restore` reads it).
pub async fn backup(bin_dir: &Path, conninfo: &str, file: &Path) -> Result<(), String> {
    let (conninfo, password) = without_password(conninfo);
    run(
        bin_dir,
        password,
        "pg_dump",
        &[
            "--format=custom".as_ref(),
            "--no-owner".as_ref(),
            "--no-privileges".as_ref(),
            format!("--dbname={conninfo}").as_ref(),
            "--file".as_ref(),
            file.as_os_str(),
        ],
    )
    .await
}

/// Restores a backup made by [`backup`] into the database `conninfo` names, replacing the
/// objects it holds, in one transaction: on any error nothing changes.
pub async fn restore(bin_dir: &Path, conninfo: &str, file: &Path) -> Result<(), String> {
    if !file.is_file() {
        return Err(format!("{} is not a file", file.display()));
    }
    let (conninfo, password) = without_password(conninfo);
    run(
        bin_dir,
        password,
        "pg_restore",
        &[
            "--clean".as_ref(),
            "--if-exists".as_ref(),
            "--no-owner".as_ref(),
            "--no-privileges".as_ref(),
            "--single-transaction".as_ref(),
            "--exit-on-error".as_ref(),
            format!("--dbname={conninfo}").as_ref(),
            file.as_os_str(),
        ],
    )
    .await
}

async fn run(
    bin_dir: &Path,
    password: Option<String>,
    tool: &str,
    args: &[&std::ffi::OsStr],
) -> Result<(), String> {
    let program = bin_dir.join(tool);
    let mut command = tokio::process::Command::new(&program);
    // The password goes in the child's environment, not its arguments (which `ps` shows).
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command
        .args(args)
        .output()
        .await
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// libpq connection words for sqlx options (a socket directory or a host, the port, the
/// user, the database; a password is not carried: use `DATABASE_URL` itself for that).
pub fn conninfo(options: &sqlx::postgres::PgConnectOptions) -> String {
    let host = options
        .get_socket()
        .map(|dir| dir.display().to_string())
        .unwrap_or_else(|| options.get_host().to_owned());
    let mut words = vec![
        format!("host={}", quote(&host)),
        format!("port={}", options.get_port()),
        format!("user={}", quote(options.get_username())),
    ];
    if let Some(database) = options.get_database() {
        words.push(format!("dbname={}", quote(database)));
    }
    words.join(" ")
}

/// A libpq connection-string value: single-quoted, with `\` and `'` escaped.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A `postgres://user:password@host/db` URL without its password, and the password
/// (percent-decoded); libpq key=value words are returned as they are.
fn without_password(conninfo: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = conninfo.split_once("://") else {
        return (conninfo.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (conninfo.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (conninfo.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            without_password("postgres://app:s%40cret@db.example:5432/carebase?sslmode=require"),
            (
                "postgres://app@db.example:5432/carebase?sslmode=require".to_owned(),
                Some("s@cret".to_owned())
            )
        );
        assert_eq!(
            without_password("postgres://app@localhost/carebase?host=/run/pg"),
            (
                "postgres://app@localhost/carebase?host=/run/pg".to_owned(),
                None
            )
        );
        assert_eq!(
            without_password("host='/tmp/x' dbname='carebase'"),
            ("host='/tmp/x' dbname='carebase'".to_owned(), None)
        );
    }

    #[test]
    fn conninfo_values_are_quoted_for_libpq() {
        assert_eq!(quote(r"a'b\c"), r"'a\'b\\c'");
    }
}
