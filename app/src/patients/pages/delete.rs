//! `/patients/{id}/delete`: the confirmation before a patient's record is deleted.

use crate::components::{ErrorPanel, FormError, record_by_id};
use crate::error::AppError;
use crate::patients::Patient;
use crate::patients::rpc::{DeletePatient, get_patient};
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;

/// `children`: what else goes with the record, in words ("removes 2 doctor assignment(s)");
/// the app fills it in from the domains that hold such things.
#[component]
pub fn DeletePatientPage(children: ChildrenFn) -> impl IntoView {
    // Made here, once per page (see `RequireUser`).
    let patient = record_by_id(get_patient, crate::patients::not_found);
    view! {
        <Title text="Delete patient" />
        <RequireUser>
            <ConfirmDelete patient children=children.clone() />
        </RequireUser>
    }
}

#[component]
fn ConfirmDelete(
    patient: Resource<Result<Patient, AppError>>,
    children: ChildrenFn,
) -> impl IntoView {
    let action = ServerAction::<DeletePatient>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match patient.await {
                        Ok(p) => {
                            view! {
                                <section class="panel narrow">
                                    <h1>{format!("Delete {}?", p.name)}</h1>
                                    <FormError error />
                                    <p>
                                        {format!("This permanently deletes the record of {} and ", p.name)}
                                        {children()}
                                        ". It cannot be undone."
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
                })
            }}
        </Suspense>
    }
}
