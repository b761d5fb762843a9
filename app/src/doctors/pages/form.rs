//! `/doctors/new` and `/doctors/{id}/edit`: one form, which works with and without
//! JavaScript.

use crate::components::{
    ErrorPanel, Field, FormError, TextArea, action_error, field_errors, hydration_marker,
    posted_error, record_by_id,
};
use crate::doctors::rpc::{SaveDoctor, get_doctor};
use crate::doctors::{Doctor, DoctorView};
use crate::error::AppError;
use crate::session::{RequireUser, recall_form};
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeMap;

#[component]
pub fn NewDoctorPage() -> impl IntoView {
    view! {
        <Title text="Add doctor" />
        <RequireUser>
            <div class="page-heading">
                <h1>"Add doctor"</h1>
            </div>
            <DoctorForm doctor=None />
        </RequireUser>
    }
}

#[component]
pub fn EditDoctorPage() -> impl IntoView {
    let doctor = record_by_id(get_doctor, crate::doctors::not_found);
    view! {
        <Title text="Edit doctor" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doctor.await.and_then(DoctorView::changeable) {
                        Ok(d) => {
                            view! {
                                <div class="page-heading">
                                    <h1>{format!("Edit Dr. {}", d.name)}</h1>
                                </div>
                                <DoctorForm doctor=Some(d) />
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

/// The create and edit form, filled with the doctor (when editing) or with what was typed
/// before a failed plain post.
///
/// `admin`: the admin site's change form (it saves as the administrator and comes back
/// to the admin site).
#[component]
pub fn DoctorForm(doctor: Option<Doctor>, #[prop(optional)] admin: bool) -> impl IntoView {
    let error = posted_error::<SaveDoctor>();
    let remembered = Resource::new(|| (), |_| recall_form());
    view! {
        <section class="panel">
            <Suspense>
                {move || {
                    let (doctor, error) = (doctor.clone(), error.clone());
                    Suspend::new(async move {
                        let typed = remembered.await.unwrap_or_default();
                        let id = doctor.as_ref().map(|d| d.id);
                        // An unticked box is not posted: a recalled form without it was unticked.
                        let available = if typed.is_empty() {
                            doctor.as_ref().is_none_or(|d| d.is_available)
                        } else {
                            typed.get("is_available").is_some_and(|v| v == "true")
                        };
                        let mut values = doctor.map(doctor_values).unwrap_or_default();
                        values.extend(typed);
                        view! { <DoctorFormIsland id values available error admin /> }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// A stored doctor as the form's field values.
fn doctor_values(d: Doctor) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("name".to_owned(), d.name),
        ("email".to_owned(), d.email),
        ("phone_number".to_owned(), d.phone_number),
        ("specialization".to_owned(), d.specialization),
        ("qualification".to_owned(), d.qualification),
        (
            "experience_years".to_owned(),
            d.experience_years.to_string(),
        ),
        ("license_number".to_owned(), d.license_number),
        (
            "consultation_fee".to_owned(),
            crate::money::format(&d.consultation_fee),
        ),
        ("clinic_address".to_owned(), d.clinic_address),
    ])
}

/// The doctor form itself: a server-function call with JavaScript, a plain POST without.
#[island]
fn DoctorFormIsland(
    id: Option<i64>,
    values: BTreeMap<String, String>,
    available: bool,
    admin: bool,
    error: Option<AppError>,
) -> impl IntoView {
    let action = ServerAction::<SaveDoctor>::new();
    let error = action_error(action, error);
    let errors = field_errors(error);
    let value = move |key: &str| values.get(key).cloned().unwrap_or_default();
    let home = if admin { "/admin/doctors" } else { "/doctors" };
    let cancel = id.map_or(home.to_owned(), |id| format!("{home}/{id}"));
    view! {
        <div data-hydrated=hydration_marker()>
            <FormError error />
            <ActionForm action>
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                {admin.then(|| view! { <input type="hidden" name="admin" value="true" /> })}
                <div class="grid-2">
                    <Field label="Full name" name="name" value=value("name") required=true errors=errors("name") />
                    <Field label="Email" name="email" kind="email" value=value("email") required=true errors=errors("email") />
                    <Field
                        label="Phone number"
                        name="phone_number"
                        kind="tel"
                        value=value("phone_number")
                        hint="International form, e.g. +1122334455"
                        errors=errors("phone_number")
                    />
                    <Field
                        label="Specialization"
                        name="specialization"
                        value=value("specialization")
                        required=true
                        errors=errors("specialization")
                    />
                    <Field label="Qualification" name="qualification" value=value("qualification") errors=errors("qualification") />
                    <Field
                        label="Years of experience"
                        name="experience_years"
                        kind="number"
                        value=value("experience_years")
                        errors=errors("experience_years")
                    />
                    <Field
                        label="License number"
                        name="license_number"
                        value=value("license_number")
                        required=true
                        errors=errors("license_number")
                    />
                    <Field
                        label="Consultation fee"
                        name="consultation_fee"
                        value=value("consultation_fee")
                        hint="For example 150.00"
                        errors=errors("consultation_fee")
                    />
                </div>
                <TextArea label="Clinic address" name="clinic_address" value=value("clinic_address") rows=2 errors=errors("clinic_address") />
                <div class="field checkbox">
                    <input id="field-is_available" type="checkbox" name="is_available" value="true" checked=available />
                    <label for="field-is_available">"Available for new patients"</label>
                </div>
                <div class="actions">
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        "Save doctor"
                    </button>
                    <a class="button button-secondary" href=cancel>"Cancel"</a>
                </div>
            </ActionForm>
        </div>
    }
}
