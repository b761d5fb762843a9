//! Accounts: registration, login, token refresh and logout. (The signed-in user's profile
//! is core: `crate::session::ssr::profile`.)

use super::{Session, UserSummary};
use crate::audit::action;
use crate::audit::service::{self as audit, Actor, Event};
use crate::auth::password;
use crate::auth::throttle::{self, Guard};
use crate::auth::tokens::{TokenKeys, TokenType};
use crate::auth::{Client, Origin};
use crate::error::{AppError, Constraint, OnConstraint};
use crate::input::Input;
use sqlx::PgPool;

/// The longest name and password accepted (the OpenAPI document states the same).
pub const NAME_MAX: usize = 150;
pub const PASSWORD_MAX: usize = 4096;
const EMAIL_TAKEN: &str = "A user with this email already exists.";

/// Creates an account. Anyone may call it.
///
/// Errors: 400 with per-field details for a missing or blank field, an invalid or
/// already registered email (compared without case), a password that breaks Django's
/// rules, or `password2` differing from `password`; 429 after too many sign-ups from the
/// client's address (see [`throttle`]).
#[tracing::instrument(skip_all)]
pub async fn register(
    pool: &PgPool,
    guard: &Guard,
    origin: &Origin,
    input: Input,
) -> Result<UserSummary, AppError> {
    let limit = &guard.throttles.signup_per_address;
    let client = origin.client;
    throttle::attempt(pool, &[(limit, throttle::key(limit, client.0, None))]).await?;
    create(pool, &guard.hashing, input, false, origin, None).await
}

/// Creates an active administrator (`server createsuperuser`), with the same rules and
/// messages as registration.
///
/// Errors: 400 as for [`register`].
#[tracing::instrument(skip_all)]
pub async fn create_administrator(
    pool: &PgPool,
    hashing: &password::Gate,
    input: Input,
) -> Result<UserSummary, AppError> {
    let origin = Origin::command_line("createsuperuser");
    let user = create(pool, hashing, input, true, &origin, None).await?;
    tracing::info!(user_id = user.id, "administrator created");
    Ok(user)
}

/// A new account from `name`, `email`, `password` and `password2`, recorded as a
/// `user.create` event of `by` (an administrator adding it), or of the new user.
pub(super) async fn create(
    pool: &PgPool,
    hashing: &password::Gate,
    mut input: Input,
    is_admin: bool,
    origin: &Origin,
    by: Option<&crate::auth::CurrentUser>,
) -> Result<UserSummary, AppError> {
    let name = input.text("name", true, NAME_MAX);
    let email = input.email("email", true);
    let password = new_password(
        &mut input,
        name.as_deref().unwrap_or_default(),
        email.as_deref().unwrap_or_default(),
    );
    if let Some(email) = &email {
        let taken = sqlx::query_scalar!(
            r#"select exists(select 1 from users where lower(email) = lower($1)) as "taken!""#,
            email
        )
        .fetch_one(pool)
        .await?;
        if taken {
            input.error("email", EMAIL_TAKEN);
        }
    }
    input.finish("Registration failed")?;
    let (Some(name), Some(email), Some(password)) = (name, email, password) else {
        return Err(AppError::Internal);
    };

    let hash = password::hash(hashing, password).await?;
    let mut tx = pool.begin().await?;
    let user = sqlx::query_as!(
        UserSummary,
        "insert into users (name, email, password_hash, is_admin) values ($1, $2, $3, $4)
         returning id, name, email",
        name,
        email,
        hash,
        is_admin
    )
    .fetch_one(&mut *tx)
    .await
    // Two registrations raced past the check above.
    .on_constraint(
        "Registration failed",
        &[Constraint {
            name: "users_email_lower_key",
            field: "email",
            message: EMAIL_TAKEN,
        }],
    )?;
    let actor = match by {
        Some(admin) => admin.into(),
        None => Actor {
            id: Some(user.id),
            email: Some(&user.email),
            origin,
        },
    };
    // An administrator's, or an operator's (createsuperuser); never a registration.
    let administrative = by.is_some() || is_admin;
    let event = Event::new(action::USER_CREATE, "user", Some(user.id))
        .detail(serde_json::json!({ "is_admin": is_admin }))
        .administrative(administrative);
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "user registered");
    Ok(user)
}

