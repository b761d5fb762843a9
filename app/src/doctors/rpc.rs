//! The doctors' server functions: the staff web app's door onto [`super::service`].

// The save server function takes one argument per form field, so that a plain HTML form
// posts to it directly (the form's field names are the argument names).
#![allow(clippy::too_many_arguments)]

use super::{DoctorListItem, DoctorView};
use crate::error::AppError;
use crate::listing::{Page, QueryPairs};
use leptos::prelude::*;

/// A page of the directory; `query` is the page's address query.
#[server(prefix = "/rpc", endpoint = "list_doctors", input = leptos::server_fn::codec::Json)]
pub async fn list_doctors(query: QueryPairs) -> Result<Page<DoctorListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = <super::service::DoctorQuery as crate::listing::ListQuery>::parse(&query)?;
    super::service::list(&state.pool, user, &query).await
}

/// A doctor, and whether the signed-in user may change it.
#[server(prefix = "/rpc", endpoint = "get_doctor")]
pub async fn get_doctor(id: i64) -> Result<DoctorView, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    super::service::view(&state.pool, user, id).await
}

/// Every doctor a patient could be assigned (the first 100 by name).
#[server(prefix = "/rpc", endpoint = "doctor_choices")]
pub async fn doctor_choices() -> Result<Vec<DoctorListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = super::service::DoctorQuery::first(crate::listing::MAX_PAGE_SIZE);
    Ok(super::service::list(&state.pool, user, &query).await?.items)
}

/// Creates (no `id`) or replaces a doctor, then shows it; with `admin`, as an
/// administrator's change shown on the admin site.
#[server(prefix = "/rpc", endpoint = "save_doctor")]
pub async fn save_doctor(
    id: Option<i64>,
    name: String,
    email: String,
    phone_number: String,
    specialization: String,
    qualification: String,
    experience_years: String,
    license_number: String,
    clinic_address: String,
    consultation_fee: String,
    is_available: Option<String>,
    admin: Option<String>,
) -> Result<(), AppError> {
    use super::service;
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let blank_as = |value: String, default: &str| {
        if value.trim().is_empty() {
            default.to_owned()
        } else {
            value
        }
    };
    let pairs = [
        ("name", name),
        ("email", email),
        ("phone_number", phone_number),
        ("specialization", specialization),
        ("qualification", qualification),
        ("experience_years", blank_as(experience_years, "0")),
        ("license_number", license_number),
        ("clinic_address", clinic_address),
        ("consultation_fee", blank_as(consultation_fee, "0")),
        (
            "is_available",
            is_available.map_or("false".to_owned(), |_| "true".to_owned()),
        ),
    ];
    let remembered: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let input = Input::from_pairs(pairs.clone());
    // From the admin site: saved as an administrative change.
    let admin = crate::admin::from_admin_site(admin.as_deref(), id)?;
    let save = async {
        match id {
            Some(id) if admin => {
                let proof = crate::accounts::admin::require_admin(&state.pool, &user).await?;
                let doctor = service::update_any(&state.pool, &proof, id, input).await?;
                Ok((doctor, "updated"))
            }
            Some(id) => Ok((
                service::update(&state.pool, user, id, input, false).await?,
                "updated",
            )),
            None => Ok((service::create(&state.pool, user, input).await?, "created")),
        }
    };
    let (doctor, notice) = crate::session::ssr::remembering(&remembered, save).await?;
    let home = if admin { "/admin/doctors" } else { "/doctors" };
    leptos_axum::redirect(&format!("{home}/{}?notice={notice}", doctor.id));
    Ok(())
}

/// Removes a doctor, then shows the directory.
#[server(prefix = "/rpc", endpoint = "delete_doctor")]
pub async fn delete_doctor(id: i64) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    super::service::delete(&state.pool, user, id).await?;
    leptos_axum::redirect("/doctors?notice=deleted");
    Ok(())
}
