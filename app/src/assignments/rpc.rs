//! The assignments' server functions: the staff web app's door onto [`super::service`].

use super::{MappingListItem, PatientDoctors};
use crate::error::AppError;
use crate::listing::{Page, QueryPairs};
use leptos::prelude::*;

/// A page of the assignments of the signed-in user's patients; `query` is the page's
/// address query.
#[server(prefix = "/rpc", endpoint = "list_assignments", input = leptos::server_fn::codec::Json)]
pub async fn list_assignments(query: QueryPairs) -> Result<Page<MappingListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = <super::service::MappingQuery as crate::listing::ListQuery>::parse(&query)?;
    super::service::list(&state.pool, user, &query).await
}

/// The doctors of one of the signed-in user's patients (the first 100).
#[server(prefix = "/rpc", endpoint = "doctors_of_patient")]
pub async fn doctors_of_patient(patient: i64) -> Result<PatientDoctors, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = super::service::DoctorsOfPatientQuery::first(crate::listing::MAX_PAGE_SIZE);
    super::service::doctors_of_patient(&state.pool, user, patient, &query).await
}

/// Assigns a doctor to one of the signed-in user's patients, then shows the patient.
#[server(prefix = "/rpc", endpoint = "assign_doctor")]
pub async fn assign_doctor(patient: i64, doctor: String, notes: String) -> Result<(), AppError> {
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let remembered = [("doctor", doctor.as_str()), ("notes", notes.as_str())];
    let input = Input::from_pairs([
        ("patient", patient.to_string()),
        ("doctor", doctor.clone()),
        ("notes", notes.clone()),
    ]);
    crate::session::ssr::remembering(
        &remembered,
        super::service::create(&state.pool, user, input),
    )
    .await?;
    leptos_axum::redirect(&format!("/patients/{patient}?notice=assigned"));
    Ok(())
}

/// Removes an assignment, then shows the patient again.
#[server(prefix = "/rpc", endpoint = "unassign_doctor")]
pub async fn unassign_doctor(mapping: i64, patient: i64) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    super::service::delete(&state.pool, user, mapping).await?;
    leptos_axum::redirect(&format!("/patients/{patient}?notice=unassigned"));
    Ok(())
}
