//! Carebase: components, server functions and shared types; behind the `ssr` feature, the
//! service layer that both the REST API and the server functions call.

pub mod components;
pub mod error;
pub mod input;
pub mod models;
pub mod pages;
pub mod session;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod batch;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod forms;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, path};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/carebase.css" />
        <Title formatter=|page: String| format!("{page} · Carebase") />
        <Router>
            <Layout />
        </Router>
    }
}

/// Every page renders in `SsrMode::Async`: the server waits for its data and sends the
/// finished page, so the first paint has real data and everything works without
/// JavaScript.
///
/// Everything inside the router: the signed-in user (looked up again on each navigation,
/// so signing in or out shows at once), the header and the current page.
#[component]
fn Layout() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let user = Resource::new(move || location.pathname.get(), |_| session::current_user());
    provide_context(components::UserResource(user));
    view! {
        <div class="app">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader />
            <main id="main" tabindex="-1">
                <Routes fallback=pages::NotFound>
                    <Route path=StaticSegment("") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("signup") view=pages::account::SignUpPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("signin") view=pages::account::SignInPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/patients") view=pages::patients::PatientsPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/new") view=pages::patients::NewPatientPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/:id") view=pages::patients::PatientPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/:id/edit") view=pages::patients::EditPatientPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/:id/delete") view=pages::patients::DeletePatientPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors") view=pages::doctors::DoctorsPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/new") view=pages::doctors::NewDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/:id") view=pages::doctors::DoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/:id/edit") view=pages::doctors::EditDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/:id/delete") view=pages::doctors::DeleteDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/assignments") view=pages::assignments::AssignmentsPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </div>
    }
}

/// The header: the brand, and for a signed-in user the sections and the account.
#[component]
fn SiteHeader() -> impl IntoView {
    let user = expect_context::<components::UserResource>().0;
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Carebase"</a>
            <Suspense>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => view! {
                            <nav aria-label="Main">
                                <a href="/patients">"Patients"</a>
                                <a href="/doctors">"Doctors"</a>
                                <a href="/assignments">"Assignments"</a>
                                <a href="/account">{user.name}</a>
                            </nav>
                        }
                            .into_any(),
                        _ => view! {
                            <nav aria-label="Main">
                                <a href="/signin">"Sign in"</a>
                                <a href="/signup">"Create account"</a>
                            </nav>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}
