//! A private PostgreSQL cluster for when no `DATABASE_URL` is given.
//!
//! The cluster lives in the project's data directory, listens only on a Unix socket inside
//! it (no TCP port to collide with or expose), trusts only whoever can open that socket
//! (the directory is private), and is stopped when the server shuts down. PostgreSQL will
//! not run as root, so as root the cluster runs as the `postgres` user.

use sqlx::postgres::PgConnectOptions;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use tokio::process::Command;

const SUPERUSER: &str = "carebase";
const DATABASE: &str = "carebase";
const PORT: u16 = 5432;

#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    started_here: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("embedded PostgreSQL: {0}")]
pub struct PgError(String);

fn fail(message: impl Into<String>) -> PgError {
    PgError(message.into())
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use, starts it unless it is already running, and
    /// makes sure the application database exists.
    pub async fn start(root: &Path, bin_dir: Option<&Path>) -> Result<Self, PgError> {
        std::fs::create_dir_all(root).map_err(|e| {
            fail(format!(
                "cannot create data directory {}: {e}",
                root.display()
            ))
        })?;
        let root = root
            .canonicalize()
            .map_err(|e| fail(format!("cannot resolve {}: {e}", root.display())))?;
        let bin_dir = find_bin_dir(bin_dir)?;
        let run_as = if running_as_root() {
            Some(postgres_account()?)
        } else {
            None
        };
        let data_dir = root.join("pgdata");
        let socket_dir = root.join("run");
        let socket_path = socket_dir.join(format!(".s.PGSQL.{PORT}"));
        if socket_path.as_os_str().len() > 100 {
            return Err(fail(format!(
                "the socket path {} is too long for a Unix socket; set CAREBASE_DATA_DIR to a shorter path",
                socket_path.display()
            )));
        }
        std::fs::create_dir_all(&socket_dir)
            .map_err(|e| fail(format!("cannot create {}: {e}", socket_dir.display())))?;
        for dir in [&root, &socket_dir] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| fail(format!("cannot restrict {}: {e}", dir.display())))?;
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                    .map_err(|e| fail(format!("cannot hand {} to postgres: {e}", dir.display())))?;
            }
        }
        if run_as.is_some() {
            check_reachable_by_others(&root)?;
        }

        let mut pg = EmbeddedPostgres {
            bin_dir,
            data_dir,
            socket_dir,
            run_as,
            started_here: false,
        };
        if !pg.data_dir.join("PG_VERSION").exists() {
            pg.init(&root).await?;
        }
        if !pg.is_running().await {
            let log = root.join("postgres.log");
            let out = pg
                .run(
                    "pg_ctl",
                    &[
                        "start".as_ref(),
                        "-D".as_ref(),
                        pg.data_dir.as_os_str(),
                        "-l".as_ref(),
                        log.as_os_str(),
                        "-w".as_ref(),
                        "-t".as_ref(),
                        "60".as_ref(),
                        "-s".as_ref(),
                    ],
                )
                .await?;
            if !out.status.success() {
                let tail = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = tail.lines().rev().take(10).collect();
                return Err(fail(format!(
                    "pg_ctl start failed: {}{}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )));
            }
            pg.started_here = true;
            tracing::info!(data_dir = %pg.data_dir.display(), "embedded PostgreSQL started");
        } else {
            tracing::info!(data_dir = %pg.data_dir.display(), "embedded PostgreSQL already running");
        }
        pg.ensure_database().await?;
        Ok(pg)
    }

    /// Where the PostgreSQL programs are (pg_dump and pg_restore among them).
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// How to connect to the application database.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options_for(DATABASE)
    }

    fn options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// Stops the cluster if this process started it.
    pub async fn stop(&self) {
        if !self.started_here {
            return;
        }
        let args = [
            "stop".as_ref(),
            "-D".as_ref(),
            self.data_dir.as_os_str(),
            "-m".as_ref(),
            "fast".as_ref(),
            "-w".as_ref(),
            "-s".as_ref(),
        ];
        match self.run("pg_ctl", &args).await {
            Ok(out) if out.status.success() => tracing::info!("embedded PostgreSQL stopped"),
            Ok(out) => tracing::warn!(
                stderr = %String::from_utf8_lossy(&out.stderr),
                "embedded PostgreSQL did not stop cleanly"
            ),
            Err(error) => tracing::warn!(%error, "could not stop embedded PostgreSQL"),
        }
    }

    async fn init(&self, root: &Path) -> Result<(), PgError> {
        // Initialise beside the final place and move it in only when complete, so an
        // interrupted first start leaves nothing half-made behind.
        let staging = root.join("pgdata.init");
        let _ = std::fs::remove_dir_all(&staging);
        let args = [
            "-D".as_ref(),
            staging.as_os_str(),
            "-U".as_ref(),
            SUPERUSER.as_ref(),
            "--auth=trust".as_ref(),
            "--encoding=UTF8".as_ref(),
            "--locale=C".as_ref(),
            "--no-instructions".as_ref(),
        ];
        let out = self.run("initdb", &args).await?;
        if !out.status.success() {
            return Err(fail(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let settings = format!(
            "\n# Carebase: a private cluster reached only through its own socket.\n\
             listen_addresses = ''\n\
             port = {PORT}\n\
             unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\n",
            self.socket_dir.display().to_string().replace('\'', "''")
        );
        let conf = staging.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)
            .map_err(|e| fail(format!("cannot read {}: {e}", conf.display())))?;
        text.push_str(&settings);
        std::fs::write(&conf, text)
            .map_err(|e| fail(format!("cannot write {}: {e}", conf.display())))?;
        std::fs::rename(&staging, &self.data_dir)
            .map_err(|e| fail(format!("cannot move the new cluster into place: {e}")))?;
        tracing::info!(data_dir = %self.data_dir.display(), "embedded PostgreSQL initialised");
        Ok(())
    }

    async fn is_running(&self) -> bool {
        let args = ["status".as_ref(), "-D".as_ref(), self.data_dir.as_os_str()];
        matches!(self.run("pg_ctl", &args).await, Ok(out) if out.status.success())
    }

    async fn ensure_database(&self) -> Result<(), PgError> {
        use sqlx::ConnectOptions;
        let mut conn = self
            .options_for("postgres")
            .connect()
            .await
            .map_err(|e| fail(format!("cannot connect: {e}")))?;
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await
                .map_err(|e| fail(format!("cannot list databases: {e}")))?;
        if !exists {
            sqlx::query("create database carebase")
                .execute(&mut conn)
                .await
                .map_err(|e| fail(format!("cannot create the database: {e}")))?;
        }
        Ok(())
    }

    async fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<Output, PgError> {
        let mut command = Command::new(self.bin_dir.join(program));
        command.args(args).env("LC_ALL", "C").kill_on_drop(true);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
            .output()
            .await
            .map_err(|e| fail(format!("cannot run {program}: {e}")))
    }
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The uid and gid of the `postgres` account, from /etc/passwd.
fn postgres_account() -> Result<(u32, u32), PgError> {
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|e| fail(format!("cannot read /etc/passwd: {e}")))?;
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"postgres"))
        .and_then(|fields| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
        .ok_or_else(|| {
            fail("running as root needs a `postgres` user to run the cluster (install PostgreSQL's server package)")
        })
}

/// The `postgres` user must be able to walk down to the data directory.
fn check_reachable_by_others(root: &Path) -> Result<(), PgError> {
    for ancestor in root.ancestors().skip(1) {
        let mode = std::fs::metadata(ancestor)
            .map(|m| m.permissions().mode())
            .unwrap_or(0);
        if mode & 0o001 == 0 {
            return Err(fail(format!(
                "the postgres user cannot reach {} because {} is private; set CAREBASE_DATA_DIR \
                 to a directory outside it, or set DATABASE_URL",
                root.display(),
                ancestor.display()
            )));
        }
    }
    Ok(())
}

/// Where `initdb` and `pg_ctl` are: `PG_BIN_DIR`, else the newest
/// `/usr/lib/postgresql/*/bin`, else the `PATH`.
pub fn find_bin_dir(configured: Option<&Path>) -> Result<PathBuf, PgError> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = configured {
        return if has_tools(dir) {
            Ok(dir.to_owned())
        } else {
            Err(fail(format!(
                "PG_BIN_DIR={} has no initdb and pg_ctl",
                dir.display()
            )))
        };
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versioned.sort();
    if let Some((_, dir)) = versioned.pop() {
        return Ok(dir);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| has_tools(dir))
        .ok_or_else(|| {
            fail("PostgreSQL's initdb and pg_ctl were not found; install PostgreSQL, set PG_BIN_DIR, or set DATABASE_URL")
        })
}
