//! Patients: the list with search, filter, ordering and pages; create; detail with the
//! assigned doctors; edit; delete with confirmation.

// The save server functions take one argument per form field, so that a plain HTML
// form posts to them directly (the form's field names are the argument names).
#![allow(clippy::too_many_arguments)]

use crate::components::{
    ErrorPanel, Field, FormError, Notice, Pagination, RequireUser, Select, TextArea, action_error,
    field_errors, hydration_marker, posted_error, query_as_map, when,
};
use crate::error::AppError;
use crate::models::{BLOOD_GROUPS, DoctorListItem, Page, Patient, PatientDoctors, PatientListItem};
use crate::session::recall_form;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

#[server(prefix = "/rpc", endpoint = "list_patients", input = leptos::server_fn::codec::Json)]
pub async fn list_patients(
    query: BTreeMap<String, String>,
) -> Result<Page<PatientListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::services::patients::list(&state.pool, user, &query).await
}

#[server(prefix = "/rpc", endpoint = "get_patient")]
pub async fn get_patient(id: i64) -> Result<(Patient, PatientDoctors), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let patient = crate::services::patients::get(&state.pool, user, id).await?;
    let query = BTreeMap::from([("page_size".to_owned(), "100".to_owned())]);
    let doctors =
        crate::services::mappings::doctors_of_patient(&state.pool, user, id, &query).await?;
    Ok((patient, doctors))
}

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
) -> Result<(), AppError> {
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
    let save = async {
        match id {
            Some(id) => Ok((
                crate::services::patients::update(&state.pool, user, id, input, false).await?,
                "updated",
            )),
            None => Ok((
                crate::services::patients::create(&state.pool, user, input).await?,
                "created",
            )),
        }
    };
    let (patient, notice) = crate::session::ssr::remembering(&remembered, save).await?;
    leptos_axum::redirect(&format!("/patients/{}?notice={notice}", patient.id));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "delete_patient")]
pub async fn delete_patient(id: i64) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::services::patients::delete(&state.pool, user, id).await?;
    leptos_axum::redirect("/patients?notice=deleted");
    Ok(())
}

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
        crate::services::mappings::create(&state.pool, user, input),
    )
    .await?;
    leptos_axum::redirect(&format!("/patients/{patient}?notice=assigned"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "unassign_doctor")]
pub async fn unassign_doctor(mapping: i64, patient: i64) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::services::mappings::delete(&state.pool, user, mapping).await?;
    leptos_axum::redirect(&format!("/patients/{patient}?notice=unassigned"));
    Ok(())
}

/// Every doctor a patient could be assigned (the first 100 by name).
#[server(prefix = "/rpc", endpoint = "doctor_choices")]
pub async fn doctor_choices() -> Result<Vec<DoctorListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let query = BTreeMap::from([("page_size".to_owned(), "100".to_owned())]);
    Ok(crate::services::doctors::list(&state.pool, user, &query)
        .await?
        .items)
}

fn blood_group_options(empty: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), empty.to_owned()))
        .chain(BLOOD_GROUPS.iter().map(|g| (g.to_string(), g.to_string())))
        .collect()
}

fn patient_id() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .get()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
    })
}

#[component]
pub fn PatientsPage() -> impl IntoView {
    view! {
        <Title text="Patients" />
        <RequireUser>
            <PatientList />
        </RequireUser>
    }
}

