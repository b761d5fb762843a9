//! `/patients/new` and `/patients/{id}/edit`: one form, which works with and without
//! JavaScript.

use super::blood_group_options;
use crate::components::{
    ErrorPanel, Field, FormError, Select, TextArea, action_error, field_errors, hydration_marker,
    posted_error, record_by_id,
};
use crate::error::AppError;
use crate::patients::Patient;
use crate::patients::rpc::{SavePatient, get_patient};
use crate::session::{RequireUser, recall_form};
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeMap;

#[component]
pub fn NewPatientPage() -> impl IntoView {
    view! {
        <Title text="Add patient" />
        <RequireUser>
            <div class="page-heading">
                <h1>"Add patient"</h1>
            </div>
            <PatientForm patient=None />
        </RequireUser>
    }
}

#[component]
pub fn EditPatientPage() -> impl IntoView {
    let patient = record_by_id(get_patient, crate::patients::not_found);
    view! {
        <Title text="Edit patient" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match patient.await {
                        Ok(p) => {
                            view! {
                                <div class="page-heading">
                                    <h1>{format!("Edit {}", p.name)}</h1>
                                </div>
                                <PatientForm patient=Some(p) />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

/// The create and edit form, filled with the patient (when editing) or with what was typed
/// before a failed plain post.
///
/// `admin`: the admin site's change form (it saves as the administrator and comes back
/// to the admin site).
#[component]
pub fn PatientForm(patient: Option<Patient>, #[prop(optional)] admin: bool) -> impl IntoView {
    let error = posted_error::<SavePatient>();
    let remembered = Resource::new(|| (), |_| recall_form());
    view! {
        <section class="panel">
            <Suspense>
                {move || {
                    let (patient, error) = (patient.clone(), error.clone());
                    Suspend::new(async move {
                        let typed = remembered.await.unwrap_or_default();
                        let id = patient.as_ref().map(|p| p.id);
                        let mut values = patient.map(patient_values).unwrap_or_default();
                        values.extend(typed);
                        view! { <PatientFormIsland id values error admin /> }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// A stored patient as the form's field values.
fn patient_values(p: Patient) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("name".to_owned(), p.name),
        ("email".to_owned(), p.email),
        ("phone_number".to_owned(), p.phone_number),
        ("address".to_owned(), p.address),
        (
            "date_of_birth".to_owned(),
            p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("blood_group".to_owned(), p.blood_group),
        ("medical_history".to_owned(), p.medical_history),
    ])
}

/// The patient form itself: a server-function call with JavaScript, a plain POST without.
#[island]
fn PatientFormIsland(
    id: Option<i64>,
    values: BTreeMap<String, String>,
    error: Option<AppError>,
    admin: bool,
) -> impl IntoView {
    let action = ServerAction::<SavePatient>::new();
    let error = action_error(action, error);
    let errors = field_errors(error);
    let value = move |key: &str| values.get(key).cloned().unwrap_or_default();
    let home = if admin {
        "/admin/patients"
    } else {
        "/patients"
    };
    let cancel = id.map_or(home.to_owned(), |id| format!("{home}/{id}"));
    view! {
        <div data-hydrated=hydration_marker()>
            <FormError error />
            <ActionForm action>
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                {admin.then(|| view! { <input type="hidden" name="admin" value="true" /> })}
                <div class="grid-2">
                    <Field label="Full name" name="name" value=value("name") required=true errors=errors("name") />
                    <Field label="Email" name="email" kind="email" value=value("email") errors=errors("email") />
                    <Field
                        label="Phone number"
                        name="phone_number"
                        kind="tel"
                        value=value("phone_number")
                        hint="International form, e.g. +1234567890"
                        errors=errors("phone_number")
                    />
                    <Field
                        label="Date of birth"
                        name="date_of_birth"
                        kind="date"
                        value=value("date_of_birth")
                        errors=errors("date_of_birth")
                    />
                    <Select
                        label="Blood group"
                        name="blood_group"
                        options=blood_group_options("Unknown")
                        selected=value("blood_group")
                        errors=errors("blood_group")
                    />
                </div>
                <TextArea label="Address" name="address" value=value("address") rows=2 errors=errors("address") />
                <TextArea label="Medical history" name="medical_history" value=value("medical_history") rows=5 errors=errors("medical_history") />
                <div class="actions">
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        "Save patient"
                    </button>
                    <a class="button button-secondary" href=cancel>"Cancel"</a>
                </div>
            </ActionForm>
        </div>
    }
}
