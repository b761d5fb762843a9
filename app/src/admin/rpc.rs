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
    administrator().await?;
    Ok(())
}

/// The index: how many of each there are, and the ten most recent administrative actions.
#[server(prefix = "/rpc", endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<Overview, AppError> {
    use crate::audit::service::{self as audit, AuditQuery};
    let (state, admin) = administrator().await?;
    let (db, user) = (&state.pool, admin.user());
    let mut recent = AuditQuery::first(10);
    recent.administrative = true;
    // The ten newest, without counting them all.
    let (users, patients, (doctors, _), assignments, events, recent) = tokio::try_join!(
        crate::accounts::admin::count(db, &admin),
        crate::patients::service::count_all(db, &admin),
        crate::doctors::service::count(db, user.clone()),
        crate::assignments::service::count_all(db, &admin),
        audit::count(db),
        audit::newest(db, user, true, &recent, 10),
    )?;
    Ok(Overview {
        users,
        patients,
        doctors,
        assignments,
        events,
        recent,
    })
}

/// A page of the audit trail: every event, with the filters of `/api/audit/`.
#[server(prefix = "/rpc", endpoint = "admin_activity", input = leptos::server_fn::codec::Json)]
pub async fn admin_activity(query: QueryPairs) -> Result<Page<AuditEvent>, AppError> {
    use crate::audit::service::{self as audit, AuditQuery};
    let (state, admin) = administrator().await?;
    let query = <AuditQuery as crate::listing::ListQuery>::parse(&query)?;
    audit::list(&state.pool, admin.user(), true, &query).await
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
    let history = audit::newest(&state.pool, &user, true, &about, 20).await?;
    Ok(AccountView { account, history })
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

/// Adds an account (name, email, the password twice, administrator or not), then shows it.
#[server(prefix = "/rpc", endpoint = "admin_add_user")]
pub async fn admin_add_user(
    name: String,
    email: String,
    password: String,
    password2: String,
    is_admin: Option<String>,
) -> Result<(), AppError> {
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let remembered = [("name", name.as_str()), ("email", email.as_str())];
    let mut pairs = vec![
        ("name", name.clone()),
        ("email", email.clone()),
        ("password", password),
        ("password2", password2),
    ];
    pairs.extend(is_admin.map(|v| ("is_admin", v)));
    let input = Input::from_pairs(pairs);
    let add =
        crate::accounts::admin::add(&state.pool, &state.pool, &state.guard.hashing, user, input);
    let account = crate::session::ssr::remembering(&remembered, add).await?;
    leptos_axum::redirect(&format!("/admin/users/{}?notice=created", account.id));
    Ok(())
}

/// Sets an account's password (typed twice), then shows the account.
#[server(prefix = "/rpc", endpoint = "admin_set_password")]
pub async fn admin_set_password(
    id: i64,
    password: String,
    password2: String,
) -> Result<(), AppError> {
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let input = Input::from_pairs([("password", password), ("password2", password2)]);
    crate::accounts::admin::set_password(
        &state.pool,
        &state.pool,
        &state.guard.hashing,
        user,
        id,
        input,
    )
    .await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?notice=password"));
    Ok(())
}

/// The proof that the signed-in user is an active administrator, for the functions below.
#[cfg(feature = "ssr")]
async fn administrator() -> Result<(crate::state::AppState, crate::auth::Administrator), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let admin = crate::accounts::admin::require_admin(&state.pool, &user).await?;
    Ok((state, admin))
}

/// The newest events `about` a record, for its page (not counted: a busy record has many).
#[cfg(feature = "ssr")]
async fn history(
    state: &crate::state::AppState,
    proof: &crate::auth::Administrator,
    about: &crate::audit::service::AuditQuery,
) -> Result<Vec<AuditEvent>, AppError> {
    let shown = about.list.page_size;
    crate::audit::service::newest(&state.pool, proof.user(), true, about, shown).await
}

/// A page of every owner's patients: search, `owner`, `blood_group`, ordering.
#[server(prefix = "/rpc", endpoint = "admin_patients", input = leptos::server_fn::codec::Json)]
pub async fn admin_patients(
    query: QueryPairs,
) -> Result<Page<crate::patients::AdminPatientItem>, AppError> {
    use crate::patients::admin::{self, AdminPatientQuery};
    let (state, proof) = administrator().await?;
    let query = <AdminPatientQuery as crate::listing::ListQuery>::parse(&query)?;
    admin::list(&state.pool, &proof, &query).await
}

/// Any owner's patient, with its assignments and its history.
#[server(prefix = "/rpc", endpoint = "admin_patient")]
pub async fn admin_patient(id: i64) -> Result<super::PatientRecord, AppError> {
    use crate::assignments::admin::{self as assignments, Within};
    use crate::audit::service::AuditQuery;
    let (state, proof) = administrator().await?;
    let patient = crate::patients::admin::get(&state.pool, &proof, id).await?;
    let assignments = assignments::within(&state.pool, &proof, Within::Patients(&[id]))
        .await?
        .into();
    let mut about = AuditQuery::first(crate::audit::HISTORY_SHOWN);
    about.patient = Some(id);
    let history = history(&state, &proof, &about).await?;
    Ok(super::PatientRecord {
        patient,
        assignments,
        history,
    })
}

