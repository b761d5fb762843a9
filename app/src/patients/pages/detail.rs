//! `/patients/{id}`: a patient's record, followed by what other domains show about the
//! patient (the app puts the assigned doctors there).

use crate::components::{ErrorPanel, Notice, record_by_id, when};
use crate::error::AppError;
use crate::patients::Patient;
use crate::patients::rpc::get_patient;
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;

/// `children`: shown below the record, above the way back to the list.
#[component]
pub fn PatientPage(children: ChildrenFn) -> impl IntoView {
    // Made here, once per page: what `RequireUser` shows may be built more than once while
    // the server renders, and a resource made there would load (and be recorded in the
    // audit trail) each time.
    let patient = record_by_id(get_patient, crate::patients::not_found);
    view! {
        <Title text="Patient" />
        <RequireUser>
            <PatientDetail patient children=children.clone() />
        </RequireUser>
    }
}

#[component]
fn PatientDetail(
    patient: Resource<Result<Patient, AppError>>,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match patient.await {
                        Ok(patient) => view! { <PatientView patient children /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PatientView(patient: Patient, children: ChildrenFn) -> impl IntoView {
    let patient_id = patient.id;
    let or_dash = |s: String| if s.is_empty() { "—".to_owned() } else { s };
    view! {
        <Title text=patient.name.clone() />
        <div class="page-heading">
            <h1>{patient.name.clone()}</h1>
            <div class="actions">
                <a class="button button-secondary" href=format!("/patients/{patient_id}/edit")>"Edit"</a>
                <a class="button button-danger" href=format!("/patients/{patient_id}/delete")>"Delete"</a>
            </div>
        </div>
        <Notice />
        <section class="panel">
            <h2>"Details"</h2>
            <dl class="details">
                <dt>"Email"</dt>
                <dd>{or_dash(patient.email)}</dd>
                <dt>"Phone"</dt>
                <dd>{or_dash(patient.phone_number)}</dd>
                <dt>"Date of birth"</dt>
                <dd>{or_dash(patient.date_of_birth.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default())}</dd>
                <dt>"Blood group"</dt>
                <dd>{or_dash(patient.blood_group)}</dd>
                <dt>"Address"</dt>
                <dd class="prewrap">{or_dash(patient.address)}</dd>
                <dt>"Medical history"</dt>
                <dd class="prewrap">{or_dash(patient.medical_history)}</dd>
                <dt>"Added"</dt>
                <dd>{format!("{} by {}", when(&patient.created_at), patient.created_by_details.name)}</dd>
            </dl>
        </section>
        {children()}
        <p><a href="/patients">"← All patients"</a></p>
    }
}
