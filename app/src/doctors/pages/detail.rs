//! `/doctors/{id}` and its delete confirmation. Edit and Delete are offered when the
//! service says this user may change the doctor (`can_change`).

use crate::components::{ErrorPanel, FormError, Notice, record_by_id};
use crate::doctors::DoctorView;
use crate::doctors::rpc::{DeleteDoctor, get_doctor};
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DoctorPage() -> impl IntoView {
    let doctor = record_by_id(get_doctor, crate::doctors::not_found);
    view! {
        <Title text="Doctor" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doctor.await {
                        Ok(view) => view! { <DoctorDetails view /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn DoctorDetails(view: DoctorView) -> impl IntoView {
    let DoctorView { doctor, can_change } = view;
    let id = doctor.id;
    let or_dash = |s: String| if s.is_empty() { "—".to_owned() } else { s };
    view! {
        <Title text=format!("Dr. {}", doctor.name) />
        <div class="page-heading">
            <h1>{format!("Dr. {}", doctor.name)}</h1>
            {can_change.then(|| view! {
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
                <dd>{crate::money::format(&doctor.consultation_fee)}</dd>
                <dt>"Availability"</dt>
                <dd>{if doctor.is_available { "Available for new patients" } else { "Not available" }}</dd>
            </dl>
        </section>
        <p><a href="/doctors">"← All doctors"</a></p>
    }
}

#[component]
pub fn DeleteDoctorPage() -> impl IntoView {
    let doctor = record_by_id(get_doctor, crate::doctors::not_found);
    let action = ServerAction::<DeleteDoctor>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Delete doctor" />
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match doctor.await.and_then(DoctorView::changeable) {
                        Ok(d) => {
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
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}