/// Exchanges an email and password for an access and a refresh token. Anyone may call it.
///
/// Errors: 400 when a field is missing; 401 with one and the same answer for an unknown
/// email and a wrong password (both cost one argon2 verification); 429 after too many
/// failures for the email from the client's address, or from the address across emails
/// (see [`throttle`]); 503 when too many passwords are being checked at once.
#[tracing::instrument(skip_all)]
pub async fn login(
    pool: &PgPool,
    keys: &TokenKeys,
    guard: &Guard,
    origin: &Origin,
    mut input: Input,
) -> Result<Session, AppError> {
    let client = origin.client;
    let email = input.text("email", true, crate::input::EMAIL_MAX);
    let password = input.secret("password", PASSWORD_MAX);
    input.finish("Login failed")?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(AppError::Internal);
    };
    let (per_account, per_address) = (
        &guard.throttles.login_per_account,
        &guard.throttles.login_per_address,
    );
    let account_key = throttle::key(per_account, client.0, Some(&email));
    let address_key = throttle::key(per_address, client.0, None);
    if let Err(throttled) = throttle::attempt(
        pool,
        &[
            (per_account, account_key.clone()),
            (per_address, address_key.clone()),
        ],
    )
    .await
    {
        if matches!(throttled, AppError::Throttled { .. }) {
            // A guess refused without being checked is still a guess at this account.
            let actor = Actor {
                id: None,
                email: Some(&email),
                origin,
            };
            let event = Event::new(action::LOGIN_FAILED, "user", None)
                .detail(serde_json::json!({ "throttled": true }));
            audit::failed(pool, actor, event).await?;
        }
        return Err(throttled);
    }

    let row = sqlx::query!(
        "select id, name, email, password_hash, is_active from users where lower(email) = lower($1)",
        email
    )
    .fetch_optional(pool)
    .await?;
    let stored = row.as_ref().map(|r| r.password_hash.clone());
    let verified = match password::verify(&guard.hashing, password, stored).await {
        // Not judged: the attempt does not count against the account or the address.
        Err(busy @ AppError::Busy { .. }) => {
            throttle::give_back(pool, &[&account_key, &address_key]).await?;
            return Err(busy);
        }
        other => other?,
    };
    // A deactivated account is refused like a wrong password (after the same work).
    let known = row.as_ref().map(|r| r.id);
    let refused = |pool| async move {
        let actor = Actor {
            id: known,
            email: Some(&email),
            origin,
        };
        audit::failed(pool, actor, Event::new(action::LOGIN_FAILED, "user", known)).await?;
        Err::<Session, _>(no_active_account())
    };
    let Some(row) = row.filter(|r| verified && r.is_active) else {
        tracing::info!("sign-in refused: bad credentials");
        return refused(pool).await;
    };

    let access = keys.issue(row.id, TokenType::Access)?;
    let refresh = keys.issue(row.id, TokenType::Refresh)?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "delete from refresh_tokens where user_id = $1 and expires_at < now()",
        row.id
    )
    .execute(&mut *tx)
    .await?;
    // Only while the account is still active: a deactivation that committed while the
    // password was being checked wins.
    let issued = sqlx::query!(
        "insert into refresh_tokens (jti, user_id, expires_at)
         select $1, $2, $3 where exists (select 1 from users where id = $2 and is_active)",
        refresh.jti,
        row.id,
        refresh.expires_at
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if issued == 0 {
        drop(tx);
        return refused(pool).await;
    }
    let actor = Actor {
        id: Some(row.id),
        email: Some(&row.email),
        origin,
    };
    audit::record(
        &mut tx,
        actor,
        Event::new(action::LOGIN, "user", Some(row.id)),
    )
    .await?;
    tx.commit().await?;
    throttle::succeeded(pool, &account_key, &address_key).await?;
    tracing::info!(user_id = row.id, "user logged in");

    Ok(Session {
        access: access.token,
        refresh: refresh.token,
        user: UserSummary {
            id: row.id,
            name: row.name,
            email: row.email,
        },
    })
}

/// Sets a new password for the user with `email` (`server changepassword`), applying the
/// registration rules to `password` and `password2`, and revokes the user's refresh tokens
/// in the same transaction, so every session must sign in again.
///
/// Errors: 404 for an unknown email; 400 for a password the rules refuse.
#[tracing::instrument(skip_all)]
pub async fn set_password(
    pool: &PgPool,
    hashing: &password::Gate,
    email: &str,
    input: Input,
) -> Result<(), AppError> {
    let user = sqlx::query!(
        "select id from users where lower(email) = lower($1)",
        email.trim()
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("No user has the email {:?}.", email.trim())))?;
    // Typed at the server: nobody signed in did it.
    let origin = Origin::command_line("changepassword");
    let actor = Actor {
        id: None,
        email: Some(""),
        origin: &origin,
    };
    replace_password(pool, hashing, user.id, input, actor).await
}