#[component]
fn PatientList() -> impl IntoView {
    let query = use_query_map();
    let patients = Resource::new(move || query_as_map(&query.get()), list_patients);
    let current = move |key: &str| query.get_untracked().get(key).unwrap_or_default();
    let orderings = [
        ("-created_at", "Newest first"),
        ("created_at", "Oldest first"),
        ("name", "Name A–Z"),
        ("-name", "Name Z–A"),
        ("date_of_birth", "Date of birth, oldest first"),
        ("-date_of_birth", "Date of birth, youngest first"),
    ]
    .iter()
    .map(|(v, t)| (v.to_string(), t.to_string()))
    .collect::<Vec<_>>();
    view! {
        <div class="page-heading">
            <h1>"Patients"</h1>
            <a class="button" href="/patients/new">"Add patient"</a>
        </div>
        <Notice />
        <form class="panel filters" method="get" action="/patients" role="search">
            <Field label="Search" name="search" kind="search" value=current("search") errors=Signal::stored(vec![]) />
            <Select
                label="Blood group"
                name="blood_group"
                options=blood_group_options("Any")
                selected=current("blood_group")
                errors=Signal::stored(vec![])
            />
            <Select label="Order" name="ordering" options=orderings selected=current("ordering") errors=Signal::stored(vec![]) />
            <button type="submit" class="button button-secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match patients.await {
                    Ok(page) if page.items.is_empty() => {
                        view! {
                            <section class="panel empty">
                                <p>"No patients match. " <a href="/patients/new">"Add a patient"</a></p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(page) => {
                        let rows = page
                            .items
                            .iter()
                            .map(|p| {
                                let href = format!("/patients/{}", p.id);
                                view! {
                                    <tr>
                                        <td><a href=href>{p.name.clone()}</a></td>
                                        <td>{p.email.clone()}</td>
                                        <td>{p.phone_number.clone()}</td>
                                        <td>{p.blood_group.clone()}</td>
                                        <td>{when(&p.created_at)}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <section class="panel">
                                <div class="table-wrap">
                                    <table>
                                        <caption class="visually-hidden">"Your patients"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Name"</th>
                                                <th scope="col">"Email"</th>
                                                <th scope="col">"Phone"</th>
                                                <th scope="col">"Blood group"</th>
                                                <th scope="col">"Added"</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pagination page noun="patients" />
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

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
    let id = patient_id();
    let patient = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_patient(id).await.map(|(p, _)| p),
                None => Err(AppError::NotFound("Patient not found.".into())),
            }
        },
    );
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
#[component]
fn PatientForm(patient: Option<Patient>) -> impl IntoView {
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
                        view! { <PatientFormIsland id values error /> }
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
) -> impl IntoView {
    let action = ServerAction::<SavePatient>::new();
    let error = action_error(action, error);
    let errors = field_errors(error);
    let value = move |key: &str| values.get(key).cloned().unwrap_or_default();
    let cancel = id.map_or("/patients".to_owned(), |id| format!("/patients/{id}"));
    view! {
        <div data-hydrated=hydration_marker()>
            <FormError error />
            <ActionForm action>
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
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

#[component]
pub fn PatientPage() -> impl IntoView {
    view! {
        <Title text="Patient" />
        <RequireUser>
            <PatientDetail />
        </RequireUser>
    }
}

#[component]
fn PatientDetail() -> impl IntoView {
    let id = patient_id();
    let data = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_patient(id).await,
                None => Err(AppError::NotFound("Patient not found.".into())),
            }
        },
    );
    let choices = Resource::new(|| (), |_| doctor_choices());
    let remembered = Resource::new(|| (), |_| recall_form());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((patient, doctors)) => {
                        view! { <PatientView patient doctors choices remembered /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PatientView(
    patient: Patient,
    doctors: PatientDoctors,
    choices: Resource<Result<Vec<DoctorListItem>, AppError>>,
    remembered: Resource<Result<BTreeMap<String, String>, AppError>>,
) -> impl IntoView {
    // Unassigning is a plain form: the page reloads with the patient's doctors anyway.
    let unassign = ServerAction::<UnassignDoctor>::new();
    let unassign_error = posted_error::<UnassignDoctor>();
    let assign_error = posted_error::<AssignDoctor>();
    let patient_id = patient.id;
    let assigned: Vec<i64> = doctors.doctors.iter().map(|d| d.id).collect();
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
        <p><a href="/patients">"← All patients"</a></p>
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

#[component]
pub fn DeletePatientPage() -> impl IntoView {
    let id = patient_id();
    let patient = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_patient(id).await,
                None => Err(AppError::NotFound("Patient not found.".into())),
            }
        },
    );
    let action = ServerAction::<DeletePatient>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Delete patient" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match patient.await {
                        Ok((p, doctors)) => {
                            view! {
                                <section class="panel narrow">
                                    <h1>{format!("Delete {}?", p.name)}</h1>
                                    <FormError error />
                                    <p>
                                        {format!(
                                            "This permanently deletes the record of {} and removes {} doctor assignment(s). It cannot be undone.",
                                            p.name,
                                            doctors.total_doctors,
                                        )}
                                    </p>
                                    <ActionForm action>
                                        <input type="hidden" name="id" value=p.id />
                                        <div class="actions">
                                            <button type="submit" class="button button-danger">"Delete patient"</button>
                                            <a class="button button-secondary" href=format!("/patients/{}", p.id)>"Cancel"</a>
                                        </div>
                                    </ActionForm>
                                </section>
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
