//! The admin site's server functions. Each refuses anyone but an active administrator
//! (403), whatever door it is called through.

use super::{AccountView, Overview};
use crate::accounts::Account;
use crate::audit::AuditEvent;
use crate::error::AppError;
use crate::listing::{Page, QueryPairs};
use leptos::prelude::*;

/// Whether the signed-in user may enter the admin site: `Ok` for an active administrator,
/// 403 for anyone else signed in, 401 for a visitor.
#[server(prefix = "/rpc", endpoint = "admin_check")]
pub async fn admin_check() -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::accounts::admin::require_admin(&state.pool, &user).await?;
    Ok(())
}

/// The index: how many of each there are, and the ten most recent administrative actions.
#[server(prefix = "/rpc", endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<Overview, AppError> {
    use crate::audit::service::{self as audit, AuditQuery};
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let db = &state.pool;
    let admin = crate::accounts::admin::require_admin(db, &user).await?;
    let mut recent = AuditQuery::first(10);
    recent.actions = super::ADMINISTRATIVE.to_vec();
    let (users, patients, (doctors, _), assignments, events, recent) = tokio::try_join!(
        crate::accounts::admin::count(db, &admin),
        crate::patients::service::count_all(db, &admin),
        crate::doctors::service::count(db, user.clone()),
        crate::assignments::service::count_all(db, &admin),
        audit::count(db),
        audit::list(db, &user, true, &recent),
    )?;
    Ok(Overview {
        users,
        patients,
        doctors,
        assignments,
        events,
        recent: recent.items,
    })
}

/// A page of the audit trail: every event, with the filters of `/api/audit/`.
#[server(prefix = "/rpc", endpoint = "admin_activity", input = leptos::server_fn::codec::Json)]
pub async fn admin_activity(query: QueryPairs) -> Result<Page<AuditEvent>, AppError> {
    use crate::audit::service::{self as audit, AuditQuery};
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::accounts::admin::require_admin(&state.pool, &user).await?;
    let query = <AuditQuery as crate::listing::ListQuery>::parse(&query)?;
    audit::list(&state.pool, &user, true, &query).await
}

/// A page of the accounts.
#[server(prefix = "/rpc", endpoint = "admin_users", input = leptos::server_fn::codec::Json)]
pub async fn admin_users(query: QueryPairs) -> Result<Page<Account>, AppError> {
    use crate::accounts::admin::{self, AccountQuery};
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = <AccountQuery as crate::listing::ListQuery>::parse(&query)?;
    admin::list(&state.pool, user, &query).await
}

/// One account, with what the audit trail holds about it and by it.
#[server(prefix = "/rpc", endpoint = "admin_user")]
pub async fn admin_user(id: i64) -> Result<AccountView, AppError> {
    use crate::audit::service::{self as audit, AuditQuery};
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let account = crate::accounts::admin::get(&state.pool, user.clone(), id).await?;
    let mut about = AuditQuery::first(20);
    about.subject = Some(id);
    let history = audit::list(&state.pool, &user, true, &about).await?;
    Ok(AccountView {
        account,
        history: history.items,
    })
}

/// Activates or deactivates an account, grants or revokes administrator rights (a field
/// left out is left as it is), then shows the account again.
#[server(prefix = "/rpc", endpoint = "admin_set_access")]
pub async fn admin_set_access(
    id: i64,
    is_active: Option<String>,
    is_admin: Option<String>,
) -> Result<(), AppError> {
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let pairs = [("is_active", is_active), ("is_admin", is_admin)]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)));
    let input = Input::from_pairs(pairs);
    crate::accounts::admin::set_access(&state.pool, &state.pool, user, id, input).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?notice=updated"));
    Ok(())
}
