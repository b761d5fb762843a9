//! `/patients`: search, blood-group filter, ordering and pages.

use super::blood_group_options;
use crate::components::{Column, Field, ListTable, Notice, Noun, Select, query_as_map, when};
use crate::error::AppError;
use crate::listing::Page;
use crate::patients::rpc::list_patients;
use crate::patients::{PATIENT_SORTS, PatientListItem};
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Email"),
    Column::text("Phone"),
    Column::text("Blood group"),
    Column::text("Added"),
];

#[component]
pub fn PatientsPage() -> impl IntoView {
    // Made here, once per page (see `RequireUser`).
    let query = use_query_map();
    let patients = Resource::new(move || query_as_map(&query.get()), list_patients);
    view! {
        <Title text="Patients" />
        <RequireUser>
            <PatientList patients />
        </RequireUser>
    }
}

#[component]
fn PatientList(patients: Resource<Result<Page<PatientListItem>, AppError>>) -> impl IntoView {
    let query = use_query_map();
    let current = move |key: &str| query.get_untracked().get(key).unwrap_or_default();
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
            <Select label="Order" name="ordering" options=PATIENT_SORTS.menu() selected=current("ordering") errors=Signal::stored(vec![]) />
            <button type="submit" class="button button-secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! {
                    <ListTable
                        result=patients.await
                        caption="Your patients"
                        noun=Noun::new("patient", "patients")
                        columns=COLUMNS
                        row=|p| {
                            view! {
                                <tr>
                                    <td><a href=format!("/patients/{}", p.id)>{p.name.clone()}</a></td>
                                    <td>{p.email.clone()}</td>
                                    <td>{p.phone_number.clone()}</td>
                                    <td>{p.blood_group.clone()}</td>
                                    <td>{when(&p.created_at)}</td>
                                </tr>
                            }
                        }
                        empty=|| view! { <p>"No patients match. " <a href="/patients/new">"Add a patient"</a></p> }.into_any()
                    />
                }
            })}
        </Transition>
    }
}
