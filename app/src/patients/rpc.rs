//! The patients' server functions: the staff web app's door onto [`super::service`].

// The save server function takes one argument per form field, so that a plain HTML form
// posts to it directly (the form's field names are the argument names).
#![allow(clippy::too_many_arguments)]

use super::{Patient, PatientListItem};
use crate::error::AppError;
use crate::listing::{Page, QueryPairs};
use leptos::prelude::*;

/// A page of the signed-in user's patients; `query` is the page's address query.
#[server(prefix = "/rpc", endpoint = "list_patients", input = leptos::server_fn::codec::Json)]
pub async fn list_patients(query: QueryPairs) -> Result<Page<PatientListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = <super::service::PatientQuery as crate::listing::ListQuery>::parse(&query)?;
    super::service::list(&state.pool, user, &query).await
}

/// One of the signed-in user's patients.
#[server(prefix = "/rpc", endpoint = "get_patient")]
pub async fn get_patient(id: i64) -> Result<Patient, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    super::service::get(&state.pool, user, id).await
}

/// Creates (no `id`) or replaces a patient, then shows it; with `admin`, replaces any
/// owner's patient for an administrator and shows it on the admin site.
#[server(prefix = "/rpc", endpoint = "save_patient")]
pub async fn save_patient(
    id: Option<i64>,
    name: String,
    email: String,
    phone_number: String,
    address: String,
    date_of_birth: String,
    blood_group: String,
    medical_history: String,
    admin: Option<String>,
) -> Result<(), AppError> {
    use super::service;
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let pairs = [
        ("name", name),
        ("email", email),
        ("phone_number", phone_number),
        ("address", address),
        ("date_of_birth", date_of_birth),
        ("blood_group", blood_group),
        ("medical_history", medical_history),
    ];
    let remembered: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let input = Input::from_pairs(pairs.clone());
    // From the admin site: any owner's patient, saved as the administrator.
    let admin = crate::admin::from_admin_site(admin.as_deref(), id)?;
    let save = async {
        match id {
            Some(id) if admin => {
                let proof = crate::accounts::admin::require_admin(&state.pool, &user).await?;
                let patient = super::admin::update(&state.pool, &proof, id, input).await?;
                Ok((patient, "updated"))
            }
            Some(id) => Ok((
                service::update(&state.pool, user, id, input, false).await?,
                "updated",
            )),
            None => Ok((service::create(&state.pool, user, input).await?, "created")),
        }
    };
    let (patient, notice) = crate::session::ssr::remembering(&remembered, save).await?;
    let home = if admin {
        "/admin/patients"
    } else {
        "/patients"
    };
    leptos_axum::redirect(&format!("{home}/{}?notice={notice}", patient.id));
    Ok(())
}

/// Deletes a patient (and its assignments), then shows the list.
#[server(prefix = "/rpc", endpoint = "delete_patient")]
pub async fn delete_patient(id: i64) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    super::service::delete(&state.pool, user, id).await?;
    leptos_axum::redirect("/patients?notice=deleted");
    Ok(())
}
