//! The pages of the staff web app.

pub mod account;
pub mod assignments;
pub mod doctors;
pub mod home;
pub mod patients;

use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any address the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have been moved or deleted."</p>
            <p>
                <a href="/">"Back to the start page"</a>
            </p>
        </section>
    }
}
