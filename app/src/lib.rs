//! Carebase: one folder per domain (accounts, patients, doctors, assignments), each with
//! its types, its service (behind the `ssr` feature), its server functions and its pages;
//! and a small core that imports no domain. See ARCHITECTURE.md.

// Domains.
pub mod accounts;
pub mod assignments;
pub mod doctors;
pub mod patients;

// The start page: composes the domains' numbers, as this file composes their pages.
pub mod dashboard;
// The admin site: composes the domains' administrative functions and the audit trail.
pub mod admin;

// Core.
pub mod audit;
pub mod components;
pub mod error;
pub mod health;
pub mod home;
pub mod input;
pub mod listing;
pub mod money;
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
pub mod log;
#[cfg(feature = "ssr")]
pub mod pgcopy;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, path};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    page_headers();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// What every page's response says about itself: a Content-Security-Policy that lets only
/// this page's own hydration script run inline (a fresh nonce per page, which Leptos puts
/// on the scripts it writes), and that a page is revalidated before it is shown again.
#[cfg(feature = "ssr")]
fn page_headers() {
    use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderValue};
    leptos::nonce::provide_nonce();
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    response.insert_header(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(nonce) = leptos::nonce::use_nonce() {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = HeaderValue::from_str(&policy) {
            response.insert_header(CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
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
    provide_context(session::UserResource(user));
    view! {
        <div class="app">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader />
            <main id="main" tabindex="-1">
                <Routes fallback=home::NotFound>
                    <Route path=StaticSegment("") view=dashboard::StartPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("signup") view=accounts::pages::SignUpPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("signin") view=accounts::pages::SignInPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("account") view=accounts::pages::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/patients") view=patients::pages::PatientsPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/new") view=patients::pages::NewPatientPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/:id") view=PatientWithDoctors ssr=SsrMode::Async />
                    <Route path=path!("/patients/:id/edit") view=patients::pages::EditPatientPage ssr=SsrMode::Async />
                    <Route path=path!("/patients/:id/delete") view=DeletePatientWithAssignments ssr=SsrMode::Async />
                    <Route path=path!("/doctors") view=doctors::pages::DoctorsPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/new") view=doctors::pages::NewDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/:id") view=doctors::pages::DoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/:id/edit") view=doctors::pages::EditDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/doctors/:id/delete") view=doctors::pages::DeleteDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/assignments") view=assignments::pages::AssignmentsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=admin::pages::AdminIndexPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=admin::pages::AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/new") view=admin::pages::AdminAddUserPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view=admin::pages::AdminUserPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/patients") view=admin::records::AdminPatientsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/patients/delete") view=|| view! { <admin::records::AdminDeletePage kind=admin::Kind::Patients /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/patients/:id") view=admin::records::AdminPatientPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/doctors") view=admin::records::AdminDoctorsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/doctors/delete") view=|| view! { <admin::records::AdminDeletePage kind=admin::Kind::Doctors /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/doctors/:id") view=admin::records::AdminDoctorPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/assignments") view=admin::records::AdminAssignmentsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/assignments/delete") view=|| view! { <admin::records::AdminDeletePage kind=admin::Kind::Assignments /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/activity") view=admin::pages::AdminActivityPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </div>
    }
}

/// A patient's page with their doctors: the two domains meet here, in the app, so
/// neither imports the other's pages.
#[component]
fn PatientWithDoctors() -> impl IntoView {
    // Loaded once per page, here (see `RequireUser`).
    let doctors = assignments::pages::patient_doctors();
    let history = audit::pages::patient_history();
    view! {
        <patients::pages::PatientPage>
            <assignments::pages::PatientDoctorsSection doctors />
            <audit::pages::AccessHistory history />
        </patients::pages::PatientPage>
    }
}

/// A patient's delete confirmation, saying how many assignments go with the record.
#[component]
fn DeletePatientWithAssignments() -> impl IntoView {
    let doctors = assignments::pages::patient_doctors();
    view! {
        <patients::pages::DeletePatientPage>
            <assignments::pages::AssignmentsRemoved doctors />
        </patients::pages::DeletePatientPage>
    }
}

/// The header: the brand, and for a signed-in user the sections (the current one marked
/// with `aria-current`), a patient search that works from any page, and the account.
#[component]
fn SiteHeader() -> impl IntoView {
    let user = expect_context::<session::UserResource>().0;
    let location = leptos_router::hooks::use_location();
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Carebase"</a>
            <Suspense>
                {move || Suspend::new(async move {
                    let path = location.pathname.get_untracked();
                    let current = components::section_of(&path).map(|(href, _)| href);
                    let mark = move |href: &str| (current == Some(href)).then_some("page");
                    match user.await {
                        Ok(Some(user)) => view! {
                            <form class="header-search" method="get" action="/patients" role="search">
                                <label for="header-search" class="visually-hidden">"Find a patient"</label>
                                <input
                                    id="header-search"
                                    type="search"
                                    name="search"
                                    placeholder="Name, email or phone"
                                    autocomplete="off"
                                />
                                <button type="submit" class="button button-small button-secondary">"Find"</button>
                            </form>
                            <nav aria-label="Main">
                                <a href="/patients" aria-current=mark("/patients")>"Patients"</a>
                                <a href="/doctors" aria-current=mark("/doctors")>"Doctors"</a>
                                <a href="/assignments" aria-current=mark("/assignments")>"Assignments"</a>
                                {user.is_admin.then(|| view! {
                                    <a href="/admin" aria-current=(path == "/admin" || path.starts_with("/admin/")).then_some("page")>"Admin"</a>
                                })}
                                <a href="/account" aria-current=(path == "/account").then_some("page")>{user.name.clone()}</a>
                            </nav>
                        }
                            .into_any(),
                        _ => view! {
                            <nav aria-label="Main">
                                <a href="/signin" aria-current=(path == "/signin").then_some("page")>"Sign in"</a>
                                <a href="/signup" aria-current=(path == "/signup").then_some("page")>"Create account"</a>
                            </nav>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}
