//! The admin site's pages for every owner's records: patients, doctors and assignments,
//! each a list (search, filters, ordering, pages, "delete selected"), a record's page
//! (its details, the change form the staff pages use, what is assigned, its history),
//! and one confirmation page for every deletion that lists what else goes.

use super::pages::{AdminOnly, EventTable};
use super::rpc::{
    AdminDelete, admin_assignments, admin_check, admin_deletion, admin_doctor, admin_doctors,
    admin_patient, admin_patients,
};
use super::{Assigned, Deletion, DoctorRecord, Kind, PatientRecord};
use crate::assignments::AdminMappingItem;
use crate::components::{
    Column, ErrorPanel, Field, FormError, ListTable, Notice, Select, count_of, posted_error,
    query_as_map, record_by_id, when,
};
use crate::doctors::{DOCTOR_SORTS, DoctorListItem};
use crate::patients::{AdminPatientItem, PATIENT_SORTS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The value of a query parameter when the page was asked for (for a filter's field).
fn asked(key: &str) -> String {
    use_query_map().get_untracked().get(key).unwrap_or_default()
}

fn no_errors() -> Signal<Vec<String>> {
    Signal::stored(Vec::new())
}

fn choices(any: &str, values: &[(&str, &str)]) -> Vec<(String, String)> {
    std::iter::once((String::new(), any.to_owned()))
        .chain(values.iter().map(|(v, l)| (v.to_string(), l.to_string())))
        .collect()
}

fn yes_no(any: &str) -> Vec<(String, String)> {
    choices(any, &[("true", "Yes"), ("false", "No")])
}

/// A row's box for "delete selected".
fn select_box(id: i64, label: String) -> impl IntoView {
    view! {
        <td>
            <input type="checkbox" name="ids" value=id aria-label=format!("Select {label}") />
        </td>
    }
}

/// The list's table inside the form that takes the ticked rows to the confirmation.
#[component]
fn SelectableList(kind: Kind, children: Children) -> impl IntoView {
    view! {
        <form method="get" action=format!("/admin/{}/delete", kind.path())>
            {children()}
            <div class="actions">
                <button type="submit" class="button button-danger">
                    {format!("Delete selected {}…", kind.noun().many)}
                </button>
            </div>
        </form>
    }
}

/// "Deleted 3 patients." after a deletion.
#[component]
fn Deleted(kind: Kind) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let count = query
        .get("deleted")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|_| query.get("notice").as_deref() == Some("deleted"));
    count.map(|n| {
        view! {
            <div class="alert alert-success" role="status">
                {format!("Deleted {}.", count_of(n, kind.noun()))}
            </div>
        }
    })
}

const PATIENT_COLUMNS: &[Column] = &[
    Column::text("Select"),
    Column::text("Name"),
    Column::text("Email"),
    Column::text("Blood group"),
    Column::text("Owner"),
    Column::number("Doctors"),
    Column::text("Added"),
];

/// `/admin/patients`: every owner's patients.
#[component]
pub fn AdminPatientsPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let query = use_query_map();
    let patients = Resource::new(move || query_as_map(&query.get()), admin_patients);
    let groups: Vec<(&str, &str)> = crate::patients::BLOOD_GROUPS
        .iter()
        .map(|g| (*g, *g))
        .collect();
    view! {
        <Title text="Patients · Administration" />
        <AdminOnly allowed>
            <div class="page-heading"><h1>"Patients"</h1></div>
            <Deleted kind=Kind::Patients />
            <form class="panel filters" method="get" action="/admin/patients" role="search">
                <Field label="Search" name="search" kind="search" value=asked("search") errors=no_errors() />
                <Field label="Owner (user id)" name="owner" kind="number" value=asked("owner") errors=no_errors() />
                <Select label="Blood group" name="blood_group" options=choices("Any", &groups) selected=asked("blood_group") errors=no_errors() />
                <Select label="Order" name="ordering" options=PATIENT_SORTS.menu() selected=asked("ordering") errors=no_errors() />
                <button type="submit" class="button button-secondary">"Apply"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let result = patients.await;
                    view! {
                        <SelectableList kind=Kind::Patients>
                            <ListTable
                                result=result
                                caption="Patients of every owner"
                                noun=Kind::Patients.noun()
                                columns=PATIENT_COLUMNS
                                row=|p: &AdminPatientItem| view! {
                                    <tr>
                                        {select_box(p.id, p.name.clone())}
                                        <td><a href=format!("/admin/patients/{}", p.id)>{p.name.clone()}</a></td>
                                        <td>{p.email.clone()}</td>
                                        <td>{p.blood_group.clone()}</td>
                                        <td><a href=format!("/admin/users/{}", p.owner)>{p.owner_email.clone()}</a></td>
                                        <td class="num">{p.assignments}</td>
                                        <td>{when(&p.created_at)}</td>
                                    </tr>
                                }
                                empty=|| view! { <p>"No patients match."</p> }.into_any()
                            />
                        </SelectableList>
                    }
                })}
            </Transition>
        </AdminOnly>
    }
}

