//! Administration of user accounts: only an active administrator may list, read, or change
//! whether an account is active or an administrator. Nobody can deactivate or demote
//! themself, and the last active administrator cannot be removed. A change takes effect
//! everywhere at once: the database announces it (`auth::revoked`), and deactivating an
//! account also revokes its refresh tokens.

use super::{ACCOUNT_SORTS, Account};
use crate::audit::action;
use crate::audit::service::{self as audit, Event};
use crate::auth::{Administrator, CurrentUser};
use crate::db::Db;
use crate::error::AppError;
use crate::input::Input;
use crate::listing::{ListParams, ListQuery, Page, QueryPairs};
use sqlx::{PgPool, Postgres, QueryBuilder};

pub const NOT_ADMIN: &str = "You must be an administrator to do this.";
pub const NOT_YOURSELF: &str =
    "You cannot deactivate your own account or remove your own administrator rights.";
pub const LAST_ADMIN: &str =
    "The last active administrator cannot be deactivated or lose administrator rights.";

/// A page of accounts: search (name, email), `is_active`, `is_admin`, ordering, page.
#[derive(Debug, Clone)]
pub struct AccountQuery {
    pub list: ListParams,
    pub is_active: Option<bool>,
    pub is_admin: Option<bool>,
}

impl utoipa::IntoParams for AccountQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use crate::listing::openapi::{boolean, list, param};
        list(
            &ACCOUNT_SORTS,
            Some("Text in the name or email"),
            vec![
                param("is_active", "true or false", boolean()),
                param("is_admin", "true or false", boolean()),
            ],
        )
    }
}

impl ListQuery for AccountQuery {
    fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
        let (mut is_active, mut is_admin) = (None, None);
        let present = |key: &str| pairs.get(key).is_some_and(|v| !v.trim().is_empty());
        let list = ListParams::parse(pairs, &ACCOUNT_SORTS, |input| {
            if present("is_active") {
                is_active = input.boolean("is_active", false);
            }
            if present("is_admin") {
                is_admin = input.boolean("is_admin", false);
            }
        })?;
        Ok(AccountQuery {
            list,
            is_active,
            is_admin,
        })
    }
}

/// 403 unless `user` is an active administrator (a refusal is recorded: `admin.access`,
/// `denied`); the proof that they are, if they are.
pub async fn require_admin(db: &Db, user: &CurrentUser) -> Result<Administrator, AppError> {
    if is_admin(db, user).await? {
        Ok(Administrator::vouched_for(user.clone()))
    } else {
        let event = Event::new(action::ADMIN_ACCESS, "admin", None).outcome(audit::Outcome::Denied);
        audit::record_alone(db, user.into(), event).await?;
        Err(AppError::Forbidden(NOT_ADMIN.into()))
    }
}

/// Whether `user` is an active administrator.
pub async fn is_admin(db: &Db, user: &CurrentUser) -> Result<bool, AppError> {
    db.read(async |conn| {
        Ok(sqlx::query_scalar!(
            "select is_admin and is_active from users where id = $1",
            user.id
        )
        .fetch_optional(conn)
        .await?
        .flatten()
        .unwrap_or(false))
    })
    .await
}

