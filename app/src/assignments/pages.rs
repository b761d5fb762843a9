//! The assignments' pages: the list of the signed-in user's assignments, and the doctors
//! section of a patient's page (unassign, and the assign form).

use super::rpc::{AssignDoctor, UnassignDoctor, doctors_of_patient, list_assignments};
use super::{MappingListItem, PatientDoctors};
use crate::components::{
    Column, ErrorPanel, Field, FormError, ListTable, Noun, Select, action_error, count_of,
    field_errors, hydration_marker, posted_error, query_as_map, record_by_id, when,
};
use crate::doctors::rpc::doctor_choices;
use crate::error::AppError;
use crate::listing::Page;
use crate::session::{RequireUser, recall_form};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

const COLUMNS: &[Column] = &[
    Column::text("Patient"),
    Column::text("Doctor"),
    Column::text("Specialization"),
    Column::text("Assigned"),
    Column::text("Notes"),
    Column::text("Status"),
];

/// Doctor assignments, counted.
const ASSIGNMENTS: Noun = Noun::new("doctor assignment", "doctor assignments");

#[component]
pub fn AssignmentsPage() -> impl IntoView {
    // Made here, once per page (see `RequireUser`).
    let query = use_query_map();
    let mappings = Resource::new(move || query_as_map(&query.get()), list_assignments);
    view! {
        <Title text="Assignments" />
        <RequireUser>
            <AssignmentList mappings />
        </RequireUser>
    }
}

#[component]
fn AssignmentList(mappings: Resource<Result<Page<MappingListItem>, AppError>>) -> impl IntoView {
    view! {
        <div class="page-heading">
            <h1>"Assignments"</h1>
        </div>
        <p class="muted">"Which doctor looks after which of your patients. Assign doctors from a patient's page."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! {
                    <ListTable
                        result=mappings.await
                        caption="Your assignments"
                        noun=Noun::new("assignment", "assignments")
                        columns=COLUMNS
                        row=|m| {
                            view! {
                                <tr>
                                    <td><a href=format!("/patients/{}", m.patient)>{m.patient_name.clone()}</a></td>
                                    <td><a href=format!("/doctors/{}", m.doctor)>{format!("Dr. {}", m.doctor_name)}</a></td>
                                    <td>{m.doctor_specialization.clone()}</td>
                                    <td>{when(&m.assigned_date)}</td>
                                    <td class="notes">{m.notes.clone()}</td>
                                    <td>{if m.is_active { "Active" } else { "Inactive" }}</td>
                                </tr>
                            }
                        }
                        empty=|| {
                            view! {
                                <p>"No assignments yet. Open a " <a href="/patients">"patient"</a> " to assign a doctor."</p>
                            }
                                .into_any()
                        }
                    />
                }
            })}
        </Transition>
    }
}

/// The doctors of the patient the address names (`/patients/{id}`), loading. Made by the
/// page, once (see `RequireUser`), for [`PatientDoctorsSection`] or [`AssignmentsRemoved`].
pub fn patient_doctors() -> Resource<Result<PatientDoctors, AppError>> {
    record_by_id(doctors_of_patient, crate::patients::not_found)
}