/// `/admin/patients/{id}`: any owner's patient: details, the change form, its doctors and
/// its history.
#[component]
pub fn AdminPatientPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let record = record_by_id(admin_patient, crate::patients::not_found);
    view! {
        <Title text="Patient · Administration" />
        <AdminOnly allowed>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match record.await {
                        Ok(record) => view! { <PatientRecordView record /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href="/admin/patients">"← All patients"</a></p>
        </AdminOnly>
    }
}

#[component]
fn PatientRecordView(record: PatientRecord) -> impl IntoView {
    let patient = record.patient;
    let owner = patient.created_by_details.clone();
    view! {
        <div class="page-heading">
            <h1>{patient.name.clone()}</h1>
            <a class="button button-danger" href=format!("/admin/patients/delete?ids={}", patient.id)>"Delete"</a>
        </div>
        <Notice />
        <p>
            "Owner: "
            <a href=format!("/admin/users/{}", owner.id)>{format!("{} ({})", owner.name, owner.email)}</a>
            {format!(" · added {} · changed {}", when(&patient.created_at), when(&patient.updated_at))}
        </p>
        <h2>"Change"</h2>
        <crate::patients::pages::PatientForm patient=Some(patient) admin=true />
        <AssignmentsPanel items=record.assignments caption="Doctors assigned to this patient" />
        <section class="panel" aria-labelledby="patient-history">
            <h2 id="patient-history">"History"</h2>
            <HistoryTable events=record.history caption="History of this patient" />
        </section>
    }
}

#[component]
fn HistoryTable(events: Vec<crate::audit::AuditEvent>, caption: &'static str) -> impl IntoView {
    if events.is_empty() {
        view! { <p>"Nothing recorded yet."</p> }.into_any()
    } else {
        view! {
            <p class="hint">{format!("The most recent {}.", count_of(events.len() as i64, crate::components::Noun::new("event", "events")))}</p>
            <EventTable events caption />
        }
        .into_any()
    }
}

const ASSIGNMENT_COLUMNS: &[Column] = &[
    Column::text("Doctor"),
    Column::text("Patient"),
    Column::text("Owner"),
    Column::text("Assigned"),
    Column::text("Active"),
    Column::text("Notes"),
];

fn assignment_cells(m: &AdminMappingItem) -> impl IntoView + use<> {
    view! {
        <td><a href=format!("/admin/doctors/{}", m.doctor)>{format!("Dr. {}", m.doctor_name)}</a></td>
        <td><a href=format!("/admin/patients/{}", m.patient)>{m.patient_name.clone()}</a></td>
        <td><a href=format!("/admin/users/{}", m.owner)>{m.owner_email.clone()}</a></td>
        <td>{when(&m.assigned_date)}</td>
        <td>{if m.is_active { "Yes" } else { "No" }}</td>
        <td>{m.notes.clone()}</td>
    }
}

/// "and 12 more" when only the first of `assigned` are listed.
fn more(assigned: &Assigned) -> Option<String> {
    let more = assigned.total - assigned.shown.len() as i64;
    (more > 0).then(|| format!("…and {more} more."))
}

/// A record's assignments (the first thousand), with links to both sides.
#[component]
fn AssignmentsPanel(items: Assigned, caption: &'static str) -> impl IntoView {
    let rows = items
        .shown
        .iter()
        .map(|m| view! { <tr>{assignment_cells(m)}</tr> })
        .collect_view();
    let more = more(&items);
    let total = items.total;
    let items = items.shown;
    view! {
        <section class="panel" aria-label=caption>
            <h2>{format!("Assignments ({total})")}</h2>
            {more.map(|m| view! { <p class="hint">{m}</p> })}
            {if items.is_empty() {
                view! { <p>"None."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">{caption}</caption>
                            <thead>
                                <tr>{ASSIGNMENT_COLUMNS.iter().map(|c| view! { <th scope="col">{c.title}</th> }).collect_view()}</tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

const DOCTOR_COLUMNS: &[Column] = &[
    Column::text("Select"),
    Column::text("Name"),
    Column::text("Specialization"),
    Column::number("Experience"),
    Column::number("Fee"),
    Column::text("Available"),
];

/// `/admin/doctors`: the directory, with deletion of several at once.
#[component]
pub fn AdminDoctorsPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let query = use_query_map();
    let doctors = Resource::new(move || query_as_map(&query.get()), admin_doctors);
    view! {
        <Title text="Doctors · Administration" />
        <AdminOnly allowed>
            <div class="page-heading"><h1>"Doctors"</h1></div>
            <Deleted kind=Kind::Doctors />
            <form class="panel filters" method="get" action="/admin/doctors" role="search">
                <Field label="Search" name="search" kind="search" value=asked("search") errors=no_errors() />
                <Field label="Specialization" name="specialization" value=asked("specialization") errors=no_errors() />
                <Select label="Available" name="is_available" options=yes_no("Any") selected=asked("is_available") errors=no_errors() />
                <Select label="Order" name="ordering" options=DOCTOR_SORTS.menu() selected=asked("ordering") errors=no_errors() />
                <button type="submit" class="button button-secondary">"Apply"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let result = doctors.await;
                    view! {
                        <SelectableList kind=Kind::Doctors>
                            <ListTable
                                result=result
                                caption="Doctors"
                                noun=Kind::Doctors.noun()
                                columns=DOCTOR_COLUMNS
                                row=|d: &DoctorListItem| view! {
                                    <tr>
                                        {select_box(d.id, d.name.clone())}
                                        <td><a href=format!("/admin/doctors/{}", d.id)>{format!("Dr. {}", d.name)}</a></td>
                                        <td>{d.specialization.clone()}</td>
                                        <td class="num">{format!("{} years", d.experience_years)}</td>
                                        <td class="num">{crate::money::format(&d.consultation_fee)}</td>
                                        <td>{if d.is_available { "Yes" } else { "No" }}</td>
                                    </tr>
                                }
                                empty=|| view! { <p>"No doctors match."</p> }.into_any()
                            />
                        </SelectableList>
                    }
                })}
            </Transition>
        </AdminOnly>
    }
}

/// `/admin/doctors/{id}`: a doctor: the change form, its assignments, its history.
#[component]
pub fn AdminDoctorPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let record = record_by_id(admin_doctor, crate::doctors::not_found);
    view! {
        <Title text="Doctor · Administration" />
        <AdminOnly allowed>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match record.await {
                        Ok(record) => view! { <DoctorRecordView record /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href="/admin/doctors">"← All doctors"</a></p>
        </AdminOnly>
    }
}

#[component]
fn DoctorRecordView(record: DoctorRecord) -> impl IntoView {
    let doctor = record.doctor;
    view! {
        <div class="page-heading">
            <h1>{format!("Dr. {}", doctor.name)}</h1>
            <a class="button button-danger" href=format!("/admin/doctors/delete?ids={}", doctor.id)>"Delete"</a>
        </div>
        <Notice />
        <p>{format!("Added {} · changed {}", when(&doctor.created_at), when(&doctor.updated_at))}</p>
        <h2>"Change"</h2>
        <crate::doctors::pages::DoctorForm doctor=Some(doctor) admin=true />
        <AssignmentsPanel items=record.assignments caption="Patients this doctor is assigned to" />
        <section class="panel" aria-labelledby="doctor-history">
            <h2 id="doctor-history">"History"</h2>
            <HistoryTable events=record.history caption="History of this doctor" />
        </section>
    }
}

const ASSIGNMENTS_LIST_COLUMNS: &[Column] = &[
    Column::text("Select"),
    Column::text("Doctor"),
    Column::text("Patient"),
    Column::text("Owner"),
    Column::text("Assigned"),
    Column::text("Active"),
    Column::text("Notes"),
];

/// `/admin/assignments`: every owner's assignments.
#[component]
pub fn AdminAssignmentsPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let query = use_query_map();
    let assignments = Resource::new(move || query_as_map(&query.get()), admin_assignments);
    let order = choices(
        "Newest first",
        &[
            ("assigned_date", "Oldest first"),
            ("patient_name", "Patient A–Z"),
            ("doctor_name", "Doctor A–Z"),
        ],
    );
    view! {
        <Title text="Assignments · Administration" />
        <AdminOnly allowed>
            <div class="page-heading"><h1>"Assignments"</h1></div>
            <Deleted kind=Kind::Assignments />
            <form class="panel filters" method="get" action="/admin/assignments" role="search">
                <Field label="Search" name="search" kind="search" value=asked("search") errors=no_errors() />
                <Field label="Owner (user id)" name="owner" kind="number" value=asked("owner") errors=no_errors() />
                <Field label="Patient id" name="patient" kind="number" value=asked("patient") errors=no_errors() />
                <Field label="Doctor id" name="doctor" kind="number" value=asked("doctor") errors=no_errors() />
                <Select label="Active" name="is_active" options=yes_no("Any") selected=asked("is_active") errors=no_errors() />
                <Select label="Order" name="ordering" options=order.clone() selected=asked("ordering") errors=no_errors() />
                <button type="submit" class="button button-secondary">"Apply"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let result = assignments.await;
                    view! {
                        <SelectableList kind=Kind::Assignments>
                            <ListTable
                                result=result
                                caption="Assignments of every owner's patients"
                                noun=Kind::Assignments.noun()
                                columns=ASSIGNMENTS_LIST_COLUMNS
                                row=|m: &AdminMappingItem| view! {
                                    <tr>
                                        {select_box(m.id, format!("Dr. {} for {}", m.doctor_name, m.patient_name))}
                                        {assignment_cells(m)}
                                    </tr>
                                }
                                empty=|| view! { <p>"No assignments match."</p> }.into_any()
                            />
                        </SelectableList>
                    }
                })}
            </Transition>
        </AdminOnly>
    }
}

