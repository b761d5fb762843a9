//! `/patients/{id}/delete`: the confirmation before a patient's record is deleted.

use crate::assignments::rpc::doctors_of_patient;
use crate::components::{ErrorPanel, FormError, record_by_id};
use crate::patients::rpc::{DeletePatient, get_patient};
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DeletePatientPage() -> impl IntoView {
    let patient = record_by_id(get_patient, crate::patients::not_found);
    let doctors = record_by_id(doctors_of_patient, crate::patients::not_found);
    let action = ServerAction::<DeletePatient>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Delete patient" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (patient.await, doctors.await) {
                        (Ok(p), Ok(doctors)) => {
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
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}