/// How many accounts there are.
pub async fn count(db: &Db, _: &Administrator) -> Result<i64, AppError> {
    db.read(async |conn| {
        Ok(
            sqlx::query_scalar!(r#"select count(*) as "count!" from users"#)
                .fetch_one(conn)
                .await?,
        )
    })
    .await
}

/// A page of all accounts.
///
/// Errors: 403 for anyone but an active administrator; 404 past the last page.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = admin.id))]
pub async fn list(
    db: &Db,
    admin: CurrentUser,
    query: &AccountQuery,
) -> Result<Page<Account>, AppError> {
    require_admin(db, &admin).await?;
    let mut builder = QueryBuilder::<Postgres>::new(
        "select u.id, u.name, u.email, u.is_active, u.is_admin, u.date_joined,
                count(*) over () as total
         from users u where true",
    );
    if let Some(active) = query.is_active {
        builder.push(" and u.is_active = ").push_bind(active);
    }
    if let Some(admin) = query.is_admin {
        builder.push(" and u.is_admin = ").push_bind(admin);
    }
    if let Some(pattern) = &query.list.search {
        builder
            .push(" and (u.name || ' ' || u.email) ilike ")
            .push_bind(pattern.clone());
    }
    query.list.fetch_page(db, builder).await
}

/// One account.
///
/// Errors: 403 for anyone but an active administrator; 404 for no such account.
pub async fn get(db: &Db, admin: CurrentUser, id: i64) -> Result<Account, AppError> {
    require_admin(db, &admin).await?;
    db.read(async |conn| {
        sqlx::query_as!(
            Account,
            "select id, name, email, is_active, is_admin, date_joined from users where id = $1",
            id
        )
        .fetch_optional(conn)
        .await?
        .ok_or_else(not_found)
    })
    .await
}

/// Sets whether an account is active and whether it administers (`is_active`,
/// `is_admin`, either or both). Deactivating also revokes the account's refresh tokens.
///
/// Errors: 403 for anyone but an active administrator; 404 for no such account; 400 for
/// a field that is not true or false, for a change to one's own account that would lock
/// oneself out, and for removing the last active administrator.
#[tracing::instrument(skip(pool, db, input), fields(user_id = admin.id))]
pub async fn set_access(
    pool: &PgPool,
    db: &Db,
    admin: CurrentUser,
    id: i64,
    mut input: Input,
) -> Result<Account, AppError> {
    require_admin(db, &admin).await?;
    let is_active = input.boolean("is_active", false);
    let is_admin = input.boolean("is_admin", false);
    input.finish("User not updated")?;
    let mut tx = pool.begin().await?;
    // Every active administrator's row is locked, so two administrators removing each
    // other at once cannot both succeed.
    let admins = sqlx::query_scalar!(
        "select id from users where is_admin and is_active order by id for no key update"
    )
    .fetch_all(&mut *tx)
    .await?;
    // Checked again under the locks: an administrator removed a moment ago, whose request
    // waited for them, may not act.
    if !admins.contains(&admin.id) {
        return Err(AppError::Forbidden(NOT_ADMIN.into()));
    }
    let current = sqlx::query_as!(
        Account,
        "select id, name, email, is_active, is_admin, date_joined from users where id = $1 for no key update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    let will_be_active = is_active.unwrap_or(current.is_active);
    let will_be_admin = is_admin.unwrap_or(current.is_admin);
    let loses_access = !will_be_active || !will_be_admin;
    if id == admin.id && loses_access {
        return Err(AppError::field(
            "User not updated",
            crate::error::NON_FIELD_ERRORS,
            NOT_YOURSELF,
        ));
    }
    let is_active_admin = current.is_admin && current.is_active;
    if is_active_admin && loses_access && admins.iter().all(|&a| a == id) {
        return Err(AppError::field(
            "User not updated",
            crate::error::NON_FIELD_ERRORS,
            LAST_ADMIN,
        ));
    }
    let updated = sqlx::query_as!(
        Account,
        "update users set is_active = $2, is_admin = $3 where id = $1
         returning id, name, email, is_active, is_admin, date_joined",
        id,
        will_be_active,
        will_be_admin
    )
    .fetch_one(&mut *tx)
    .await?;
    if !will_be_active {
        crate::auth::revoke_sessions(&mut tx, id).await?;
    }
    let changed: Vec<&str> = [
        ("is_active", current.is_active != will_be_active),
        ("is_admin", current.is_admin != will_be_admin),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect();
    audit::record(
        &mut tx,
        (&admin).into(),
        Event::new(action::USER_UPDATE, "user", Some(id))
            .detail(serde_json::json!({
                "fields": changed,
                "is_active": will_be_active,
                "is_admin": will_be_admin,
            }))
            .administrative(true),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        target_user = id,
        is_active = will_be_active,
        is_admin = will_be_admin,
        "account access changed"
    );
    Ok(updated)
}

/// Adds an account (the admin site's "Add user"): name, email, `password`, `password2`
/// with the registration rules and messages, and `is_admin`; recorded as `user.create` by
/// the administrator.
///
/// Errors: 403 for anyone but an active administrator; 400 as for registration, or for an
/// `is_admin` that is not true or false.
#[tracing::instrument(skip(pool, db, hashing, input), fields(user_id = admin.id))]
pub async fn add(
    pool: &PgPool,
    db: &Db,
    hashing: &crate::auth::password::Gate,
    admin: CurrentUser,
    mut input: Input,
) -> Result<Account, AppError> {
    require_admin(db, &admin).await?;
    let is_admin = input.boolean("is_admin", false).unwrap_or(false);
    let user =
        super::service::create(pool, hashing, input, is_admin, &admin.origin, Some(&admin)).await?;
    get(db, admin, user.id).await
}

/// Sets another account's password (the admin site's "Set password"): `password` and
/// `password2` with the registration rules. The account's sessions end; recorded as
/// `user.password_change` by the administrator (never the password).
///
/// Errors: 403 for anyone but an active administrator; 404 for no such account; 400 for
/// a password the rules refuse.
#[tracing::instrument(skip(pool, db, hashing, input), fields(user_id = admin.id))]
pub async fn set_password(
    pool: &PgPool,
    db: &Db,
    hashing: &crate::auth::password::Gate,
    admin: CurrentUser,
    id: i64,
    input: Input,
) -> Result<(), AppError> {
    require_admin(db, &admin).await?;
    super::service::replace_password(pool, hashing, id, input, (&admin).into()).await
}

fn not_found() -> AppError {
    AppError::NotFound("User not found.".into())
}
