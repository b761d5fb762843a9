//! The doctors directory: list with search and filters, create, detail, and edit and
//! delete for the doctor's creator.

// The save server functions take one argument per form field, so that a plain HTML
// form posts to them directly (the form's field names are the argument names).
#![allow(clippy::too_many_arguments)]

use crate::components::{
    ErrorPanel, Field, FormError, Notice, Pagination, RequireUser, Select, TextArea, action_error,
    field_errors, hydration_marker, posted_error, query_as_map,
};
use crate::error::AppError;
use crate::models::{Doctor, DoctorListItem, Page};
use crate::session::recall_form;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

#[server(prefix = "/rpc", endpoint = "list_doctors", input = leptos::server_fn::codec::Json)]
pub async fn list_doctors(
    query: BTreeMap<String, String>,
) -> Result<Page<DoctorListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::services::doctors::list(&state.pool, user, &query).await
}

/// A doctor, and whether the signed-in user may change it (they created it).
#[server(prefix = "/rpc", endpoint = "get_doctor")]
pub async fn get_doctor(id: i64) -> Result<(Doctor, bool), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let doctor = crate::services::doctors::get(&state.pool, user, id).await?;
    let mine = doctor.created_by == Some(user.id);
    Ok((doctor, mine))
}

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
) -> Result<(), AppError> {
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
    let save = async {
        match id {
            Some(id) => Ok((
                crate::services::doctors::update(&state.pool, user, id, input, false).await?,
                "updated",
            )),
            None => Ok((
                crate::services::doctors::create(&state.pool, user, input).await?,
                "created",
            )),
        }
    };
    let (doctor, notice) = crate::session::ssr::remembering(&remembered, save).await?;
    leptos_axum::redirect(&format!("/doctors/{}?notice={notice}", doctor.id));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "delete_doctor")]
pub async fn delete_doctor(id: i64) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::services::doctors::delete(&state.pool, user, id).await?;
    leptos_axum::redirect("/doctors?notice=deleted");
    Ok(())
}

fn doctor_id() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .get()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
    })
}

fn load_doctor(id: Memo<Option<i64>>) -> Resource<Result<(Doctor, bool), AppError>> {
    Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_doctor(id).await,
                None => Err(AppError::NotFound("Doctor not found.".into())),
            }
        },
    )
}