/// The doctors of the patient, each with an Unassign button, and the form to assign
/// another. Shown on the patient's page.
#[component]
pub fn PatientDoctorsSection(doctors: Resource<Result<PatientDoctors, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading doctors…"</p> }>
            {move || Suspend::new(async move {
                match doctors.await {
                    Ok(doctors) => view! { <DoctorsOfPatient doctors /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "removes 2 doctor assignments": what deleting the patient the address names takes
/// with it. Shown on the patient's delete confirmation.
#[component]
pub fn AssignmentsRemoved(doctors: Resource<Result<PatientDoctors, AppError>>) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match doctors.await {
                    Ok(d) if d.total_doctors == 0 => "touches nothing else: no doctor is assigned".to_owned(),
                    Ok(d) => format!("removes {}", count_of(d.total_doctors, ASSIGNMENTS)),
                    // Not a guess at the number: the patient's part of the page says what failed.
                    Err(_) => "removes every doctor assignment of the patient".to_owned(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DoctorsOfPatient(doctors: PatientDoctors) -> impl IntoView {
    // Unassigning is a plain form: the page reloads with the patient's doctors anyway.
    let unassign = ServerAction::<UnassignDoctor>::new();
    let unassign_error = posted_error::<UnassignDoctor>();
    let assign_error = posted_error::<AssignDoctor>();
    let choices = Resource::new(|| (), |_| doctor_choices());
    let remembered = Resource::new(|| (), |_| recall_form());
    let patient_id = doctors.patient_id;
    let assigned: Vec<i64> = doctors.doctors.iter().map(|d| d.id).collect();
    view! {
        <section class="panel" aria-labelledby="doctors-heading">
            <h2 id="doctors-heading">{format!("Doctors ({})", doctors.total_doctors)}</h2>
            <FormError error=Signal::stored(unassign_error) />
            {if doctors.doctors.is_empty() {
                view! { <p>"No doctor is assigned to this patient yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="doctor-list">
                        {doctors
                            .doctors
                            .into_iter()
                            .map(|d| {
                                let label = format!("Unassign Dr. {}", d.name);
                                view! {
                                    <li>
                                        <div>
                                            <a href=format!("/doctors/{}", d.id)>{format!("Dr. {}", d.name)}</a>
                                            <span class="muted">{format!(" · {}", d.specialization)}</span>
                                            {(!d.notes.is_empty()).then(|| view! { <p class="notes">{d.notes.clone()}</p> })}
                                        </div>
                                        <ActionForm action=unassign>
                                            <input type="hidden" name="mapping" value=d.mapping_id />
                                            <input type="hidden" name="patient" value=patient_id />
                                            <button type="submit" class="button button-small button-secondary" aria-label=label>
                                                "Unassign"
                                            </button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <h3>"Assign a doctor"</h3>
            <Suspense fallback=|| view! { <p class="loading">"Loading doctors…"</p> }>
                {move || {
                    let (assigned, error) = (assigned.clone(), assign_error.clone());
                    Suspend::new(async move {
                        let values = remembered.await.unwrap_or_default();
                        let options: Vec<(String, String)> = choices
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|d| !assigned.contains(&d.id))
                            .map(|d| {
                                let availability = if d.is_available { "" } else { " (unavailable)" };
                                (d.id.to_string(), format!("Dr. {} — {}{}", d.name, d.specialization, availability))
                            })
                            .collect();
                        if options.is_empty() {
                            view! {
                                <p>"There are no more doctors to assign. " <a href="/doctors/new">"Add a doctor"</a></p>
                            }
                                .into_any()
                        } else {
                            view! { <AssignDoctorForm patient=patient_id options values error /> }.into_any()
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// Assigns one of `options` (doctor id, label) to the patient.
#[island]
fn AssignDoctorForm(
    patient: i64,
    options: Vec<(String, String)>,
    values: BTreeMap<String, String>,
    error: Option<AppError>,
) -> impl IntoView {
    let assign = ServerAction::<AssignDoctor>::new();
    let error = action_error(assign, error);
    let errors = field_errors(error);
    let value = move |key: &str| values.get(key).cloned().unwrap_or_default();
    let options = std::iter::once((String::new(), "Choose a doctor".to_owned()))
        .chain(options)
        .collect::<Vec<_>>();
    view! {
        <div data-hydrated=hydration_marker()>
            <FormError error />
            <ActionForm action=assign>
                <input type="hidden" name="patient" value=patient />
                <div class="grid-2">
                    <Select label="Doctor" name="doctor" options selected=value("doctor") required=true errors=errors("doctor") />
                    <Field label="Notes" name="notes" value=value("notes") errors=errors("notes") />
                </div>
                <button type="submit" class="button" disabled=move || assign.pending().get()>
                    "Assign doctor"
                </button>
            </ActionForm>
        </div>
    }
}
