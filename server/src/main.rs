//! Starts Carebase: reads the configuration, opens (or starts) the database, applies
//! migrations and serves until SIGINT or SIGTERM.

use server::commands::Command;
use server::config::{Config, Environment};
use server::embedded_pg::EmbeddedPostgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// mimalloc: faster than the system allocator under many small per-request allocations;
/// `server::memory` sets the options under which it gives freed memory back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    server::memory::settle();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(start()),
        Err(error) => {
            eprintln!("carebase: could not start the runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn start() -> ExitCode {
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    use clap::Parser;
    let cli = server::commands::Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let result = match cli.command {
        None | Some(Command::Serve) => run().await,
        Some(command) => administer(command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // A server that cannot start is a fault for the log; a command's refusal (a weak
            // password, a cancelled restore) is an answer to the person who typed it.
            if serving {
                tracing::error!("{error}");
            }
            eprintln!("carebase: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs an administrator's command against the configured database (starting the
/// embedded cluster for it if no server has, and stopping it again afterwards).
async fn administer(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let (embedded, connect, conninfo, bin_dir) = match &config.database_url {
        Some(url) => (
            None,
            PgConnectOptions::from_str(url).map_err(|e| format!("DATABASE_URL: {e}"))?,
            url.clone(),
            server::embedded_pg::find_bin_dir(config.pg_bin_dir.as_deref())?,
        ),
        None => {
            let pg =
                EmbeddedPostgres::start(&config.data_dir, config.pg_bin_dir.as_deref()).await?;
            let options = pg.connect_options();
            let conninfo = server::commands::conninfo(&options);
            let bin_dir = pg.bin_dir().to_owned();
            (Some(pg), options, conninfo, bin_dir)
        }
    };
    let result = async {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        // Accounts need the current schema; a backup or a restore takes the database as
        // it is (a backup before an upgrade must not upgrade it first).
        if matches!(
            command,
            Command::Createsuperuser { .. }
                | Command::Changepassword { .. }
                | Command::Audit { .. }
        ) {
            server::MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| format!("cannot apply migrations: {e}"))?;
        }
        let outcome = command_on(command, &pool, &bin_dir, &conninfo).await;
        pool.close().await;
        outcome
    }
    .await;
    if let Some(pg) = embedded {
        pg.stop().await;
    }
    result
}

async fn command_on(
    command: Command,
    pool: &sqlx::PgPool,
    bin_dir: &Path,
    conninfo: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use server::commands::{self, SUPERUSER_PASSWORD_VAR, explain};
    match command {
        Command::Serve => Ok(()),
        Command::Createsuperuser {
            no_input,
            email,
            name,
        } => {
            let (name, email, password, password2) = if no_input {
                let (Some(name), Some(email)) = (name, email) else {
                    return Err("--no-input needs --name and --email".into());
                };
                let password = std::env::var(SUPERUSER_PASSWORD_VAR).map_err(|_| {
                    format!("--no-input takes the password from {SUPERUSER_PASSWORD_VAR}, which is not set")
                })?;
                (name, email, password.clone(), password)
            } else {
                let name = match name {
                    Some(name) => name,
                    None => ask("Name: ")?,
                };
                let email = match email {
                    Some(email) => email,
                    None => ask("Email: ")?,
                };
                let password = rpassword::prompt_password("Password: ")?;
                let password2 = rpassword::prompt_password("Password (again): ")?;
                (name, email, password, password2)
            };
            let user = commands::create_superuser(pool, &name, &email, &password, &password2)
                .await
                .map_err(|e| explain(&e))?;
            println!(
                "Superuser created successfully: {} <{}> (id {}).",
                user.name, user.email, user.id
            );
            Ok(())
        }
        Command::Changepassword { email } => {
            println!("Changing password for user '{email}'");
            let password = rpassword::prompt_password("Password: ")?;
            let password2 = rpassword::prompt_password("Password (again): ")?;
            commands::change_password(pool, &email, &password, &password2)
                .await
                .map_err(|e| explain(&e))?;
            println!(
                "Password changed successfully for user '{email}'; their sessions were signed out."
            );
            Ok(())
        }
        Command::Audit {
            command: server::commands::AuditCommand::Prune { before },
        } => {
            let (count, before) = commands::prune_audit(pool, &before).await?;
            println!(
                "Removed {count} audit events older than {}; the removal is recorded in the audit trail.",
                before.to_rfc3339()
            );
            Ok(())
        }
        Command::Backup { file } => {
            commands::backup(bin_dir, conninfo, &file).await?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!("Backed up to {} ({size} bytes).", file.display());
            Ok(())
        }
        Command::Restore { file, no_input } => {
            if !no_input {
                let answer = ask(&format!(
                    "This replaces everything in the database with {}. Type 'yes' to go on: ",
                    file.display()
                ))?;
                if answer.trim() != "yes" {
                    return Err("restore cancelled".into());
                }
            }
            commands::restore(bin_dir, conninfo, &file).await?;
            // Servers running on this database read the deactivated accounts again.
            sqlx::query("select pg_notify($1, 'reload')")
                .bind(app::auth::revoked::CHANNEL)
                .execute(pool)
                .await?;
            println!("Restored from {}.", file.display());
            Ok(())
        }
    }
}

/// Asks a question on the terminal and returns the answer (without the newline).
fn ask(question: &str) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::Write;
    print!("{question}");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer)? == 0 {
        return Err("no answer (end of input); use --no-input in scripts".into());
    }
    Ok(answer.trim_end_matches(['\r', '\n']).to_owned())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let mut leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    if leptos_options.output_name.is_empty() {
        // Built without cargo-leptos (plain `cargo build`): use the site name it would set.
        leptos_options.output_name = "carebase".into();
    }
    // cargo-leptos gives the static files hashed names (`hash-files`) and says so when it
    // builds the server; the page then links to the names in the hash file.
    leptos_options.hash_files |= option_env!("LEPTOS_HASH_FILES") == Some("true");
    let addr = leptos_options.site_addr;

    let (embedded, connect) = match &config.database_url {
        Some(url) => (
            None,
            PgConnectOptions::from_str(url).map_err(|e| format!("DATABASE_URL: {e}"))?,
        ),
        None => {
            let pg =
                EmbeddedPostgres::start(&config.data_dir, config.pg_bin_dir.as_deref()).await?;
            let options = pg.connect_options();
            (Some(pg), options)
        }
    };

    let result = serve(&config, connect, leptos_options, addr).await;
    if let Some(pg) = embedded {
        pg.stop().await;
    }
    result
}

async fn serve(
    config: &Config,
    connect: PgConnectOptions,
    leptos_options: leptos::config::LeptosOptions,
    addr: std::net::SocketAddr,
) -> Result<(), Box<dyn std::error::Error>> {
    let pool = PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // No ping before every checkout: it is a round trip per request. A connection that
        // died is found by the query itself, which fails (503) and the pool drops it.
        .test_before_acquire(false)
        .connect_with(connect)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    server::MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| format!("cannot apply migrations: {e}"))?;

    let secret = jwt_secret(config)?;
    let state = server::state(pool.clone(), secret.as_bytes(), config, leptos_options);
    app::auth::password::warm_up();

    let open_files = server::serve::raise_open_file_limit();
    let limits = server::serve::Limits {
        max_connections: server::serve::connections_that_fit(
            open_files,
            config.max_open_connections,
        ),
        header_read_timeout: config.header_read_timeout,
        drain: config.shutdown_drain,
        grace: config.shutdown_grace,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (set LEPTOS_SITE_ADDR): {e}"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        max_connections = limits.max_connections,
        "Carebase is listening on http://{local}"
    );
    println!("Carebase is running at http://{local}/");

    // Deactivated accounts: known before the first request, and kept current.
    state
        .revoked
        .reload(&pool)
        .await
        .map_err(|e| format!("cannot read the deactivated accounts: {e}"))?;
    let follower = tokio::spawn(state.revoked.clone().follow(pool.clone()));
    // Ended throttle windows are deleted once a minute.
    let pruner = tokio::spawn({
        let pool = pool.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                if let Ok(n) = app::auth::throttle::prune(&pool).await
                    && n > 0
                {
                    tracing::debug!(deleted = n, "ended throttle windows deleted");
                }
            }
        }
    });
    let draining = state.draining.clone();
    let db = state.pool.clone();
    server::serve::run(
        listener,
        server::app(state),
        limits,
        draining,
        stop_signal(),
    )
    .await;
    // The background work ends before the pool closes under it (which it would report as
    // an outage).
    follower.abort();
    pruner.abort();
    // The queued read events are written before the pool closes.
    if tokio::time::timeout(Duration::from_secs(5), db.audit().close())
        .await
        .is_err()
    {
        tracing::warn!("audit events still being written after 5 s; exiting");
    }
    // A query stuck past the grace period must not keep the process alive.
    if tokio::time::timeout(Duration::from_secs(5), pool.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still busy after the grace period; exiting");
    }
    tracing::info!("Carebase stopped");
    Ok(())
}

/// The JWT signing secret: `JWT_SECRET`, or in development one generated once and kept
/// beside the embedded data so tokens outlive restarts.
fn jwt_secret(config: &Config) -> Result<String, Box<dyn std::error::Error>> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    debug_assert_eq!(config.environment, Environment::Development);
    let path = config.data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(existing.trim().to_owned());
    }
    let secret = format!("{}{}", uuid_hex(), uuid_hex());
    write_private(&config.data_dir, &path, &secret)?;
    tracing::info!(path = %path.display(), "generated a development JWT secret");
    Ok(secret)
}

fn uuid_hex() -> String {
    // v4 UUIDs come from the operating system's random source.
    sqlx::types::Uuid::new_v4().simple().to_string()
}

fn write_private(dir: &Path, path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

/// Resolves on SIGINT or SIGTERM; the server then drains (see `server::serve`).
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