fn money(value: &rust_decimal::Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

#[component]
pub fn DoctorsPage() -> impl IntoView {
    view! {
        <Title text="Doctors" />
        <RequireUser>
            <DoctorList />
        </RequireUser>
    }
}

#[component]
fn DoctorList() -> impl IntoView {
    let query = use_query_map();
    let doctors = Resource::new(move || query_as_map(&query.get()), list_doctors);
    let current = move |key: &str| query.get_untracked().get(key).unwrap_or_default();
    let availability = vec![
        (String::new(), "Any".to_owned()),
        ("true".to_owned(), "Available".to_owned()),
        ("false".to_owned(), "Unavailable".to_owned()),
    ];
    let orderings = [
        ("name", "Name A–Z"),
        ("-name", "Name Z–A"),
        ("-experience_years", "Most experienced"),
        ("consultation_fee", "Lowest fee"),
        ("-consultation_fee", "Highest fee"),
    ]
    .iter()
    .map(|(v, t)| (v.to_string(), t.to_string()))
    .collect::<Vec<_>>();
    view! {
        <div class="page-heading">
            <h1>"Doctors"</h1>
            <a class="button" href="/doctors/new">"Add doctor"</a>
        </div>
        <Notice />
        <form class="panel filters" method="get" action="/doctors" role="search">
            <Field label="Search" name="search" kind="search" value=current("search") errors=Signal::stored(vec![]) />
            <Field label="Specialization" name="specialization" value=current("specialization") errors=Signal::stored(vec![]) />
            <Select
                label="Availability"
                name="is_available"
                options=availability
                selected=current("is_available")
                errors=Signal::stored(vec![])
            />
            <Select label="Order" name="ordering" options=orderings selected=current("ordering") errors=Signal::stored(vec![]) />
            <button type="submit" class="button button-secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match doctors.await {
                    Ok(page) if page.items.is_empty() => {
                        view! {
                            <section class="panel empty">
                                <p>"No doctors match. " <a href="/doctors/new">"Add a doctor"</a></p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(page) => {
                        let rows = page
                            .items
                            .iter()
                            .map(|d| {
                                view! {
                                    <tr>
                                        <td><a href=format!("/doctors/{}", d.id)>{format!("Dr. {}", d.name)}</a></td>
                                        <td>{d.specialization.clone()}</td>
                                        <td class="num">{d.experience_years}</td>
                                        <td class="num">{money(&d.consultation_fee)}</td>
                                        <td>{if d.is_available { "Available" } else { "Unavailable" }}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <section class="panel">
                                <div class="table-wrap">
                                    <table>
                                        <caption class="visually-hidden">"Doctors directory"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Name"</th>
                                                <th scope="col">"Specialization"</th>
                                                <th scope="col" class="num">"Years"</th>
                                                <th scope="col" class="num">"Fee"</th>
                                                <th scope="col">"Availability"</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pagination page noun="doctors" />
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
    let doctor = load_doctor(doctor_id());
    view! {
        <Title text="Edit doctor" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doctor.await {
                        Ok((d, true)) => {
                            view! {
                                <div class="page-heading">
                                    <h1>{format!("Edit Dr. {}", d.name)}</h1>
                                </div>
                                <DoctorForm doctor=Some(d) />
                            }
                                .into_any()
                        }
                        Ok(_) => {
                            let error = AppError::Forbidden("Only the person who added this doctor can change it.".into());
                            view! { <ErrorPanel error /> }.into_any()
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
#[component]
fn DoctorForm(doctor: Option<Doctor>) -> impl IntoView {
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
                        view! { <DoctorFormIsland id values available error /> }
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
        ("consultation_fee".to_owned(), money(&d.consultation_fee)),
        ("clinic_address".to_owned(), d.clinic_address),
    ])
}

/// The doctor form itself: a server-function call with JavaScript, a plain POST without.
#[island]
fn DoctorFormIsland(
    id: Option<i64>,
    values: BTreeMap<String, String>,
    available: bool,
    error: Option<AppError>,
) -> impl IntoView {
    let action = ServerAction::<SaveDoctor>::new();
    let error = action_error(action, error);
    let errors = field_errors(error);
    let value = move |key: &str| values.get(key).cloned().unwrap_or_default();
    let cancel = id.map_or("/doctors".to_owned(), |id| format!("/doctors/{id}"));
    view! {
        <div data-hydrated=hydration_marker()>
            <FormError error />
            <ActionForm action>
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
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

#[component]
pub fn DoctorPage() -> impl IntoView {
    let doctor = load_doctor(doctor_id());
    view! {
        <Title text="Doctor" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doctor.await {
                        Ok((d, mine)) => view! { <DoctorView doctor=d mine /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn DoctorView(doctor: Doctor, mine: bool) -> impl IntoView {
    let id = doctor.id;
    let or_dash = |s: String| if s.is_empty() { "—".to_owned() } else { s };
    view! {
        <Title text=format!("Dr. {}", doctor.name) />
        <div class="page-heading">
            <h1>{format!("Dr. {}", doctor.name)}</h1>
            {mine.then(|| view! {
                <div class="actions">
                    <a class="button button-secondary" href=format!("/doctors/{id}/edit")>"Edit"</a>
                    <a class="button button-danger" href=format!("/doctors/{id}/delete")>"Delete"</a>
                </div>
            })}
        </div>
        <Notice />
        <section class="panel">
            <dl class="details">
                <dt>"Specialization"</dt>
                <dd>{doctor.specialization}</dd>
                <dt>"Qualification"</dt>
                <dd>{or_dash(doctor.qualification)}</dd>
                <dt>"Experience"</dt>
                <dd>{format!("{} years", doctor.experience_years)}</dd>
                <dt>"Email"</dt>
                <dd>{doctor.email}</dd>
                <dt>"Phone"</dt>
                <dd>{or_dash(doctor.phone_number)}</dd>
                <dt>"License number"</dt>
                <dd>{doctor.license_number}</dd>
                <dt>"Clinic address"</dt>
                <dd class="prewrap">{or_dash(doctor.clinic_address)}</dd>
                <dt>"Consultation fee"</dt>
                <dd>{money(&doctor.consultation_fee)}</dd>
                <dt>"Availability"</dt>
                <dd>{if doctor.is_available { "Available for new patients" } else { "Not available" }}</dd>
            </dl>
        </section>
        <p><a href="/doctors">"← All doctors"</a></p>
    }
}

#[component]
pub fn DeleteDoctorPage() -> impl IntoView {
    let doctor = load_doctor(doctor_id());
    let action = ServerAction::<DeleteDoctor>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Delete doctor" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doctor.await {
                        Ok((d, true)) => {
                            view! {
                                <section class="panel narrow">
                                    <h1>{format!("Delete Dr. {}?", d.name)}</h1>
                                    <FormError error />
                                    <p>"This removes the doctor from the directory and from every patient they are assigned to. It cannot be undone."</p>
                                    <ActionForm action>
                                        <input type="hidden" name="id" value=d.id />
                                        <div class="actions">
                                            <button type="submit" class="button button-danger">"Delete doctor"</button>
                                            <a class="button button-secondary" href=format!("/doctors/{}", d.id)>"Cancel"</a>
                                        </div>
                                    </ActionForm>
                                </section>
                            }
                                .into_any()
                        }
                        Ok(_) => {
                            let error = AppError::Forbidden("Only the person who added this doctor can delete it.".into());
                            view! { <ErrorPanel error /> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}