/// Sets account `id`'s password from `password` and `password2` (the registration rules),
/// revokes its refresh tokens and records `user.password_change` by `actor`, in one
/// transaction.
///
/// Errors: 404 for no such account; 400 for a password the rules refuse.
pub(super) async fn replace_password(
    pool: &PgPool,
    hashing: &password::Gate,
    id: i64,
    mut input: Input,
    actor: Actor<'_>,
) -> Result<(), AppError> {
    let user = sqlx::query!("select id, name, email from users where id = $1", id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound("User not found.".into()))?;
    let password = new_password(&mut input, &user.name, &user.email);
    input.finish("Password not changed")?;
    let Some(password) = password else {
        return Err(AppError::Internal);
    };
    let hash = password::hash(hashing, password).await?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "update users set password_hash = $1 where id = $2",
        hash,
        user.id
    )
    .execute(&mut *tx)
    .await?;
    crate::auth::revoke_sessions(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new(action::USER_PASSWORD, "user", Some(user.id)).administrative(true),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "password changed; sessions revoked");
    Ok(())
}

/// `password` and `password2` of a new password, checked against Django's rules (with the
/// account's name and email for the similarity rule) and each other; the errors go on
/// `input`.
fn new_password(input: &mut Input, name: &str, email: &str) -> Option<String> {
    let password = input.secret("password", PASSWORD_MAX);
    let password2 = input.secret("password2", PASSWORD_MAX);
    if let Some(pw) = &password {
        let attributes = [("name", name), ("email address", email)];
        for message in password::policy_errors(pw, &attributes) {
            input.error("password", message);
        }
        if password2.as_ref().is_some_and(|pw2| pw2 != pw) {
            input.error("password2", "Password fields didn't match.");
        }
    }
    password
}

/// simplejwt's answer to a wrong email, a wrong password or a deactivated account: one
/// and the same, so none can be told from the others.
fn no_active_account() -> AppError {
    AppError::Unauthenticated {
        detail: "No active account found with the given credentials".into(),
        code: Some("no_active_account".into()),
    }
}

/// Issues a new access token for a refresh token that is valid and not revoked.
///
/// Errors: 400 when `refresh` is missing; 401 for a refresh token that is malformed,
/// expired, revoked, of the wrong type or whose user no longer exists; 429 after too many
/// renewals from the client's address.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    pool: &PgPool,
    keys: &TokenKeys,
    guard: &Guard,
    origin: &Origin,
    mut input: Input,
) -> Result<String, AppError> {
    let limit = &guard.throttles.refresh_per_address;
    let client: Client = origin.client;
    throttle::attempt(pool, &[(limit, throttle::key(limit, client.0, None))]).await?;
    let token = input.secret("refresh", PASSWORD_MAX);
    input.finish("Token refresh failed")?;
    crate::auth::renew_access(pool, keys, &token.unwrap_or_default(), origin).await
}

/// Revokes a refresh token, so it can no longer be exchanged for access tokens.
///
/// Errors: 400 when `refresh` is missing; 401 when it is not a valid, unrevoked refresh
/// token.
#[tracing::instrument(skip_all)]
pub async fn logout(
    pool: &PgPool,
    keys: &TokenKeys,
    origin: &Origin,
    mut input: Input,
) -> Result<(), AppError> {
    let token = input.secret("refresh", PASSWORD_MAX);
    input.finish("Logout failed")?;
    let claims = keys.verify(&token.unwrap_or_default(), TokenType::Refresh)?;
    let jti = crate::auth::parse_jti(&claims.jti)?;
    let mut tx = pool.begin().await?;
    let revoked = sqlx::query!(
        "update refresh_tokens set revoked_at = now()
         where jti = $1 and user_id = $2 and revoked_at is null",
        jti,
        claims.user_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if revoked == 0 {
        return Err(AppError::invalid_token());
    }
    let actor = Actor {
        id: Some(claims.user_id),
        email: None,
        origin,
    };
    let event = Event::new(action::LOGOUT, "user", Some(claims.user_id));
    audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    tracing::info!(user_id = claims.user_id, "refresh token revoked");
    Ok(())
}