/// A page of the doctors: search, `specialization`, `is_available`, ordering.
#[server(prefix = "/rpc", endpoint = "admin_doctors", input = leptos::server_fn::codec::Json)]
pub async fn admin_doctors(
    query: QueryPairs,
) -> Result<Page<crate::doctors::DoctorListItem>, AppError> {
    use crate::doctors::service::{self as doctors, DoctorQuery};
    let (state, proof) = administrator().await?;
    let query = <DoctorQuery as crate::listing::ListQuery>::parse(&query)?;
    doctors::list(&state.pool, proof.user().clone(), &query).await
}

/// A doctor, with its assignments and its history.
#[server(prefix = "/rpc", endpoint = "admin_doctor")]
pub async fn admin_doctor(id: i64) -> Result<super::DoctorRecord, AppError> {
    use crate::assignments::admin::{self as assignments, Within};
    use crate::audit::service::AuditQuery;
    let (state, proof) = administrator().await?;
    let doctor = crate::doctors::service::get(&state.pool, proof.user().clone(), id).await?;
    let assignments = assignments::within(&state.pool, &proof, Within::Doctors(&[id]))
        .await?
        .into();
    let mut about = AuditQuery::first(crate::audit::HISTORY_SHOWN);
    about.object_type = Some("doctor".into());
    about.object_id = Some(id);
    let history = history(&state, &proof, &about).await?;
    Ok(super::DoctorRecord {
        doctor,
        assignments,
        history,
    })
}

/// A page of every owner's assignments: search, `owner`, `patient`, `doctor`,
/// `is_active`, ordering.
#[server(prefix = "/rpc", endpoint = "admin_assignments", input = leptos::server_fn::codec::Json)]
pub async fn admin_assignments(
    query: QueryPairs,
) -> Result<Page<crate::assignments::AdminMappingItem>, AppError> {
    use crate::assignments::admin::{self, AdminMappingQuery};
    let (state, proof) = administrator().await?;
    let query = <AdminMappingQuery as crate::listing::ListQuery>::parse(&query)?;
    admin::list(&state.pool, &proof, &query).await
}

/// What deleting the chosen objects (`ids`: "3,7,12") would remove, for the confirmation.
#[server(prefix = "/rpc", endpoint = "admin_deletion")]
pub async fn admin_deletion(kind: super::Kind, ids: String) -> Result<super::Deletion, AppError> {
    use super::Kind;
    use crate::assignments::admin::{self as assignments, Within};
    let (state, proof) = administrator().await?;
    let ids = super::parse_ids(&ids)?;
    let db = &state.pool;
    let (objects, assignments) = match kind {
        Kind::Patients => {
            let patients = crate::patients::admin::some(db, &proof, &ids).await?;
            let objects = patients
                .into_iter()
                .map(|p| (p.id, format!("{} (of {})", p.name, p.owner_email)))
                .collect();
            let going = assignments::within(db, &proof, Within::Patients(&ids)).await?;
            (objects, going.into())
        }
        Kind::Doctors => (
            crate::doctors::service::names(db, &proof, &ids).await?,
            assignments::within(db, &proof, Within::Doctors(&ids))
                .await?
                .into(),
        ),
        Kind::Assignments => {
            let (found, _) = assignments::within(db, &proof, Within::Assignments(&ids)).await?;
            let objects = found
                .into_iter()
                .map(|m| {
                    (
                        m.id,
                        format!("Dr. {} for {}", m.doctor_name, m.patient_name),
                    )
                })
                .collect();
            (objects, super::Assigned::default())
        }
    };
    if objects.is_empty() {
        return Err(AppError::NotFound(format!(
            "None of the chosen {} exists.",
            kind.noun().many
        )));
    }
    Ok(super::Deletion {
        kind,
        objects,
        assignments,
    })
}

/// Deletes the chosen objects (`ids`: "3,7,12") with what goes with them, in one
/// transaction, then shows their list.
#[server(prefix = "/rpc", endpoint = "admin_delete")]
pub async fn admin_delete(kind: super::Kind, ids: String) -> Result<(), AppError> {
    use super::Kind;
    let (state, proof) = administrator().await?;
    let ids = super::parse_ids(&ids)?;
    let db = &state.pool;
    let count = match kind {
        Kind::Patients => crate::patients::admin::delete(db, &proof, &ids).await?,
        Kind::Doctors => crate::doctors::service::delete_any(db, &proof, &ids).await?,
        Kind::Assignments => crate::assignments::admin::delete(db, &proof, &ids).await?,
    };
    leptos_axum::redirect(&format!(
        "/admin/{}?notice=deleted&deleted={count}",
        kind.path()
    ));
    Ok(())
}
