//! `/doctors`: the directory, with search, specialization and availability filters,
//! ordering and pages.

use crate::components::{Column, Field, ListTable, Notice, Noun, Select, query_as_map};
use crate::doctors::rpc::list_doctors;
use crate::doctors::{DOCTOR_SORTS, DoctorListItem};
use crate::error::AppError;
use crate::listing::Page;
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Specialization"),
    Column::number("Years"),
    Column::number("Fee"),
    Column::text("Availability"),
];

#[component]
pub fn DoctorsPage() -> impl IntoView {
    // Made here, once per page (see `RequireUser`).
    let query = use_query_map();
    let doctors = Resource::new(move || query_as_map(&query.get()), list_doctors);
    view! {
        <Title text="Doctors" />
        <RequireUser>
            <DoctorList doctors />
        </RequireUser>
    }
}

#[component]
fn DoctorList(doctors: Resource<Result<Page<DoctorListItem>, AppError>>) -> impl IntoView {
    let query = use_query_map();
    let current = move |key: &str| query.get_untracked().get(key).unwrap_or_default();
    let availability = vec![
        (String::new(), "Any".to_owned()),
        ("true".to_owned(), "Available".to_owned()),
        ("false".to_owned(), "Unavailable".to_owned()),
    ];
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
            <Select label="Order" name="ordering" options=DOCTOR_SORTS.menu() selected=current("ordering") errors=Signal::stored(vec![]) />
            <button type="submit" class="button button-secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! {
                    <ListTable
                        result=doctors.await
                        caption="Doctors directory"
                        noun=Noun::new("doctor", "doctors")
                        columns=COLUMNS
                        row=|d| {
                            view! {
                                <tr>
                                    <td><a href=format!("/doctors/{}", d.id)>{format!("Dr. {}", d.name)}</a></td>
                                    <td>{d.specialization.clone()}</td>
                                    <td class="num">{d.experience_years}</td>
                                    <td class="num">{crate::money::format(&d.consultation_fee)}</td>
                                    <td>{if d.is_available { "Available" } else { "Unavailable" }}</td>
                                </tr>
                            }
                        }
                        empty=|| view! { <p>"No doctors match. " <a href="/doctors/new">"Add a doctor"</a></p> }.into_any()
                    />
                }
            })}
        </Transition>
    }
}
