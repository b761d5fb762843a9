//! The signed-in user's assignments of doctors to patients.

use crate::components::{ErrorPanel, Pagination, RequireUser, query_as_map, when};
use crate::error::AppError;
use crate::models::{MappingListItem, Page};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

#[server(prefix = "/rpc", endpoint = "list_assignments", input = leptos::server_fn::codec::Json)]
pub async fn list_assignments(
    query: BTreeMap<String, String>,
) -> Result<Page<MappingListItem>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    crate::services::mappings::list(&state.pool, user, &query).await
}

#[component]
pub fn AssignmentsPage() -> impl IntoView {
    view! {
        <Title text="Assignments" />
        <RequireUser>
            <AssignmentList />
        </RequireUser>
    }
}

#[component]
fn AssignmentList() -> impl IntoView {
    let query = use_query_map();
    let mappings = Resource::new(move || query_as_map(&query.get()), list_assignments);
    view! {
        <div class="page-heading">
            <h1>"Assignments"</h1>
        </div>
        <p class="muted">"Which doctor looks after which of your patients. Assign doctors from a patient's page."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mappings.await {
                    Ok(page) if page.items.is_empty() => {
                        view! {
                            <section class="panel empty">
                                <p>"No assignments yet. Open a " <a href="/patients">"patient"</a> " to assign a doctor."</p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(page) => {
                        let rows = page
                            .items
                            .iter()
                            .map(|m| {
                                view! {
                                    <tr>
                                        <td><a href=format!("/patients/{}", m.patient)>{m.patient_name.clone()}</a></td>
                                        <td><a href=format!("/doctors/{}", m.doctor)>{format!("Dr. {}", m.doctor_name)}</a></td>
                                        <td>{m.doctor_specialization.clone()}</td>
                                        <td>{when(&m.assigned_date)}</td>
                                        <td>{if m.is_active { "Active" } else { "Inactive" }}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <section class="panel">
                                <div class="table-wrap">
                                    <table>
                                        <caption class="visually-hidden">"Your assignments"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Patient"</th>
                                                <th scope="col">"Doctor"</th>
                                                <th scope="col">"Specialization"</th>
                                                <th scope="col">"Assigned"</th>
                                                <th scope="col">"Status"</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pagination page noun="assignments" />
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
