//! The administrator's commands: `createsuperuser`, `changepassword`, `backup`, `restore`,
//! `audit prune`, through the real binary where the command line itself matters.

use crate::common::{PASSWORD, TestApp, assert_error};
use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use std::process::Command;

/// A `DATABASE_URL` for the test's own database.
fn database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    let database = options.get_database().unwrap_or("postgres");
    match options.get_socket() {
        Some(dir) => format!(
            "postgres://{}@localhost:{}/{database}?host={}",
            options.get_username(),
            options.get_port(),
            dir.display()
        ),
        None => format!(
            "postgres://{}@{}:{}/{database}",
            options.get_username(),
            options.get_host(),
            options.get_port()
        ),
    }
}

/// Runs the server binary with `args` against the test's database.
fn server(pool: &PgPool, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(args)
        .env("DATABASE_URL", database_url(pool))
        .env("RUST_LOG", "error")
        .env_remove("CAREBASE_SUPERUSER_PASSWORD")
        .current_dir(std::env::temp_dir());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the server binary runs")
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn help_lists_every_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = text(&output);
    for command in [
        "serve",
        "createsuperuser",
        "changepassword",
        "backup",
        "restore",
        "audit",
    ] {
        let listed = help
            .lines()
            .any(|line| line.split_whitespace().next() == Some(command));
        assert!(listed, "{command} missing from:\n{help}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn createsuperuser_without_input_makes_an_administrator_who_can_sign_in(pool: PgPool) {
    let password = [("CAREBASE_SUPERUSER_PASSWORD", PASSWORD)];
    let args = [
        "createsuperuser",
        "--no-input",
        "--email",
        "ada@example.com",
        "--name",
        "Ada Admin",
    ];
    let pool2 = pool.clone();
    let output = tokio::task::spawn_blocking(move || server(&pool2, &args, &password))
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("Superuser created successfully"));
    let admin: bool =
        sqlx::query_scalar("select is_admin from users where email = 'ada@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(admin);
    let app = TestApp::new(pool.clone());
    let r = app
        .post(
            "/api/auth/login/",
            json!({"email": "ada@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);

    // The same email again, a weak password, or no password at all: a message, exit
    // status 1, nothing created.
    for (args, env, expected) in [
        (
            args.to_vec(),
            password.to_vec(),
            "email: A user with this email already exists.",
        ),
        (
            vec![
                "createsuperuser",
                "--no-input",
                "--email",
                "bob@example.com",
                "--name",
                "Bob",
            ],
            vec![("CAREBASE_SUPERUSER_PASSWORD", "password")],
            "password: This password is too common.",
        ),
        (
            vec![
                "createsuperuser",
                "--no-input",
                "--email",
                "bob@example.com",
                "--name",
                "Bob",
            ],
            vec![],
            "CAREBASE_SUPERUSER_PASSWORD",
        ),
    ] {
        let pool2 = pool.clone();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let output = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> =
                env.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            server(&pool2, &args, &env)
        })
        .await
        .unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(text(&output).contains(expected), "{}", text(&output));
    }
    assert_eq!(app.count_rows("users").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn changepassword_applies_the_rules_and_signs_out_every_session(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let session = app.login_new_user("Ann", "ann@example.com").await;
    let new = "Another-Long-Passphrase-42";

    let weak = server::commands::change_password(&pool, "ann@example.com", "ann@example.com", "x")
        .await
        .unwrap_err();
    let explained = server::commands::explain(&weak);
    assert!(
        explained.contains("password: The password is too similar to the email address."),
        "{explained}"
    );
    assert!(
        explained.contains("password2: Password fields didn't match."),
        "{explained}"
    );
    let unknown = server::commands::change_password(&pool, "nobody@example.com", new, new)
        .await
        .unwrap_err();
    assert_eq!(unknown.http_status(), 404);

    server::commands::change_password(&pool, "ANN@example.com", new, new)
        .await
        .unwrap();
    let login = |password: &str| json!({"email": "ann@example.com", "password": password});
    assert_error(
        &app.post("/api/auth/login/", login(PASSWORD), None).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(
        app.post("/api/auth/login/", login(new), None).await.status,
        StatusCode::OK
    );
    let r = app
        .post(
            "/api/auth/token/refresh/",
            json!({"refresh": session["refresh"]}),
            None,
        )
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_backup_restored_into_a_new_database_holds_every_row(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    let patient = app.patient_named(&ann.token, "Pat One").await;
    app.patient_named(&ann.token, "Pat Two").await;
    let doctor = app.doctor_named(&ann.token, "Doc One", "Cardiology").await;
    app.assign(&ann.token, &patient, &doctor).await;

    let dir = std::env::temp_dir().join(format!("carebase-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.dump", uuid::Uuid::new_v4()));
    let bin_dir = server::embedded_pg::find_bin_dir(None).unwrap();
    let source = server::commands::conninfo(&pool.connect_options());
    server::commands::backup(&bin_dir, &source, &file)
        .await
        .unwrap();
    assert!(std::fs::metadata(&file).unwrap().len() > 0);

    let name = format!("restored_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("create database {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let options = (*pool.connect_options()).clone().database(&name);
    let target = server::commands::conninfo(&options);
    server::commands::restore(&bin_dir, &target, &file)
        .await
        .unwrap();
    // Restoring again over the restored data works too (objects are replaced).
    server::commands::restore(&bin_dir, &target, &file)
        .await
        .unwrap();

    let restored = sqlx::PgPool::connect_with(options).await.unwrap();
    for table in [
        "users",
        "refresh_tokens",
        "patients",
        "doctors",
        "patient_doctor_mappings",
        "_sqlx_migrations",
    ] {
        let query = format!("select count(*) from {table}");
        let before: i64 = sqlx::query_scalar(&query).fetch_one(&pool).await.unwrap();
        let after: i64 = sqlx::query_scalar(&query)
            .fetch_one(&restored)
            .await
            .unwrap();
        assert!(before > 0, "{table} was seeded");
        assert_eq!(before, after, "{table}");
    }
    let names: Vec<String> = sqlx::query_scalar("select name from patients order by name")
        .fetch_all(&restored)
        .await
        .unwrap();
    assert_eq!(names, ["Pat One", "Pat Two"]);
    restored.close().await;
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&pool)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    // A file that is not a backup: an error, nothing changed.
    let error = server::commands::restore(&bin_dir, &source, &dir.join("missing.dump"))
        .await
        .unwrap_err();
    assert!(error.contains("is not a file"), "{error}");
}

/// `server audit prune --before DATE` through the binary: old events go, recent ones stay,
/// the prune is recorded; a bad or future date is refused with exit status 1.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn audit_prune_removes_old_events_and_records_that_it_did(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    app.login_new_user("Ann", "ann@example.com").await;
    sqlx::raw_sql(
        "insert into audit_events (at, action, object_type, outcome)
         select '2019-06-01'::timestamptz + n * interval '1 day', 'patient.read', 'patient', 'success'
         from generate_series(1, 30) n",
    )
    .execute(&pool)
    .await
    .unwrap();
    let recent = app.count_rows("audit_events").await - 30;

    for bad in ["yesterday", "2999-01-01"] {
        let output = server(&pool, &["audit", "prune", "--before", bad], &[]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(text(&output).contains("--before"), "{}", text(&output));
    }
    let output = server(&pool, &["audit", "prune", "--before", "2020-01-01"], &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("Removed 30 audit events older than 2020-01-01T00:00:00+00:00"),
        "{}",
        text(&output)
    );
    let (kept, prunes): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where action <> 'audit.prune'),
                count(*) filter (where action = 'audit.prune')
         from audit_events",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((kept, prunes), (recent, 1));
}
