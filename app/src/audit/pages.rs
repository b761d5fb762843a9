//! The "Access history" of a patient's page: who read or changed the record, when, from
//! where, and whether they were let in.

use super::rpc::patient_access_history;
use super::{AuditEvent, HISTORY_SHOWN};
use crate::components::{ErrorPanel, record_by_id, when};
use crate::error::AppError;
use crate::listing::Page;
use leptos::prelude::*;

fn not_found() -> AppError {
    AppError::NotFound("Patient not found.".into())
}

/// The access history of the patient the address names, loading. Made by the page, once
/// (see `RequireUser`).
pub fn patient_history() -> Resource<Result<Page<AuditEvent>, AppError>> {
    record_by_id(patient_access_history, not_found)
}

/// The section.
#[component]
pub fn AccessHistory(history: Resource<Result<Page<AuditEvent>, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading access history…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(page) => view! { <HistoryTable events=page.items count=page.count /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HistoryTable(events: Vec<AuditEvent>, count: i64) -> impl IntoView {
    let summary = if count > HISTORY_SHOWN {
        format!("The {HISTORY_SHOWN} most recent of {count} events.")
    } else {
        String::new()
    };
    let rows = events
        .into_iter()
        .map(|event| {
            let who = if event.actor_email.is_empty() {
                "—".to_owned()
            } else {
                event.actor_email.clone()
            };
            let outcome_class = format!("outcome outcome-{}", event.outcome);
            view! {
                <tr>
                    <td>{when(&event.at)}</td>
                    <td>{who}</td>
                    <td>{event.describe()}</td>
                    <td><span class=outcome_class>{event.outcome.clone()}</span></td>
                    <td>{event.client_address.clone().unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">"Access history"</h2>
            <p class="hint">
                "Everyone who viewed, changed or tried to open this record, newest first. "
                {summary}
            </p>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Access history of this patient"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Who"</th>
                            <th scope="col">"What"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"From"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