/// `/admin/{kind}/delete?ids=…`: what deleting the chosen objects removes, and the button
/// that does it.
#[component]
pub fn AdminDeletePage(kind: Kind) -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let query = use_query_map();
    let ids = move || query.get().get_all("ids").unwrap_or_default().join(",");
    let deletion = Resource::new(ids, move |ids| admin_deletion(kind, ids));
    view! {
        <Title text=format!("Delete {} · Administration", kind.noun().many) />
        <AdminOnly allowed>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deletion.await {
                        Ok(deletion) => view! { <ConfirmDeletion deletion /> }.into_any(),
                        Err(error) => view! {
                            <ErrorPanel error />
                            <p><a href=format!("/admin/{}", kind.path())>{format!("← All {}", kind.noun().many)}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
fn ConfirmDeletion(deletion: Deletion) -> impl IntoView {
    let kind = deletion.kind;
    let action = ServerAction::<AdminDelete>::new();
    let error = Signal::stored(posted_error::<AdminDelete>());
    let ids = deletion
        .objects
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let objects = deletion
        .objects
        .iter()
        .map(|(id, label)| {
            let href = format!("/admin/{}/{id}", kind.path());
            let link = if kind == Kind::Assignments {
                label.clone().into_any()
            } else {
                view! { <a href=href>{label.clone()}</a> }.into_any()
            };
            view! { <li>{link}</li> }
        })
        .collect_view();
    let going = deletion.assignments.total;
    let more = more(&deletion.assignments);
    let assignments = deletion
        .assignments
        .shown
        .iter()
        .map(|m| {
            view! {
                <li>{format!("Dr. {} for {} (patient of {})", m.doctor_name, m.patient_name, m.owner_email)}</li>
            }
        })
        .collect_view();
    let count = count_of(deletion.objects.len() as i64, kind.noun());
    view! {
        <section class="panel narrow">
            <h1>{format!("Delete {count}?")}</h1>
            <FormError error />
            <p>{format!("These {} are deleted for good:", kind.noun().many)}</p>
            <ul class="deletion">{objects}</ul>
            {(going > 0).then(|| view! {
                <p>{format!("With them go {}:", count_of(going, Kind::Assignments.noun()))}</p>
                <ul class="deletion">{assignments}</ul>
                {more}
            })}
            <p>"This cannot be undone. Each deletion is recorded in the activity."</p>
            <ActionForm action>
                <input type="hidden" name="kind" value=kind.path() />
                <input type="hidden" name="ids" value=ids />
                <div class="actions">
                    <button type="submit" class="button button-danger">"Yes, delete"</button>
                    <a class="button button-secondary" href=format!("/admin/{}", kind.path())>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}
